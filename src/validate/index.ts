/**
 * `envstack validate`: a claim against the XRD's schema and CEL rules (the same schema the XRD is
 * synthesized from), and every composed resource of its render against the provider's CRD schema.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { specOpenApi } from '../api/openapi.js';
import { DEFAULT_GROUP, API_VERSION } from '../compose/xrd.js';
import type { Unstructured } from '../render/fnapi.js';
import {
  applyDefaults,
  loadCrdIndex,
  validate,
  validateObject,
  type CrdIndex,
  type JSONSchemaProps,
} from '../schema/index.js';

export interface Problem {
  /** Dotted field path, e.g. `spec.network.cidr`, or a resource name and path for rendered objects. */
  path: string;
  message: string;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The provider and Crossplane CRDs: --crds, $ENVSTACK_CRDS, or the shared folder beside the repo. */
export function defaultCrdDir(): string {
  return process.env.ENVSTACK_CRDS ?? join(repoRoot, '..', 'shared', 'crds');
}

let cachedIndex: { dir: string; index: CrdIndex } | undefined;
export function crdIndex(dir = defaultCrdDir()): CrdIndex {
  if (!existsSync(dir)) {
    throw new Error(
      `no CRDs at ${dir}: pass --crds DIR or set ENVSTACK_CRDS to the folder holding the provider CRDs`,
    );
  }
  if (cachedIndex?.dir !== dir) cachedIndex = { dir, index: loadCrdIndex(dir) };
  return cachedIndex.index;
}

function specSchema(): JSONSchemaProps {
  return { type: 'object', required: ['spec'], properties: { spec: specOpenApi() } } as JSONSchemaProps;
}

/** Checks a claim (or a namespaced XR) the way the apiserver would admit it. */
export function validateClaim(doc: unknown, opts: { group?: string; old?: Unstructured } = {}): Problem[] {
  const group = opts.group ?? DEFAULT_GROUP;
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    return [
      {
        path: '',
        message: 'not a Kubernetes object (expected a YAML mapping with apiVersion, kind, metadata, spec)',
      },
    ];
  }
  const obj = doc as Unstructured;
  const problems: Problem[] = [];
  if (obj.apiVersion !== `${group}/${API_VERSION}`) {
    problems.push({
      path: 'apiVersion',
      message: `must be ${group}/${API_VERSION}, got ${JSON.stringify(obj.apiVersion ?? null)}`,
    });
  }
  if (obj.kind !== 'PlatformEnvironment') {
    problems.push({
      path: 'kind',
      message: `must be PlatformEnvironment, got ${JSON.stringify(obj.kind ?? null)}`,
    });
  }
  if (!obj.metadata?.name)
    problems.push({ path: 'metadata.name', message: 'Required value: every claim needs a name' });
  if (problems.length) return problems;
  const schema = specSchema();
  const defaulted = applyDefaults(schema, { spec: obj.spec }) as Unstructured;
  const old = opts.old ? (applyDefaults(schema, { spec: opts.old.spec }) as Unstructured) : undefined;
  return validate(schema, { spec: defaulted.spec }, { ...(old ? { oldObj: { spec: old.spec } } : {}) }).map(
    (e) => ({
      path: e.path,
      message: e.message,
    }),
  );
}

/** Checks rendered composed resources against the provider (and Crossplane) CRDs; unknown fields are errors. */
export function validateRendered(objects: Unstructured[], index: CrdIndex = crdIndex()): Problem[] {
  const problems: Problem[] = [];
  for (const obj of objects) {
    const name =
      obj.metadata?.annotations?.['crossplane.io/composition-resource-name'] ?? obj.metadata?.name ?? '?';
    const result = validateObject(index, obj);
    for (const e of result.errors) {
      problems.push({ path: `${name} (${obj.kind}): ${e.path}`, message: e.message });
    }
  }
  return problems;
}
