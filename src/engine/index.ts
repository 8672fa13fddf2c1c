/**
 * The offline Crossplane: composition functions (patch-and-transform, cel-filter, auto-ready) and the
 * render pipeline of `crossplane render`, Go's YAML and value formatting, CEL with the Kubernetes
 * libraries, and OpenAPI validation against CRDs. This file is the engine's only entry: nothing outside
 * src/engine/ imports a file inside it, and nothing in it imports the product (a test checks both).
 */
export * from './render/index.js';
export { ANNOTATION_COMPOSITION_RESOURCE_NAME } from './render/engine.js';
export { patchAndTransform } from './render/pt/index.js';
export { parse as parseFieldPath, type Segment as FieldPathSegment } from './render/pt/fieldpath.js';
export { loadAllObjects, loadAllYaml, loadYaml, YAMLException } from './render/yaml.js';
export * from './schema/index.js';
export { jsonEqual } from './schema/validate.js';
export * as cel from './cel/index.js';
