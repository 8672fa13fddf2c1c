import { componentsOf, type ResourceGraph } from './graph.js';

export type GraphFormat = 'mermaid' | 'dot';

const mermaidId = (name: string) => `r_${name.replace(/[^A-Za-z0-9_]/g, '_')}`;
const mermaidText = (s: string) => s.replace(/"/g, '#quot;');

/** A Mermaid flowchart: one subgraph per component, an arrow from each resource to what it selects. */
export function toMermaid(graph: ResourceGraph): string {
  const lines = ['flowchart LR'];
  for (const c of componentsOf(graph)) {
    lines.push(`  subgraph ${mermaidId(`component_${c}`)}["${mermaidText(c)}"]`);
    for (const n of graph.nodes.filter((x) => x.component === c))
      lines.push(`    ${mermaidId(n.id)}["${mermaidText(n.id)}<br/>${mermaidText(n.kind)}"]`);
    lines.push('  end');
  }
  for (const e of graph.edges)
    lines.push(`  ${mermaidId(e.from)} -->|${mermaidText(e.fields.join(', '))}| ${mermaidId(e.to)}`);
  return `${lines.join('\n')}\n`;
}

const dotString = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;

/** Graphviz: one cluster per component. */
export function toDot(graph: ResourceGraph): string {
  const lines = ['digraph envstack {', '  rankdir=LR;', '  node [shape=box, fontname="Helvetica"];'];
  for (const c of componentsOf(graph)) {
    lines.push(`  subgraph ${dotString(`cluster_${c}`)} {`, `    label=${dotString(c)};`);
    for (const n of graph.nodes.filter((x) => x.component === c))
      lines.push(`    ${dotString(n.id)} [label=${dotString(`${n.id}\n${n.kind}`)}];`);
    lines.push('  }');
  }
  for (const e of graph.edges)
    lines.push(`  ${dotString(e.from)} -> ${dotString(e.to)} [label=${dotString(e.fields.join(', '))}];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

export function formatGraph(graph: ResourceGraph, format: GraphFormat): string {
  return format === 'dot' ? toDot(graph) : toMermaid(graph);
}
