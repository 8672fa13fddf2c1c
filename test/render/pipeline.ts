import type { Unstructured } from '../../src/engine/render/fnapi.js';

/** A Pipeline Composition for XNet (example.org/v1) running the given steps in order. */
export function pipelineComposition(...steps: { step: string; fn: string; input?: object }[]): Unstructured {
  return {
    apiVersion: 'apiextensions.crossplane.io/v1',
    kind: 'Composition',
    metadata: { name: 'comp' },
    spec: {
      compositeTypeRef: { apiVersion: 'example.org/v1', kind: 'XNet' },
      mode: 'Pipeline',
      pipeline: steps.map((s) => ({
        step: s.step,
        functionRef: { name: s.fn },
        ...(s.input ? { input: s.input } : {}),
      })),
    },
  };
}
