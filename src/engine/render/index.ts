import type { CompositionFunction } from './fnapi.js';
import { autoReady } from './autoready.js';
import { celFilter } from './celfilter.js';
import { patchAndTransform } from './pt/index.js';

export type * from './fnapi.js';
export { render, RenderError, RENDER_CONDITION_TIME } from './engine.js';
export type { RenderInput, RenderResult } from './engine.js';
export { formatRenderOutput } from './format.js';
export type { FormatOptions } from './format.js';
export { goYamlMarshal } from './goyaml.js';
export { celFilter } from './celfilter.js';
export { autoReady } from './autoready.js';

/** In-process functions keyed by the Function names Compositions reference. */
export function defaultFunctions(): Record<string, CompositionFunction> {
  return {
    'function-patch-and-transform': patchAndTransform,
    'function-cel-filter': celFilter,
    'function-auto-ready': autoReady,
  };
}
