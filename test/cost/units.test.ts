import {
  committedPrices,
  parsePriceTable,
  parseUsageOverrides,
  priceFiles,
  resolveUsage,
  scheduleInvocationsPerMonth,
  UsageFileError,
  unitPrice,
  usageFields,
  usageProfiles,
} from '../../src/platform/cost/index.js';

describe('the committed price table', () => {
  test('every entry says when and where it was read', () => {
    const prices = committedPrices();
    const today = new Date().toISOString().slice(0, 10);
    expect(prices.length).toBeGreaterThan(100);
    for (const p of prices) {
      expect(p.date).toMatch(/^20\d\d-\d\d-\d\d$/);
      // read on or before today: no entry is dated in the future
      expect(p.date <= today).toBe(true);
      expect(p.source).toMatch(/^https:\/\/[a-z0-9.-]+\//);
      expect(p.usdPerUnit).toBeGreaterThan(0);
    }
  });
  test('an entry no public source confirmed is marked, with a note, and keeps its AWS page', () => {
    const raw = Object.values(priceFiles).flatMap(
      (f) => (f as { prices: { checked?: boolean; note?: string; source: string }[] }).prices,
    );
    const unchecked = raw.filter((e) => e.checked === false);
    expect(unchecked.length).toBeGreaterThan(0);
    expect(unchecked.length).toBeLessThan(raw.length);
    for (const e of unchecked) {
      expect(e.note).toMatch(/no public source/);
      expect(e.source).toMatch(/^https:\/\/aws\.amazon\.com\//);
    }
    for (const e of raw.filter((x) => x.checked !== false)) expect(e.note).toBeUndefined();
    expect(committedPrices().filter((p) => p.checked === false)).toHaveLength(unchecked.length);
  });
  test('each priced thing has a price in each of the regions the table covers', () => {
    const prices = committedPrices();
    const regions = ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1'];
    const things = new Set(prices.map((p) => `${p.service} ${p.key}`));
    for (const t of things)
      expect([
        t,
        prices
          .filter((p) => `${p.service} ${p.key}` === t)
          .map((p) => p.region)
          .sort(),
      ]).toEqual([t, [...regions].sort()]);
  });
  test('a page quoting a price per million is read per unit', () => {
    const lambda = committedPrices().find((p) => p.service === 'AWSLambda' && p.key === 'requests')!;
    expect(lambda.usdPerUnit).toBe(0.0000002);
  });
  test('a malformed table names the file, the entry and the field', () => {
    const ec2 = structuredClone(priceFiles['ec2.json']) as { prices: Record<string, unknown>[] };
    delete ec2.prices[3].source;
    expect(() => parsePriceTable('ec2.json', ec2)).toThrow(
      /src\/platform\/cost\/prices\/ec2\.json: prices\.3\.source: /,
    );
  });
});

describe('schedules', () => {
  test.each([
    ['rate(5 minutes)', 8760],
    ['rate(1 minute)', 43800],
    ['rate(1 hour)', 730],
    ['rate(2 hours)', 365],
    ['rate(1 day)', 30],
    ['cron(0 12 * * ? *)', 30],
    ['cron(0/15 * * * ? *)', 2920],
    ['cron(0 9 ? * MON-FRI *)', 21],
    ['cron(0 8,20 * * ? *)', 60],
  ])('%s runs %d times a month (730 hours)', (expression, n) => {
    expect(scheduleInvocationsPerMonth(expression)).toBe(n);
  });
  test('what cannot be read is undefined', () => {
    expect(scheduleInvocationsPerMonth('every day at noon')).toBeUndefined();
    expect(scheduleInvocationsPerMonth('cron(0 12 * *)')).toBeUndefined();
  });
});

describe('usage files', () => {
  test('top-level fields apply to every environment; a section to its own only', () => {
    const data = { apiRequests: 42, prod: { apiRequests: 7, internetEgressGiB: 1 }, dev: { albLcu: 3 } };
    expect(parseUsageOverrides(data, 'u.yaml', 'prod')).toEqual({ apiRequests: 7, internetEgressGiB: 1 });
    expect(parseUsageOverrides(data, 'u.yaml', 'staging')).toEqual({ apiRequests: 42 });
    const dev = resolveUsage('dev', { path: 'u.yaml', data });
    expect(dev.profile).toEqual({ ...usageProfiles.dev, apiRequests: 42, albLcu: 3 });
    expect(dev.name).toBe('dev usage profile with u.yaml');
  });
  test.each([
    [
      { apiRequest: 5 },
      /u\.yaml: apiRequest: not a usage field; use one of internetEgressGiB, .*apiRequests/,
    ],
    [
      { apiRequests: -1 },
      /u\.yaml: apiRequests: must be a number ≥ 0 \(API Gateway requests a month.*got -1/,
    ],
    [{ prod: { albLcu: 'lots' } }, /u\.yaml: prod\.albLcu: must be a number ≥ 0 .*got "lots"/],
    [{ prod: 3 }, /u\.yaml: prod: expected a mapping of usage fields for the prod environment/],
    [[1, 2], /u\.yaml: expected a mapping of usage fields .*got a list/],
  ])('%j is refused, naming the field and the fix', (data, message) => {
    expect(() => parseUsageOverrides(data, 'u.yaml', 'prod')).toThrow(UsageFileError);
    expect(() => parseUsageOverrides(data, 'u.yaml', 'prod')).toThrow(message);
  });
  test('every profile sets every field, and every field is documented', () => {
    for (const p of Object.values(usageProfiles))
      expect(Object.keys(p).sort()).toEqual(Object.keys(usageFields).sort());
    for (const d of Object.values(usageFields)) expect(d.length).toBeGreaterThan(10);
  });
});

test('unit prices read as the pricing pages write them', () => {
  expect(unitPrice(0.048, 'Hrs')).toBe('$0.048 per hour');
  expect(unitPrice(1, 'Key-Mo')).toBe('$1.00 per key-month');
  expect(unitPrice(0.0000002, 'Requests')).toBe('$0.20 per 1M requests');
  expect(unitPrice(0.000005, 'Requests')).toBe('$5.00 per 1M requests');
  expect(unitPrice(0.00002, 'Notifications')).toBe('$0.02 per 1K notifications');
});
