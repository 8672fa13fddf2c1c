/**
 * Our in-process engine against recordings of the real `crossplane render` v2.2.1 with the real
 * functions (see golden/README.md for how each was recorded).
 */
import { loadAllYaml } from '../../src/engine/render/yaml.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultFunctions, formatRenderOutput, render, RenderError } from '../../src/engine/render/index.js';
import type { Unstructured } from '../../src/engine/render/fnapi.js';
import { applyDefaults, type JSONSchemaProps } from '../../src/engine/schema/index.js';
import { diffRenders } from './harness.js';

const root = new URL('.', import.meta.url).pathname;
const fixtures = join(root, 'fixtures');
const golden = join(root, 'golden');
const index = JSON.parse(readFileSync(join(golden, 'index.json'), 'utf8')) as Record<
  string,
  { code: number; stdout: string; stderr?: string }
>;

const docs = (file: string): Unstructured[] =>
  loadAllYaml(readFileSync(file, 'utf8')).filter(
    (d): d is Unstructured => d !== null && typeof d === 'object',
  );

/** The XRD's schema for the XR's version, as `crossplane render --xrd` applies it. */
function defaulted(xr: Unstructured, xrdFile: string): Unstructured {
  const [xrd] = docs(xrdFile);
  const versions = (
    xrd.spec as { versions: Array<{ name: string; schema: { openAPIV3Schema: JSONSchemaProps } }> }
  ).versions;
  const version = versions.find((v) => String(xr.apiVersion).endsWith(`/${v.name}`)) ?? versions[0];
  return applyDefaults(version.schema.openAPIV3Schema, xr) as Unstructured;
}

const cases = readdirSync(fixtures).filter(
  (name) => index[name] && existsSync(join(fixtures, name, 'xr.yaml')),
);

test('there are recordings to compare against', () => {
  expect(cases.length).toBeGreaterThanOrEqual(10);
});

describe.each(cases)('%s', (name) => {
  const dir = join(fixtures, name);
  const recorded = index[name];
  const run = () => {
    let [xr] = docs(join(dir, 'xr.yaml'));
    if (existsSync(join(dir, 'xrd.yaml'))) xr = defaulted(xr, join(dir, 'xrd.yaml'));
    const [composition] = docs(join(dir, 'composition.yaml'));
    const observed = existsSync(join(dir, 'observed.yaml')) ? docs(join(dir, 'observed.yaml')) : [];
    return render({ composite: xr, composition, observed, functions: defaultFunctions() });
  };

  if (recorded.code === 0) {
    test('renders exactly what crossplane render printed', () => {
      const ours = formatRenderOutput(run(), { includeFunctionResults: true });
      const real = readFileSync(join(golden, recorded.stdout), 'utf8');
      expect(diffRenders(real, ours)).toEqual([]);
    });
  } else {
    test('fails with the error crossplane render printed', () => {
      const stderr = readFileSync(join(golden, recorded.stderr as string), 'utf8').trim();
      const expected = stderr.replace(/^crossplane: error: cannot render composite resource: /, '');
      expect(run).toThrow(RenderError);
      try {
        run();
      } catch (e) {
        expect((e as Error).message).toBe(expected);
      }
    });
  }
});
