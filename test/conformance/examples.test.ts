/**
 * The conformance suite: every example claim, both flavors, and a matrix of the optional-component
 * switches, rendered by the real `crossplane render` (v2.2.1, with the real functions and `--xrd`)
 * and by `envstack render`, once with no observed resources and once with the observed state of
 * `envstack render --converge`. Any difference, any warning or fatal function result, and any
 * resource of the real render that fails its CRD schema fails the suite.
 *
 * Needs the tools from scripts/install-tools.sh; skipped without them unless
 * ENVSTACK_REQUIRE_TOOLS=1 (CI and `npm run test:conformance` set it).
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { synthesize, type Synthesized } from '../../src/platform/compose/app.js';
import type { Flavor } from '../../src/platform/compose/flavor.js';
import { claimToXr } from '../../src/platform/render/claim.js';
import { convergeClaim } from '../../src/platform/render/converge.js';
import type { Unstructured } from '../../src/engine/render/fnapi.js';
import { defaultFunctions, formatRenderOutput, render } from '../../src/engine/render/index.js';
import { loadComposition } from '../../src/platform/render/service.js';
import { loadAllYaml } from '../../src/engine/render/yaml.js';
import { validateClaim, validateRendered } from '../../src/platform/validate/index.js';
import { crossplaneRender } from './crossplane.js';
import { startFunctions, TOOLS_BIN, type RunningFunctions } from './functions.js';
import { diffRenders } from './harness.js';
import { loadExample, withSpec } from '../support/render.js';
import { toggles } from '../support/toggles.js';

const haveTools = existsSync(join(TOOLS_BIN, 'crossplane'));
const required = process.env.ENVSTACK_REQUIRE_TOOLS === '1';
const suite = haveTools || required ? describe : describe.skip;

const examples = readdirSync(new URL('../../examples/', import.meta.url))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => f.replace(/\.yaml$/, ''))
  .sort();

interface Case {
  name: string;
  claim: Unstructured;
}

const cases: Case[] = [
  ...examples.map((e) => ({ name: e, claim: loadExample(e) })),
  ...toggles.map(([name, patch]) => ({ name: `dev + ${name}`, claim: withSpec(loadExample('dev'), patch) })),
];

const resultDocs = (text: string): Unstructured[] =>
  loadAllYaml(text).filter(
    (d): d is Unstructured => !!d && typeof d === 'object' && (d as Unstructured).kind === 'Result',
  );

suite('conformance with the real crossplane render', () => {
  let fns: RunningFunctions;
  let synthesized: Synthesized;

  beforeAll(async () => {
    fns = await startFunctions();
    synthesized = await synthesize();
  }, 120_000);

  afterAll(async () => {
    await fns?.stop();
  });

  async function compare(
    claim: Unstructured,
    flavor: Flavor,
    observed: Unstructured[],
    xr: Unstructured,
  ): Promise<void> {
    const composition = await loadComposition(flavor);
    const real = await crossplaneRender({
      xr,
      composition,
      functions: { path: fns.functionsFile },
      xrd: synthesized.xrds[flavor] as Unstructured,
      observed: observed.length ? observed : undefined,
      includeResults: true,
      timeout: '120s',
    });
    expect({ code: real.code, stderr: real.stderr }).toEqual({ code: 0, stderr: '' });
    const ours = formatRenderOutput(
      render({ composite: xr, composition, observed, functions: defaultFunctions() }),
      { includeFunctionResults: true },
    );
    expect(diffRenders(real.stdout, ours)).toEqual([]);

    const results = resultDocs(real.stdout).filter((r) => r.severity !== 'SEVERITY_NORMAL');
    expect(results).toEqual([]);

    const docs = loadAllYaml(real.stdout).filter((d): d is Unstructured => !!d && typeof d === 'object');
    const composed = docs.filter((d) => d.metadata?.annotations?.['crossplane.io/composition-resource-name']);
    expect(composed.length).toBeGreaterThan(0);
    expect(validateRendered(composed)).toEqual([]);
    void claim;
  }

  describe.each(cases)('$name', ({ claim }) => {
    test('the claim is admitted', () => {
      expect(validateClaim(claim)).toEqual([]);
    });
    describe.each(['claim', 'namespaced'] as const)('%s flavor', (flavor) => {
      test('first render (nothing observed) matches', async () => {
        await compare(claim, flavor, [], claimToXr(claim, { flavor }));
      });
      test('converged render (everything observed and ready) matches', async () => {
        const converged = await convergeClaim({ claim, flavor });
        expect(converged.report.converged).toBe(true);
        await compare(claim, flavor, converged.observed, converged.result.input);
      });
    });
  });
});
