/**
 * The application table: on-demand, point-in-time recovery, encrypted with the CMK, `pk`/`sk`
 * string keys and TTL on `ttl`. Exists when the claim asks for it or for the serverless API.
 */
import { profileTable } from '../../api/profiles.js';
import { fromXr, mapTransform } from '../patches.js';
import type { Construct } from 'constructs';
import { enabled } from '../conditions.js';
import { StackComponent, type ComposedResource } from '../resource.js';
import type { EnvironmentKey } from './encryption.js';

export interface TableProps {
  /** Encrypts the table. */
  key: EnvironmentKey;
}

/** The application's DynamoDB table. */
export class Table extends StackComponent {
  readonly table: ComposedResource;
  /** AWS name part: the table is `<prefix>-table`. */
  readonly part = 'table';

  constructor(scope: Construct, id: string, props: TableProps) {
    super(scope, id, 'dynamodb');
    this.table = this.add({
      name: 'table',
      service: 'dynamodb',
      kind: 'Table',
      when: enabled.table,
      dataStore: true,
      forProvider: {
        billingMode: 'PAY_PER_REQUEST',
        hashKey: 'pk',
        rangeKey: 'sk',
        attribute: [
          { name: 'pk', type: 'S' },
          { name: 'sk', type: 'S' },
        ],
        ttl: { attributeName: 'ttl', enabled: true },
        pointInTimeRecovery: { enabled: true },
        serverSideEncryption: { enabled: true, kmsKeyArnSelector: props.key.selector },
        tableClass: 'STANDARD',
      },
      awsName: { part: this.part, limit: 'dynamodb', via: 'external-name' },
      patches: [
        // Protected like the database: prod on, dev and staging off.
        fromXr('spec.environment', 'spec.forProvider.deletionProtectionEnabled', [
          mapTransform(profileTable('dbDeletionProtection')),
        ]),
      ],
      status: { 'status.ids.tableArn': 'status.atProvider.arn' },
    });
  }
}
