import {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isLabelValue,
  isQualifiedName,
} from '../cel/index.js';
import { body, childPath, err } from './errors.js';
import type { SchemaError } from './types.js';
import { isObject } from '../../core/json.js';

/** What metav1.ObjectMeta decodes; any other key under a resource's metadata is an unknown field. */
export const OBJECT_META_FIELDS = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

export interface ObjectMetaOptions {
  /** Whether name or generateName must be set (true for top-level objects). */
  requireName: boolean;
}

/** ObjectMeta validation the apiserver applies to custom resources (names as DNS-1123 subdomains). */
export function validateObjectMeta(meta: unknown, path: string, opts: ObjectMetaOptions): SchemaError[] {
  const errors: SchemaError[] = [];
  if (meta === undefined || meta === null) {
    if (opts.requireName)
      errors.push(
        err(childPath(path, 'name'), 'required', body.required('name or generateName is required')),
      );
    return errors;
  }
  if (!isObject(meta)) {
    errors.push(
      err(path, 'type', body.invalid(meta, `${path} in body must be of type object: "${typeof meta}"`)),
    );
    return errors;
  }
  for (const key of Object.keys(meta)) {
    if (!OBJECT_META_FIELDS.has(key))
      errors.push(err(childPath(path, key), 'unknown-field', 'field not declared in schema'));
  }
  const name = meta.name;
  const generateName = meta.generateName;
  if (name === undefined || name === '') {
    if (opts.requireName && (generateName === undefined || generateName === '')) {
      errors.push(
        err(childPath(path, 'name'), 'required', body.required('name or generateName is required')),
      );
    }
  } else if (typeof name !== 'string') {
    errors.push(err(childPath(path, 'name'), 'type', body.invalid(name, 'must be a string')));
  } else {
    for (const msg of isDNS1123Subdomain(name))
      errors.push(err(childPath(path, 'name'), 'metadata', body.invalid(name, msg)));
  }
  if (generateName !== undefined && generateName !== '') {
    if (typeof generateName !== 'string') {
      errors.push(
        err(childPath(path, 'generateName'), 'type', body.invalid(generateName, 'must be a string')),
      );
    } else {
      const prefix = generateName.endsWith('-') ? generateName.slice(0, -1) : generateName;
      for (const msg of isDNS1123Subdomain(prefix)) {
        errors.push(err(childPath(path, 'generateName'), 'metadata', body.invalid(generateName, msg)));
      }
    }
  }
  const namespace = meta.namespace;
  if (namespace !== undefined && namespace !== '') {
    const msgs = typeof namespace === 'string' ? isDNS1123Label(namespace) : ['must be a string'];
    for (const msg of msgs)
      errors.push(err(childPath(path, 'namespace'), 'metadata', body.invalid(namespace, msg)));
  }
  errors.push(...validateLabels(meta.labels, childPath(path, 'labels')));
  errors.push(...validateAnnotations(meta.annotations, childPath(path, 'annotations')));
  if (meta.finalizers !== undefined) {
    if (!Array.isArray(meta.finalizers)) {
      errors.push(
        err(
          childPath(path, 'finalizers'),
          'type',
          body.invalid(meta.finalizers, 'must be a list of strings'),
        ),
      );
    } else {
      // The apiserver names the list, not the item (ValidateFinalizers).
      for (const f of meta.finalizers) {
        const msgs = typeof f === 'string' ? isQualifiedName(f) : ['must be a string'];
        for (const msg of msgs)
          errors.push(err(childPath(path, 'finalizers'), 'metadata', body.invalid(f, msg)));
      }
    }
  }
  return errors;
}

function validateLabels(labels: unknown, path: string): SchemaError[] {
  if (labels === undefined || labels === null) return [];
  if (!isObject(labels))
    return [err(path, 'type', body.invalid(labels, 'must be a map of string to string'))];
  const errors: SchemaError[] = [];
  for (const [key, value] of Object.entries(labels)) {
    for (const msg of isQualifiedName(key)) errors.push(err(path, 'metadata', body.invalid(key, msg)));
    if (typeof value !== 'string') {
      errors.push(err(`${path}[${key}]`, 'type', body.invalid(value, 'must be a string')));
      continue;
    }
    for (const msg of isLabelValue(value)) errors.push(err(path, 'metadata', body.invalid(value, msg)));
  }
  return errors;
}

function validateAnnotations(annotations: unknown, path: string): SchemaError[] {
  if (annotations === undefined || annotations === null) return [];
  if (!isObject(annotations))
    return [err(path, 'type', body.invalid(annotations, 'must be a map of string to string'))];
  const errors: SchemaError[] = [];
  let total = 0;
  for (const [key, value] of Object.entries(annotations)) {
    for (const msg of isQualifiedName(key.toLowerCase()))
      errors.push(err(path, 'metadata', body.invalid(key, msg)));
    if (typeof value !== 'string') {
      errors.push(err(`${path}[${key}]`, 'type', body.invalid(value, 'must be a string')));
      continue;
    }
    total += Buffer.byteLength(key) + Buffer.byteLength(value);
  }
  if (total > TOTAL_ANNOTATION_SIZE_LIMIT) {
    errors.push(err(path, 'length', `Too long: may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`));
  }
  return errors;
}

/** apiVersion/kind checks the apiserver applies to `x-kubernetes-embedded-resource` objects. */
export function validateEmbeddedTypeMeta(x: Record<string, unknown>, path: string): SchemaError[] {
  const errors: SchemaError[] = [];
  const apiVersion = x.apiVersion;
  const kind = x.kind;
  if (apiVersion === undefined)
    errors.push(err(childPath(path, 'apiVersion'), 'required', body.required('must not be empty')));
  else if (typeof apiVersion !== 'string') {
    errors.push(err(childPath(path, 'apiVersion'), 'type', body.invalid(apiVersion, 'must be a string')));
  } else if (apiVersion === '') {
    errors.push(
      err(childPath(path, 'apiVersion'), 'required', body.invalid(apiVersion, 'must not be empty')),
    );
  } else if (apiVersion.split('/').length > 2) {
    errors.push(
      err(
        childPath(path, 'apiVersion'),
        'type',
        body.invalid(apiVersion, `unexpected GroupVersion string: ${apiVersion}`),
      ),
    );
  }
  if (kind === undefined)
    errors.push(err(childPath(path, 'kind'), 'required', body.required('must not be empty')));
  else if (typeof kind !== 'string')
    errors.push(err(childPath(path, 'kind'), 'type', body.invalid(kind, 'must be a string')));
  else if (kind === '')
    errors.push(err(childPath(path, 'kind'), 'required', body.invalid(kind, 'must not be empty')));
  else {
    const msgs = isDNS1035Label(kind.toLowerCase());
    if (msgs.length > 0) {
      errors.push(
        err(
          childPath(path, 'kind'),
          'type',
          body.invalid(kind, `may have mixed case, but should otherwise match: ${msgs.join(',')}`),
        ),
      );
    }
  }
  if (x.metadata !== undefined)
    errors.push(...validateObjectMeta(x.metadata, childPath(path, 'metadata'), { requireName: false }));
  return errors;
}
