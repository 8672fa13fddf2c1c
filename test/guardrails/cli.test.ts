import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rules } from '../../src/platform/guardrails/index.js';
import { runCli } from '../cli/run-cli.js';
import { convergeClaim } from '../../src/platform/render/converge.js';
import type { Unstructured } from '../../src/engine/render/fnapi.js';
import { formatRenderOutput } from '../../src/engine/render/index.js';
import { loadAllYaml } from '../../src/engine/render/yaml.js';

const dir = mkdtempSync(join(tmpdir(), 'envstack-lint-'));

const run = (...argv: string[]) => runCli('lint', ...argv);

const devClaim = loadAllYaml(readFileSync('examples/dev.yaml', 'utf8'))[0] as Unstructured;

/** The dev example as `crossplane render` prints it once converged, with the log bucket's encryption dropped. */
async function renderedWithoutEncryption(): Promise<string> {
  const { result } = await convergeClaim({ claim: devClaim, flavor: 'claim' });
  const composed = result.composed.filter(
    (r) => r.metadata?.annotations?.['crossplane.io/composition-resource-name'] !== 'bucket-logs-encryption',
  );
  const p = join(dir, 'rendered.yaml');
  writeFileSync(p, formatRenderOutput({ ...result, composed }));
  return p;
}

test('a clean example exits 0 and SARIF lists every rule with no result', async () => {
  const r = await run('examples/dev.yaml', '--flavor', 'claim', '-o', 'sarif');
  expect(r.code).toBe(0);
  const sarif = JSON.parse(r.out);
  expect(sarif.version).toBe('2.1.0');
  expect(sarif.runs[0].tool.driver.rules.map((x: { id: string }) => x.id)).toEqual(rules.map((x) => x.id));
  expect(sarif.runs[0].results).toEqual([]);
});

test('a rendered stream with an unencrypted bucket fails with ENV020, located at the resource', async () => {
  const file = await renderedWithoutEncryption();
  const r = await run('--rendered', file, '-o', 'sarif');
  expect(r.code).toBe(1);
  const results = JSON.parse(r.out).runs[0].results as Array<Record<string, unknown>>;
  expect(results).toEqual([
    {
      ruleId: 'ENV020',
      ruleIndex: rules.findIndex((x) => x.id === 'ENV020'),
      level: 'error',
      message: { text: expect.stringContaining('bucket-logs') },
      locations: [
        {
          physicalLocation: { artifactLocation: { uri: file } },
          logicalLocations: [expect.objectContaining({ name: 'bucket-logs', kind: 'resource' })],
        },
      ],
    },
  ]);
});

test('text and json name the rule, the resource, the field and the seed', async () => {
  const file = await renderedWithoutEncryption();
  const text = await run('--rendered', file);
  expect(text.code).toBe(1);
  expect(text.out).toContain('error ENV020 bucket-logs BucketServerSideEncryptionConfiguration:');
  expect(text.out).toContain('1 error(s), 0 warning(s)');
  const json = JSON.parse((await run('--rendered', file, '-o', 'json')).out);
  expect(json.findings).toEqual([expect.objectContaining({ ruleId: 'ENV020', resource: 'bucket-logs' })]);
  expect(json.rules.find((x: { id: string }) => x.id === 'ENV020').seed[0].file).toMatch(/^seeds\/001_/);
});

test('usage errors exit 2', async () => {
  expect((await run('-o', 'xml')).code).toBe(2);
  expect((await run('--flavor', 'both-ways')).code).toBe(2);
  expect((await run('--rendered', join(dir, 'missing.yaml'))).code).toBe(2);
  expect((await run('examples/dev.yaml', '--rendered', '-')).code).toBe(2);
});

test('an invalid claim is reported and fails', async () => {
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, readFileSync('examples/dev.yaml', 'utf8').replace('10.20.0.0/16', 'not-a-cidr'));
  const r = await run(bad, '--flavor', 'claim');
  expect(r.code).toBe(1);
  expect(r.err).toContain('spec.network.cidr');
});
