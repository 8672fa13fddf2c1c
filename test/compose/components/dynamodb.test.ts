import { Table } from '../../../src/platform/compose/components/dynamodb.js';
import { flavors } from '../../../src/platform/compose/flavor.js';
import {
  buildWith,
  danglingSelectors,
  forProvider,
  renderStack,
  renderedOf,
  schemaErrors,
} from './app-harness.js';

const TABLE = 'table';

describe.each(flavors)('dynamodb (%s)', (flavor) => {
  const stack = buildWith(flavor, (f) => new Table(f.env, 'dynamodb', f));

  test('exists when the claim asks for a table or for the serverless API, not otherwise', () => {
    expect(renderedOf(renderStack(stack), 'dynamodb')).toEqual([]);
    expect(renderedOf(renderStack(stack, { dynamodb: { enabled: true } }), 'dynamodb')).toEqual([TABLE]);
    expect(renderedOf(renderStack(stack, { serverless: { enabled: true } }), 'dynamodb')).toEqual([TABLE]);
  });

  test('on-demand, PITR, CMK encryption, pk/sk keys, TTL; validates against the CRD', () => {
    const r = renderStack(stack, { dynamodb: { enabled: true } });
    expect(schemaErrors(r, ['dynamodb'])).toEqual([]);
    expect(danglingSelectors(r, ['dynamodb'])).toEqual([]);
    const table = forProvider(r, TABLE);
    expect(table).toMatchObject({
      billingMode: 'PAY_PER_REQUEST',
      hashKey: 'pk',
      rangeKey: 'sk',
      attribute: [
        { name: 'pk', type: 'S' },
        { name: 'sk', type: 'S' },
      ],
      ttl: { attributeName: 'ttl', enabled: true },
      pointInTimeRecovery: { enabled: true },
      serverSideEncryption: {
        enabled: true,
        kmsKeyArnSelector: expect.objectContaining({ matchControllerRef: true }),
      },
      deletionProtectionEnabled: false,
    });
    expect(r.composed.get(TABLE)?.metadata).toMatchObject({
      annotations: expect.objectContaining({ 'crossplane.io/external-name': 'shop-dev-table' }),
    });
    const prod = renderStack(stack, { environment: 'prod', dynamodb: { enabled: true } });
    expect(forProvider(prod, TABLE).deletionProtectionEnabled).toBe(true);
  });
});
