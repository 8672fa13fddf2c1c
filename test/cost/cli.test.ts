import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../cli/run-cli.js';
import { usageProfiles } from '../../src/platform/cost/index.js';
import { tablePrice } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'envstack-cost-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const run = (...argv: string[]) => runCli('cost', ...argv);

interface JsonEstimate {
  claim: string;
  currency: string;
  pricesDate: string;
  fixedMonthly: number;
  usageMonthly: number;
  regions: { region: string; fixedMonthly: number; usageMonthly: number }[];
  items: Record<string, unknown>[];
  notPriced: Record<string, unknown>[];
}

test('--help says what the command does and takes', async () => {
  const r = await run('--help');
  expect(r.code).toBe(0);
  expect(r.out).toContain('envstack cost --diff BASE.yaml NEW.yaml');
  expect(r.out).toContain('--prices FILE');
  expect(r.out).toContain('--usage FILE');
  const top = (await runCli('--help')).out;
  expect(top).toMatch(/envstack cost CLAIM\.\.\./);
});

test('text: fixed and usage apart, per region, with the prices used and their age', async () => {
  const r = await run('examples/prod-dr.yaml');
  expect(r.code).toBe(0);
  expect(r.out).toMatch(
    /^examples\/prod-dr\.yaml: payments-prod-dr \(prod\) in eu-west-1, DR in eu-central-1$/m,
  );
  expect(r.out).toMatch(
    /^Prices: committed table src\/platform\/cost\/prices, \d+ prices dated \d{4}-\d\d-\d\d \(\d+ days? old; \d+ of them unchecked\)$/m,
  );
  expect(r.out).toMatch(/^Fixed monthly cost .*: \$[\d,]+\.\d\d$/m);
  expect(r.out).toMatch(
    /^Usage-based monthly cost \(from the prod usage profile; --usage FILE to change\): /m,
  );
  expect(r.out).toMatch(/^ {2}eu-west-1 \(primary\) +\$[\d,]+\.\d\d/m);
  expect(r.out).toMatch(/^ {2}eu-central-1 \(DR\) +\$[\d,]+\.\d\d/m);
  expect(r.out).toMatch(/nat-a +NAT gateway-hours +730 Hrs +\$0\.048 per hour +\$35\.04 +eu-west-1/);
  expect(r.out).toMatch(/^Not priced \(\d+\):/m);
  expect(r.out).toMatch(/^No charge \(\d+ resources; /m);
  expect(r.out).toContain('iam/Role ×8');
});

test('json: one object per claim, an array for several, with every item field', async () => {
  const one = await run('examples/prod-dr.yaml', '--format', 'json');
  expect(one.code).toBe(0);
  const e = JSON.parse(one.out) as JsonEstimate;
  expect(e).toMatchObject({ claim: 'payments-prod-dr', currency: 'USD' });
  // The oldest date among the prices used.
  expect(e.pricesDate).toBe(e.items.map((i) => String(i.priceDate)).sort()[0]);
  expect(typeof e.fixedMonthly).toBe('number');
  expect(typeof e.usageMonthly).toBe('number');
  for (const i of e.items) {
    expect(Object.keys(i)).toEqual(
      expect.arrayContaining([
        'component',
        'resource',
        'kind',
        'region',
        'quantity',
        'unit',
        'unitPrice',
        'monthly',
        'usage',
      ]),
    );
    expect(typeof i.usage).toBe('boolean');
  }
  for (const n of e.notPriced) expect(Object.keys(n).sort()).toEqual(['kind', 'reason', 'resource']);
  expect(e.items.some((i) => i.usage === true) && e.items.some((i) => i.usage === false)).toBe(true);

  const two = await run('examples/minimal.yaml', 'examples/dev.yaml', '-o', 'json');
  const list = JSON.parse(two.out) as JsonEstimate[];
  expect(list.map((x) => x.claim)).toEqual(['hello', 'payments-dev']);
});

test('--diff prod prod-dr: the DR region, component by component, as text, Markdown and JSON', async () => {
  const json = await run('--diff', 'examples/prod.yaml', 'examples/prod-dr.yaml', '--format', 'json');
  expect(json.code).toBe(0);
  const d = JSON.parse(json.out);
  expect(d.components.map((c: { component: string }) => c.component)).toEqual(['dr']);
  const dr = JSON.parse((await run('examples/prod-dr.yaml', '-o', 'json')).out) as JsonEstimate;
  const drFixed = dr.items
    .filter((i) => i.component === 'dr' && !i.usage)
    .reduce((a, i) => a + Math.round(Number(i.monthly) * 100), 0);
  expect(Math.round(d.fixedDelta * 100)).toBe(drFixed);
  expect(d.regions.map((r: { region: string }) => r.region).sort()).toEqual(['eu-central-1', 'eu-west-1']);

  const md = await run('--diff', 'examples/prod.yaml', 'examples/prod-dr.yaml', '--format', 'markdown');
  expect(md.out).toMatch(/^### Cost change: \+\$[\d,]+\.\d\d fixed, \+\$[\d,]+\.\d\d usage a month$/m);
  expect(md.out).toContain('| component | fixed before | fixed after | change | usage change |');
  expect(md.out).toMatch(/^\| dr \| \$0\.00 \| \$[\d,]+\.\d\d \| \+\$[\d,]+\.\d\d \| \+\$[\d,]+\.\d\d \|$/m);

  const text = await run('--diff', 'examples/prod.yaml', 'examples/prod-dr.yaml');
  expect(text.out).toMatch(/^Cost change examples\/prod\.yaml → examples\/prod-dr\.yaml$/m);
  expect(text.out).toMatch(
    /^ {2}\+ fixed +dr +dr-nat-a +NAT gateway-hours +eu-central-1 +\$0\.00 +\$37\.96 +\+\$37\.96$/m,
  );
});

test('--usage changes the usage items only, and names itself', async () => {
  const usage = file('usage.yaml', 'prod:\n  apiRequests: 1000000\n');
  const r = await run('examples/prod.yaml', '--usage', usage, '-o', 'json');
  expect(r.code).toBe(0);
  const e = JSON.parse(r.out) as JsonEstimate & { usageProfile: string };
  const base = JSON.parse((await run('examples/prod.yaml', '-o', 'json')).out) as JsonEstimate;
  expect(e.fixedMonthly).toBe(base.fixedMonthly);
  expect(e.usageProfile).toBe(`prod usage profile with ${usage}`);
  const api = e.items.find((i) => i.resource === 'api')!;
  expect(api.quantity).toBe(1_000_000);
  expect(api.monthly).toBe(
    Math.round(1_000_000 * tablePrice('apigateway', 'rest:requests', 'eu-west-1') * 100) / 100,
  );
  expect(usageProfiles.prod.apiRequests).not.toBe(1_000_000);
});

test.each([
  [
    'an unknown usage field',
    () => ['examples/dev.yaml', '--usage', file('bad.yaml', 'apiRequest: 5\n')],
    /bad\.yaml: apiRequest: not a usage field; use one of /,
  ],
  [
    'a negative usage figure',
    () => ['examples/dev.yaml', '--usage', file('neg.yaml', 'albLcu: -2\n')],
    /neg\.yaml: albLcu: must be a number ≥ 0/,
  ],
  [
    'a missing usage file',
    () => ['examples/dev.yaml', '--usage', join(dir, 'none.yaml')],
    /none\.yaml: no such file/,
  ],
  [
    'a file that is not an offer file',
    () => ['examples/dev.yaml', '--prices', file('p.json', '{"offerCode": "AmazonEC2"}')],
    /p\.json: formatVersion: .*AWS Price List bulk offer file/,
  ],
  [
    'a bad format',
    () => ['examples/dev.yaml', '--format', 'yaml'],
    /--format must be text, markdown or json, got "yaml"/,
  ],
  ['no claim', () => [], /give one or more CLAIM files/],
  ['--diff with one file', () => ['--diff', 'examples/dev.yaml'], /--diff takes exactly two claim files/],
])('%s: exit 2 with the field and the fix', async (_what, argv, message) => {
  const r = await run(...argv());
  expect(r.code).toBe(2);
  expect(r.err).toMatch(message);
});

test('an invalid claim: exit 1, FILE: field: message', async () => {
  const bad = file(
    'bad-claim.yaml',
    'apiVersion: platform.envstack.dev/v1alpha1\nkind: PlatformEnvironment\nmetadata: {name: x}\nspec:\n  project: Payments\n  environment: dev\n  owner: me\n  region: eu-west-1\n',
  );
  const r = await run(bad);
  expect(r.code).toBe(1);
  expect(r.err).toMatch(/bad-claim\.yaml: spec\.project: /);
});

test('--prices: figures from the offer file, and the output says which and how old', async () => {
  const r = await run('examples/prod.yaml', '--prices', 'test/cost/fixtures/offer-AmazonEC2-eu-west-1.json');
  expect(r.code).toBe(0);
  expect(r.out).toMatch(
    /^Prices: test\/cost\/fixtures\/offer-AmazonEC2-eu-west-1\.json, \d+ prices dated 2026-11-28 \(\d+ days old\); committed table src\/platform\/cost\/prices, \d+ prices dated \d{4}-\d\d-\d\d \(/m,
  );
  expect(r.out).toMatch(/EC2 m7g\.large instance-hours .* 2,190 Hrs +\$0\.095 per hour +\$208\.05/);
  // An offer file that prices nothing of these claims is reported, not silently ignored.
  const none = await run(
    'examples/minimal.yaml',
    '--prices',
    'test/cost/fixtures/offer-AmazonRDS-eu-west-1.json',
  );
  expect(none.code).toBe(0);
  expect(none.err).toMatch(
    /offer-AmazonRDS-eu-west-1\.json \(AmazonRDS, published 2026-11-20\) priced nothing here/,
  );
});
