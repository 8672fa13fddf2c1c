export { buildGraph, componentsOf } from './graph.js';
export type { GraphEdge, GraphNode, ResourceGraph } from './graph.js';
export { formatGraph, toDot, toMermaid } from './format.js';
export type { GraphFormat } from './format.js';
