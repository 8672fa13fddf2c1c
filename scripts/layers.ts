/**
 * npx tsx scripts/layers.ts [--mermaid]
 *
 * Prints the layer graph of src/ from the code: per layer its files and how many imports it
 * makes into each layer (text), or with --mermaid a flowchart of the folders and the imports between
 * them, counted. docs/architecture.md shows both (written there by `npm run synth`).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { layerGraph, layerMermaid, layerTable } from '../src/platform/docs/layers.js';

const graph = layerGraph(join(fileURLToPath(new URL('..', import.meta.url)), 'src'));
console.log(process.argv.includes('--mermaid') ? layerMermaid(graph) : layerTable(graph));
