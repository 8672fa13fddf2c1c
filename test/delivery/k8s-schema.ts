/**
 * Offline validation of built-in Kubernetes objects (and the Prometheus Operator's ServiceMonitor), since no
 * API server is available and kubectl's --validate needs one:
 * - kubernetes-models ships Kubernetes' OpenAPI schemas compiled to validators: types, required fields,
 *   enums and formats;
 * - those schemas allow unknown fields, so the fields are also checked against @kubernetes/client-node's
 *   generated models (the same OpenAPI), which is what `kubectl --validate=strict` rejects.
 */
import * as k8s from '@kubernetes/client-node';

interface Attribute {
  baseName: string;
  type: string;
}
interface ModelClass {
  getAttributeTypeMap(): Attribute[];
}
type Validatable = new (data: object) => { validate(): void };

function modelClass(name: string): ModelClass | undefined {
  const candidate = (k8s as unknown as Record<string, unknown>)[name];
  return typeof candidate === 'function' && 'getAttributeTypeMap' in candidate
    ? (candidate as unknown as ModelClass)
    : undefined;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Paths of fields the model (and its nested models) does not define. */
export function unknownFields(value: unknown, type: string, path: string): string[] {
  const array = /^Array<(.+)>$/.exec(type);
  if (array)
    return Array.isArray(value) ? value.flatMap((v, i) => unknownFields(v, array[1], `${path}[${i}]`)) : [];
  const dict = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (dict)
    return isMap(value)
      ? Object.entries(value).flatMap(([k, v]) => unknownFields(v, dict[1], `${path}.${k}`))
      : [];
  const model = modelClass(type);
  if (!model || !isMap(value)) return [];
  const attributes = new Map(model.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  return Object.entries(value).flatMap(([k, v]) => {
    const t = attributes.get(k);
    return t === undefined
      ? [`${path ? `${path}.` : ''}${k}: unknown field`]
      : unknownFields(v, t, path ? `${path}.${k}` : k);
  });
}

/** `/spec/containers/0/name` as `spec.containers[0].name`, the form unknownFields uses. */
function dotted(pointer: string): string {
  return pointer
    .split('/')
    .filter(Boolean)
    .reduce((path, seg) => (/^\d+$/.test(seg) ? `${path}[${seg}]` : path ? `${path}.${seg}` : seg), '');
}

function modulePath(apiVersion: string): string {
  if (apiVersion === 'monitoring.coreos.com/v1')
    return '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
  return `kubernetes-models/${apiVersion}`;
}

// Imports one at a time, each once: jest's ESM loader fails on concurrent imports that share a dependency.
const modules = new Map<string, Promise<Record<string, Validatable | undefined>>>();
let importing: Promise<unknown> = Promise.resolve();
function loadModule(path: string): Promise<Record<string, Validatable | undefined>> {
  let p = modules.get(path);
  if (!p) {
    p = importing.then(() => import(path) as Promise<Record<string, Validatable | undefined>>);
    importing = p.catch(() => undefined);
    modules.set(path, p);
  }
  return p;
}

/** Problems with a built-in (or ServiceMonitor) object; an empty list when it is valid. */
export async function validateBuiltin(obj: Record<string, unknown>): Promise<string[]> {
  const apiVersion = String(obj.apiVersion);
  const kind = String(obj.kind);
  let mod: Record<string, Validatable | undefined>;
  try {
    mod = await loadModule(modulePath(apiVersion));
  } catch (e) {
    return [`no Kubernetes schema known for ${apiVersion}: ${String(e)}`];
  }
  const Model = mod[kind];
  if (!Model) return [`no Kubernetes schema known for ${apiVersion} ${kind}`];
  const problems: string[] = [];
  try {
    new Model(obj).validate();
  } catch (e) {
    const errors = (e as { errors?: Array<{ instancePath?: string; message?: string }> }).errors;
    if (errors)
      problems.push(...errors.map((x) => `${dotted(x.instancePath ?? '')}: ${x.message ?? 'invalid'}`));
    else problems.push(String(e));
  }
  const version = apiVersion.split('/').pop() ?? '';
  const modelName = `${version.charAt(0).toUpperCase()}${version.slice(1)}${kind}`;
  if (modelClass(modelName)) problems.push(...unknownFields(obj, modelName, ''));
  return problems;
}
