import { existsSync, readFileSync } from 'node:fs';
import type { Flavor } from '../platform/compose/flavor.js';
import type { Unstructured } from '../core/json.js';
import { parseRenderedInputArgs } from './args.js';
import { loadAllObjects } from '../engine/index.js';
import { formatGraph, type GraphFormat } from '../platform/graph/format.js';
import { buildGraph } from '../platform/graph/graph.js';

export const graphUsage = `Usage: envstack graph CLAIM [-o mermaid|dot] [--flavor claim|namespaced]
       envstack graph --rendered FILE|- [-o mermaid|dot]

Draws the composed resources of CLAIM (rendered to its converged state) grouped by component,
with an arrow from each resource to every sibling it selects.`;

export async function graphCommand(args: string[]): Promise<number> {
  const parsed = parseRenderedInputArgs('graph', graphUsage, args);
  if (typeof parsed === 'number') return parsed;
  const { values, positionals } = parsed;
  const format = (values.output ?? 'mermaid') as GraphFormat;
  if (format !== 'mermaid' && format !== 'dot') {
    console.error(`envstack graph: -o must be mermaid or dot, got "${String(values.output)}"`);
    return 2;
  }
  const flavor = (values.flavor ?? 'claim') as Flavor;
  if (flavor !== 'claim' && flavor !== 'namespaced') {
    console.error(`envstack graph: --flavor must be claim or namespaced, got "${flavor}"`);
    return 2;
  }
  const source = values.rendered ?? positionals[0];
  if ((values.rendered === undefined) === (positionals.length !== 1) || positionals.length > 1) {
    console.error(`envstack graph: give exactly one CLAIM file, or --rendered\n\n${graphUsage}`);
    return 2;
  }
  if (source !== '-' && !existsSync(source)) {
    console.error(`envstack graph: ${source}: no such file`);
    return 2;
  }
  const docs = loadAllObjects(readFileSync(source === '-' ? 0 : source, 'utf8'));
  let composed: Unstructured[];
  if (values.rendered !== undefined) {
    composed = docs.filter((d) => d.metadata?.annotations?.['crossplane.io/composition-resource-name']);
  } else {
    const claim = docs.find((d) => d.kind === 'PlatformEnvironment');
    if (!claim) {
      console.error(`${source}: no PlatformEnvironment claim`);
      return 1;
    }
    const { validateClaim } = await import('../platform/validate/index.js');
    const problems = validateClaim(claim, { group: values.group });
    if (problems.length) {
      for (const p of problems) console.error(`${source}: ${p.path}: ${p.message}`);
      return 1;
    }
    const { convergeClaim } = await import('../platform/render/converge.js');
    const { RenderError } = await import('../engine/index.js');
    try {
      composed = (await convergeClaim({ claim, flavor, group: values.group })).result.composed;
    } catch (e) {
      if (!(e instanceof RenderError)) throw e;
      console.error(`${source}: cannot render composite resource: ${e.message}`);
      return 1;
    }
  }
  process.stdout.write(formatGraph(buildGraph(composed), format));
  return 0;
}
