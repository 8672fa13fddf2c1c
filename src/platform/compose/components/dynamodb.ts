/**
 * The application table: on-demand, point-in-time recovery, encrypted with the CMK, `pk`/`sk`
 * string keys and TTL on `ttl`. Exists when the claim asks for it or for the serverless API.
 */
import { profileTable } from '../../api/profiles.js';
import { fromXr, mapTransform } from '../patches.js';
import { sibling, type Stack } from '../resource.js';
import { TABLE_ENABLED } from './observability.js';
import { KMS_KEY } from './storage.js';

export const TABLE = 'table';
/** AWS name part: the table is `<prefix>-table`. */
export const TABLE_PART = 'table';

export function dynamodb(stack: Stack): void {
  stack.add('dynamodb', {
    name: TABLE,
    service: 'dynamodb',
    kind: 'Table',
    when: TABLE_ENABLED,
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
      serverSideEncryption: { enabled: true, kmsKeyArnSelector: sibling(KMS_KEY) },
      tableClass: 'STANDARD',
    },
    awsName: { part: TABLE_PART, limit: 'dynamodb', via: 'external-name' },
    patches: [
      // Protected like the database: prod on, dev and staging off.
      fromXr('spec.environment', 'spec.forProvider.deletionProtectionEnabled', [
        mapTransform(profileTable('dbDeletionProtection')),
      ]),
    ],
    status: { 'status.ids.tableArn': 'status.atProvider.arn' },
  });
}
