/**
 * The fields the apiserver's structural pruning would drop from a custom resource, as paths. With
 * `fieldValidation=Strict` (kubectl's default, `--validate=strict`) the apiserver refuses an object
 * that has any, before defaulting or validation: `strict decoding error: unknown field "spec.foo"`.
 * A port of k8s.io/apiextensions-apiserver/pkg/apiserver/schema/pruning: it walks the schema by
 * shape, not by type, so a map where the schema says string has every key unknown (`spec.owner.a`).
 */
import type { JSONSchemaProps } from './types.js';
import { OBJECT_META_FIELDS } from './objectmeta.js';
import { isObject } from '../../core/json.js';

const child = (path: string, key: string): string => (path === '' ? key : `${path}.${key}`);

function prune(x: unknown, s: JSONSchemaProps | undefined, path: string, out: string[], root: boolean): void {
  if (s?.['x-kubernetes-preserve-unknown-fields']) return;
  // The resource root is treated as an embedded resource: apiVersion, kind and metadata are kept.
  const embedded = root || s?.['x-kubernetes-embedded-resource'] === true;
  if (isObject(x)) {
    for (const [k, v] of Object.entries(x)) {
      if (embedded && (k === 'apiVersion' || k === 'kind') && typeof v === 'string') continue;
      if (embedded && k === 'metadata' && isObject(v)) {
        for (const m of Object.keys(v)) if (!OBJECT_META_FIELDS.has(m)) out.push(child(child(path, k), m));
        continue;
      }
      const prop = s?.properties?.[k];
      const additional = typeof s?.additionalProperties === 'object' ? s.additionalProperties : undefined;
      if (prop) prune(v, prop, child(path, k), out, false);
      else if (additional || s?.additionalProperties === true)
        prune(v, additional, child(path, k), out, false);
      else out.push(child(path, k));
    }
    return;
  }
  if (Array.isArray(x)) x.forEach((v, i) => prune(v, s?.items, `${path}[${i}]`, out, false));
}

/**
 * Paths of the fields structural pruning would drop from OBJ (a whole object, its root treated as a
 * resource root), in the order the apiserver lists them in its strict decoding error (sorted).
 */
export function unknownFieldPaths(schema: JSONSchemaProps, obj: unknown): string[] {
  const out: string[] = [];
  prune(obj, schema, '', out, true);
  return [...new Set(out)].sort();
}
