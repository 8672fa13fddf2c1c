import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import jsYaml from 'js-yaml';
import type { Unstructured } from '../../src/engine/render/fnapi.js';
import { claimToXr } from '../../src/platform/render/claim.js';
import { notYetOnComposite } from '../../src/ops/sandbox/check.js';

const repo = new URL('../..', import.meta.url).pathname;
const dev = (): Unstructured =>
  (jsYaml.loadAll(readFileSync(join(repo, 'examples', 'dev.yaml'), 'utf8')) as Unstructured[])[0];

describe('notYetOnComposite: a claim edit Crossplane has not copied to the XR yet', () => {
  for (const flavor of ['claim', 'namespaced'] as const) {
    test(`${flavor}: the XR made from the claim carries it`, () => {
      const claim = dev();
      const xr = claimToXr(claim, { flavor });
      // Crossplane's own fields on the live XR are not claim fields.
      (xr.spec as Record<string, unknown>).resourceRefs = [{ kind: 'VPC', name: 'x' }];
      expect(notYetOnComposite(claim, xr, flavor)).toEqual([]);
    });

    test(`${flavor}: an edited field the XR does not have yet is named`, () => {
      const before = dev();
      const xr = claimToXr(before, { flavor });
      const edited: Unstructured = {
        ...before,
        spec: {
          ...(before.spec as Record<string, unknown>),
          serverless: { enabled: false },
          deletionPolicy: 'Orphan',
        },
      };
      expect(notYetOnComposite(edited, xr, flavor)).toEqual(['deletionPolicy', 'serverless']);
      expect(notYetOnComposite(edited, claimToXr(edited, { flavor }), flavor)).toEqual([]);
    });
  }

  test('claim-only fields (composition selection) are not expected on the XR', () => {
    const claim = dev();
    const xr = claimToXr(claim, { flavor: 'claim' });
    const pinned: Unstructured = {
      ...claim,
      spec: { ...(claim.spec as Record<string, unknown>), compositionUpdatePolicy: 'Manual' },
    };
    expect(notYetOnComposite(pinned, xr, 'claim')).toEqual([]);
  });
});
