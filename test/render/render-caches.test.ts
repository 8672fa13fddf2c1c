import { readFileSync } from 'node:fs';
import type { Flavor } from '../../src/platform/compose/flavor.js';
import { claimToXr } from '../../src/platform/render/claim.js';
import { convergeClaim } from '../../src/platform/render/converge.js';
import { render, type RenderResult } from '../../src/engine/render/engine.js';
import type { CompositionFunction, FnState, Unstructured } from '../../src/engine/render/fnapi.js';
import { defaultFunctions } from '../../src/engine/render/index.js';
import { patchAndTransform } from '../../src/engine/render/pt/index.js';
import { loadYaml } from '../../src/engine/render/yaml.js';
import { loadExample } from '../support/render.js';
import { pipelineComposition } from './pipeline.js';

/**
 * render keeps work across renders of one Composition object (the decoded, validated P&T input, the
 * decoded base templates, compiled regexps and CEL programs) and passes built-in functions' responses
 * on without copying them. Whatever it keeps must never show: renders through one Composition object
 * give what renders through fresh copies of it give, and nothing a render returns is shared.
 */

const compositionTexts = {
  claim: readFileSync(new URL('../../compositions/claim.yaml', import.meta.url), 'utf8'),
  namespaced: readFileSync(new URL('../../compositions/namespaced.yaml', import.meta.url), 'utf8'),
};
const freshComposition = (flavor: Flavor = 'claim'): Unstructured =>
  loadYaml(compositionTexts[flavor]) as Unstructured;

/** JSON with bigints marked, so that a bigint can never pass for a number. */
const snapshot = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `bigint:${x}` : x));

function renderWith(
  composition: Unstructured,
  claim: Unstructured,
  observed: Unstructured[] = [],
  flavor: Flavor = 'claim',
): RenderResult {
  return render({
    composite: claimToXr(claim, { flavor }),
    composition,
    observed,
    functions: defaultFunctions(),
  });
}

describe('render across renders of one Composition', () => {
  const shared = freshComposition();
  const claims = ['prod-dr', 'dev', 'minimal', 'staging', 'prod'].map((n) => loadExample(n));

  it('gives what fresh renders give, for different claims in turn', () => {
    for (let round = 0; round < 2; round++) {
      for (const claim of claims) {
        expect(snapshot(renderWith(shared, claim))).toBe(snapshot(renderWith(freshComposition(), claim)));
      }
    }
  });

  it('gives what fresh renders give with observed resources (names kept, readiness checked)', async () => {
    for (const flavor of ['claim', 'namespaced'] as const) {
      const one = flavor === 'claim' ? shared : freshComposition(flavor);
      for (const claim of [claims[0], claims[1]]) {
        const { observed } = await convergeClaim({ claim, flavor, composition: freshComposition(flavor) });
        expect(observed.length).toBeGreaterThan(10);
        const want = snapshot(renderWith(freshComposition(flavor), claim, observed, flavor));
        expect(snapshot(renderWith(one, claim, observed, flavor))).toBe(want);
        expect(snapshot(renderWith(one, claim, [], flavor))).toBe(
          snapshot(renderWith(freshComposition(flavor), claim, [], flavor)),
        );
        expect(snapshot(renderWith(one, claim, observed, flavor))).toBe(want);
      }
    }
  });

  it('returns results that share nothing with later renders or with what render keeps', () => {
    const first = renderWith(shared, claims[0]);
    const before = snapshot(first);
    const second = renderWith(shared, claims[0]);
    expect(snapshot(first)).toBe(before);
    // Vandalize the first result: later renders must not see it.
    const vandalize = (v: unknown): void => {
      if (Array.isArray(v)) {
        v.forEach(vandalize);
        v.push('vandal');
      } else if (v !== null && typeof v === 'object') {
        for (const k of Object.keys(v)) {
          vandalize((v as Record<string, unknown>)[k]);
          (v as Record<string, unknown>)[k] = 'vandal';
        }
      }
    };
    vandalize(first.composed);
    vandalize(first.composite);
    expect(snapshot(renderWith(shared, claims[0]))).toBe(snapshot(second));
    expect(snapshot(renderWith(shared, claims[0]))).toBe(snapshot(renderWith(freshComposition(), claims[0])));
  });

  it('does not modify the Composition or the XR it is given', () => {
    const composition = freshComposition();
    const xr = claimToXr(claims[0], { flavor: 'claim' });
    const c0 = snapshot(composition);
    const x0 = snapshot(xr);
    render({ composite: xr, composition, observed: [], functions: defaultFunctions() });
    render({ composite: xr, composition, observed: [], functions: defaultFunctions() });
    expect(snapshot(composition)).toBe(c0);
    expect(snapshot(xr)).toBe(x0);
  });
});

describe('what functions get and give', () => {
  const xr: Unstructured = {
    apiVersion: 'example.org/v1',
    kind: 'XNet',
    metadata: { name: 'net', uid: 'uid-1' },
    spec: { region: 'us-east-1', size: 2 },
  };
  const ptInput = {
    apiVersion: 'pt.fn.crossplane.io/v1beta1',
    kind: 'Resources',
    resources: [
      {
        name: 'bucket',
        base: { apiVersion: 's3/v1', kind: 'Bucket', spec: { forProvider: { n: 1 } } },
        patches: [{ fromFieldPath: 'spec.region', toFieldPath: 'spec.forProvider.region' }],
      },
    ],
  };
  const composition = pipelineComposition;

  it('a function that modifies everything in its request changes nothing later steps see', () => {
    let seen: { observed: string; desired: string; context: string } | undefined;
    const vandal: CompositionFunction = (req) => {
      const rsp = {
        desired: structuredClone(req.desired),
        results: [],
        context: structuredClone(req.context),
      };
      (req.observed.composite!.resource.spec as Record<string, unknown>).region = 'changed';
      req.observed.resources = {};
      for (const r of Object.values(req.desired.resources))
        (r.resource as Record<string, unknown>).spec = 'changed';
      req.desired.resources.extra = { resource: { kind: 'Extra' } };
      if (req.context) req.context.changed = true;
      return rsp;
    };
    const reader: CompositionFunction = (req) => {
      seen = {
        observed: snapshot(req.observed),
        desired: snapshot(req.desired),
        context: snapshot(req.context),
      };
      return { desired: req.desired, results: [], context: req.context };
    };
    const pt = composition(
      { step: 'pt', fn: 'pt', input: ptInput },
      { step: 'v', fn: 'v' },
      { step: 'r', fn: 'r' },
    );
    const functions = { pt: patchAndTransform, v: vandal, r: reader };
    const out = render({ composite: xr, composition: pt, functions });
    const ref = render({
      composite: xr,
      composition: pt,
      functions: { pt: patchAndTransform, v: reader, r: reader },
    });
    expect(seen?.observed).toContain('us-east-1');
    expect(seen?.desired).toContain('"region":"us-east-1"');
    expect(seen?.desired).not.toContain('changed');
    expect(seen?.desired).not.toContain('Extra');
    expect(seen?.context).not.toContain('changed');
    expect(snapshot(out)).toBe(snapshot(ref));
  });

  it('normalizes what a function returns as gRPC would, also when it wraps a built-in one', () => {
    const odd = (state: FnState): void => {
      for (const r of Object.values(state.resources)) {
        const spec = r.resource.spec as Record<string, unknown>;
        spec.big = 5n;
        spec.gone = undefined;
        spec.list = [undefined, 1n];
      }
    };
    // Returns its request's desired state (which render made), modified.
    const inPlace: CompositionFunction = (req) => {
      odd(req.desired);
      return { desired: req.desired, results: [] };
    };
    // Calls patch-and-transform and modifies its response.
    const wrapper: CompositionFunction = (req) => {
      const rsp = patchAndTransform(req);
      odd(rsp.desired);
      return rsp;
    };
    for (const [steps, functions] of [
      [
        [
          { step: 'pt', fn: 'pt', input: ptInput },
          { step: 'x', fn: 'x' },
        ],
        { pt: patchAndTransform, x: inPlace },
      ],
      [[{ step: 'w', fn: 'w', input: ptInput }], { w: wrapper }],
      [
        [
          { step: 'w', fn: 'w', input: ptInput },
          { step: 'ready', fn: 'function-auto-ready' },
        ],
        { w: wrapper, ...defaultFunctions() },
      ],
    ] as const) {
      const out = render({ composite: xr, composition: composition(...steps), functions });
      expect(out.composed[0].spec).toEqual({
        forProvider: { n: 1, region: 'us-east-1' },
        big: 5,
        list: [null, 1],
      });
      expect(Object.keys(out.composed[0].spec ?? {})).not.toContain('gone');
    }
  });
});
