import { type Unstructured, isObject } from '../../core/json.js';
import { ANNOTATION_COMPOSITION_RESOURCE_NAME } from '../../engine/index.js';
import { COMPONENT_LABEL } from '../compose/names.js';

export interface GraphNode {
  /** Composition resource name. */
  id: string;
  kind: string;
  component: string;
}

export interface GraphEdge {
  /** The resource holding the reference. */
  from: string;
  /** The resource it selects. */
  to: string;
  /** Referencing fields, e.g. `vpcId` for `vpcIdSelector`, sorted. */
  fields: string[];
}

export interface ResourceGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Selectors that match nothing, as `resource field`. */
  dangling: string[];
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

interface Selector {
  field: string;
  labels: Record<string, string>;
}

function selectors(obj: unknown, parent = ''): Selector[] {
  if (Array.isArray(obj)) return obj.flatMap((v) => selectors(v, parent));
  if (!isObject(obj)) return [];
  return Object.entries(obj).flatMap(([k, v]) => {
    if (/Selector$/.test(k) && isObject(v) && isObject(v.matchLabels)) {
      const own = k.replace(/Selector$/, '');
      const field =
        own === 'resource' || own === 'id' || own === 'arn' ? `${parent}${parent ? '.' : ''}${own}` : own;
      return [{ field, labels: v.matchLabels as Record<string, string> }];
    }
    return selectors(v, k);
  });
}

/** Resources grouped by component and the references between them, in a stable order. */
export function buildGraph(composed: Unstructured[]): ResourceGraph {
  const nameOf = (r: Unstructured) =>
    r.metadata?.annotations?.[ANNOTATION_COMPOSITION_RESOURCE_NAME] ?? r.metadata?.name ?? '';
  const nodes = composed
    .map((r) => ({
      id: nameOf(r),
      kind: r.kind ?? '',
      component: r.metadata?.labels?.[COMPONENT_LABEL] ?? 'other',
    }))
    .sort((a, b) => cmp(a.id, b.id));
  const edges = new Map<string, GraphEdge>();
  const dangling: string[] = [];
  for (const r of composed) {
    const from = nameOf(r);
    for (const s of selectors(r.spec ?? {})) {
      const wanted = Object.entries(s.labels);
      const targets = composed.filter(
        (t) => t !== r && wanted.length > 0 && wanted.every(([k, v]) => t.metadata?.labels?.[k] === v),
      );
      if (targets.length === 0) dangling.push(`${from} ${s.field}`);
      for (const t of targets) {
        const to = nameOf(t);
        const key = `${from}\u0000${to}`;
        const edge = edges.get(key) ?? { from, to, fields: [] };
        if (!edge.fields.includes(s.field)) edge.fields.push(s.field);
        edges.set(key, edge);
      }
    }
  }
  return {
    nodes,
    edges: [...edges.values()]
      .map((e) => ({ ...e, fields: e.fields.sort(cmp) }))
      .sort((a, b) => cmp(a.from, b.from) || cmp(a.to, b.to)),
    dangling: dangling.sort(cmp),
  };
}

/** Components in the order they first appear among the sorted nodes' components, alphabetically. */
export function componentsOf(graph: ResourceGraph): string[] {
  return [...new Set(graph.nodes.map((n) => n.component))].sort(cmp);
}
