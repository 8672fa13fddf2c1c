import { existsSync, readFileSync } from 'node:fs';
import type { Flavor } from '../platform/compose/flavor.js';
import type { Unstructured } from '../core/json.js';
import type { GraphFormat } from '../platform/graph/format.js';
import { defineCommand, parseCommandArgs, RENDERED_INPUT_OPTIONS } from './args.js';

async function runGraph(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, RENDERED_INPUT_OPTIONS, true);
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
    console.error(`envstack graph: give exactly one CLAIM file, or --rendered\n\n${graph.usage}`);
    return 2;
  }
  if (source !== '-' && !existsSync(source)) {
    console.error(`envstack graph: ${source}: no such file`);
    return 2;
  }
  const { loadAllObjects } = await import('../engine/index.js');
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
  const { formatGraph } = await import('../platform/graph/format.js');
  const { buildGraph } = await import('../platform/graph/graph.js');
  process.stdout.write(formatGraph(buildGraph(composed), format));
  return 0;
}

export const graph = defineCommand({
  name: 'graph',
  summary: "the environment's resources by component, with their references, as Mermaid or DOT",
  synopsis: [
    'envstack graph CLAIM [-o mermaid|dot] [--flavor claim|namespaced]',
    'envstack graph --rendered FILE|- [-o mermaid|dot]',
  ],
  details: `Draws the composed resources of CLAIM (rendered to its converged state) grouped by component,
with an arrow from each resource to every sibling it selects.

  -o, --output mermaid|dot    Mermaid (default) or Graphviz DOT
  --flavor claim|namespaced   the composition flavor to render (default claim)
  --rendered FILE|-           draw this rendered YAML stream (- for stdin) instead of rendering a claim
  --group GROUP               the API group of the XRDs (default platform.envstack.dev)`,
  examples: [
    'envstack graph examples/prod.yaml',
    'envstack graph examples/dev.yaml -o dot --flavor namespaced',
  ],
  run: runGraph,
});
