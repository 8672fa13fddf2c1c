/** A claim that switches a component off costs less by exactly that component's items, nothing else. */
import { diffEstimates, type CostItem } from '../../src/platform/cost/index.js';
import type { JsonObject } from '../../src/engine/render/fnapi.js';
import { estimateClaim, exampleClaim, type Example } from './support.js';

interface Toggle {
  example: Example;
  what: string;
  off: (spec: JsonObject) => void;
  /** The components whose items all go. */
  components: string[];
  /** The alarms on the component's resources (they belong to the observability component). */
  alarms?: RegExp;
}

const toggles: Toggle[] = [
  { example: 'prod-dr', what: 'the DR region', off: (s) => void delete s.dr, components: ['dr'] },
  {
    example: 'prod',
    what: 'serverless',
    off: (s) => {
      s.serverless = { enabled: false };
      s.dynamodb = { enabled: false };
    },
    components: ['serverless', 'dynamodb'],
    alarms: /^alarm-(lambda-|api-|table-)/,
  },
  {
    example: 'prod',
    what: 'the database',
    off: (s) => void (s.database = { enabled: false }),
    components: ['database'],
    alarms: /^alarm-rds-/,
  },
  {
    example: 'staging',
    what: 'the bastion',
    off: (s) => void (s.bastion = { enabled: false }),
    components: ['bastion'],
  },
  {
    example: 'prod',
    what: 'AWS Config and CloudTrail',
    off: (s) => void (s.compliance = { ...(s.compliance as JsonObject), config: false, cloudTrail: false }),
    components: ['compliance'],
  },
];

const key = (i: CostItem) => `${i.resource} ${i.key} ${i.region} ${i.usage}`;
const cents = (items: CostItem[]) => items.reduce((a, i) => a + Math.round(i.monthly * 100), 0);

describe.each(toggles.map((t) => [`${t.example} without ${t.what}`, t] as const))('%s', (_label, t) => {
  test('costs less by exactly the items of what was switched off', async () => {
    const claim = exampleClaim(t.example);
    const full = await estimateClaim(claim);
    const smaller = structuredClone(claim);
    t.off(smaller.spec as JsonObject);
    const off = await estimateClaim(smaller);

    const gone = full.items.filter(
      (i) => t.components.includes(i.component) || (t.alarms !== undefined && t.alarms.test(i.resource)),
    );
    expect(cents(gone)).toBeGreaterThan(0);
    // Nothing else changes: every item left is the same item, at the same figure.
    const before = new Map(full.items.map((i) => [key(i), i.monthly]));
    for (const i of off.items) expect([key(i), i.monthly]).toEqual([key(i), before.get(key(i))]);
    expect(off.items.map(key).sort()).toEqual(
      full.items
        .filter((i) => !gone.includes(i))
        .map(key)
        .sort(),
    );
    // The totals fall by exactly those items, fixed and usage apart.
    expect(Math.round(full.fixedMonthly * 100) - Math.round(off.fixedMonthly * 100)).toBe(
      cents(gone.filter((i) => !i.usage)),
    );
    expect(Math.round(full.usageMonthly * 100) - Math.round(off.usageMonthly * 100)).toBe(
      cents(gone.filter((i) => i.usage)),
    );
    // --diff says the same, component by component.
    const d = diffEstimates(full, off);
    for (const c of d.components) {
      const mine = gone.filter((i) => i.component === c.component);
      expect([c.component, 0 - Math.round(c.fixedDelta * 100)]).toEqual([
        c.component,
        cents(mine.filter((i) => !i.usage)),
      ]);
    }
    expect(d.items.every((i) => i.change === 'removed')).toBe(true);
  });
});

test('minimal with a DynamoDB table costs exactly the table more', async () => {
  const claim = exampleClaim('minimal');
  const withTable = structuredClone(claim);
  (withTable.spec as JsonObject).dynamodb = { enabled: true };
  const d = diffEstimates(await estimateClaim(claim), await estimateClaim(withTable));
  expect(d.components.map((c) => c.component)).toEqual(['dynamodb', 'observability']);
  expect([...new Set(d.items.map((i) => `${i.change} ${i.resource}`))].sort()).toEqual([
    'added alarm-table-read-throttles',
    'added alarm-table-write-throttles',
    'added table',
  ]);
});
