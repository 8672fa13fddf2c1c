import { flavors } from '../../src/platform/compose/flavor.js';
import { convergeClaim } from '../../src/platform/render/converge.js';
import { renderClaim } from '../../src/platform/render/service.js';
import { loadExample, selectors, withSpec } from '../support/render.js';
import { toggles } from '../support/toggles.js';
import type { Unstructured } from '../../src/engine/render/fnapi.js';

const examples = ['minimal', 'dev', 'staging', 'prod', 'prod-dr'];
const claims: Array<[string, Unstructured]> = [
  ...examples.map((e): [string, Unstructured] => [e, loadExample(e)]),
  ...toggles.map(([name, patch]): [string, Unstructured] => [
    `dev + ${name}`,
    withSpec(loadExample('dev'), patch),
  ]),
];

function dangling(composed: Unstructured[]): string[] {
  const present = new Set(composed.map((r) => r.metadata?.labels?.['envstack.dev/resource']));
  return composed.flatMap((r) =>
    selectors(r.spec)
      .filter(([, label]) => !present.has(label))
      .map(([path, label]) => `${r.metadata?.labels?.['envstack.dev/resource']}.${path} → ${label}`),
  );
}

describe.each(claims)('%s', (_name, claim) => {
  test.each(flavors)(
    '%s flavor: every selector matches a sibling, first render and converged',
    async (flavor) => {
      expect(dangling((await renderClaim({ claim, flavor })).composed)).toEqual([]);
      expect(dangling((await convergeClaim({ claim, flavor })).result.composed)).toEqual([]);
    },
  );
});
