import type { Unstructured } from './fnapi.js';
import type { RenderResult } from './engine.js';
import { goYamlMarshal } from './goyaml.js';
import { cloneJson } from './unstructured.js';

export interface FormatOptions {
  /** `-r` / `--include-function-results` */
  includeFunctionResults?: boolean;
  /** `-c` / `--include-context` */
  includeContext?: boolean;
  /** `-x` / `--include-full-xr`: copy the input XR's spec and metadata onto the rendered XR. */
  includeFullXR?: boolean;
}

/** The YAML stream `crossplane render` writes to stdout. */
export function formatRenderOutput(result: RenderResult, opts: FormatOptions = {}): string {
  let xr: Unstructured = result.composite;
  if (opts.includeFullXR) {
    if (result.input.spec === undefined) throw new Error('cannot get composite resource spec');
    if (result.input.metadata === undefined) throw new Error('cannot get composite resource metadata');
    xr = {
      ...cloneJson(result.composite),
      spec: cloneJson(result.input.spec),
      metadata: cloneJson(result.input.metadata),
    };
  }
  const docs: unknown[] = [xr, ...result.composed];
  if (opts.includeFunctionResults) docs.push(...result.results);
  if (opts.includeContext) docs.push(result.context);
  return docs.map((d) => `---\n${goYamlMarshal(d)}`).join('');
}
