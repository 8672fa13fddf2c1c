/**
 * `envstack validate`: a claim against the XRD's schema and CEL rules (the same schema the XRD is
 * synthesized from), and every composed resource of its render against the provider's CRD schema.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_GROUP, API_VERSION } from '../compose/names.js';
import type { Unstructured } from '../../core/json.js';
import type { Flavor } from '../compose/flavor.js';
import {
  applyDefaults,
  isBlockingError,
  loadCrdIndex,
  NOT_CHECKED,
  unknownFieldPaths,
  validate,
  validateObject,
  validateObjectMeta,
  type CrdIndex,
} from '../../engine/index.js';
import { platformEnvironmentCrdSchema } from './crd.js';
import { PACKAGE_ROOT } from '../../core/paths.js';
import { bundledCrds, crdIndexOf } from './bundle.js';

export interface Problem {
  /** Dotted field path, e.g. `spec.network.cidr`, or a resource name and path for rendered objects. */
  path: string;
  message: string;
  /** Set when the problem exists in one flavor only (see validateClaimIn). */
  flavor?: Flavor;
}

/** `FILE: [flavor] field.path: message`, the line `envstack validate` prints for a problem. */
export function formatProblem(file: string, p: Problem): string {
  return `${file}: ${p.flavor ? `[${p.flavor}] ` : ''}${p.path ? `${p.path}: ` : ''}${p.message}`;
}

const repoRoot = PACKAGE_ROOT;

/** A folder of full provider and Crossplane CRDs: $ENVSTACK_CRDS, or the shared folder beside the repo
 *  (what the sandbox applies to its cluster). */
export function defaultCrdDir(): string {
  return process.env.ENVSTACK_CRDS ?? join(repoRoot, '..', 'shared', 'crds');
}

let cachedIndex: { dir: string; index: CrdIndex } | undefined;
/** The CRDs in a folder of CRD YAML (default: defaultCrdDir()), indexed with their files. */
export function crdIndex(dir = defaultCrdDir()): CrdIndex {
  if (!existsSync(dir)) {
    throw new Error(
      `no CRDs at ${dir}: pass --crds DIR or set ENVSTACK_CRDS to the folder holding the provider CRDs`,
    );
  }
  if (cachedIndex?.dir !== dir) cachedIndex = { dir, index: loadCrdIndex(dir) };
  return cachedIndex.index;
}

let bundledIndex: CrdIndex | undefined;
/** The schemas that ship with the package (schemas/crds.bundle.json.gz): the kinds the Compositions use. */
export function bundledCrdIndex(): CrdIndex {
  bundledIndex ??= crdIndexOf(bundledCrds().crds);
  return bundledIndex;
}

/**
 * The schemas composed resources are validated (and rendered) against: the folder `--crds DIR` or
 * $ENVSTACK_CRDS names, else the bundle that ships with the package.
 */
export function schemaIndex(dir = process.env.ENVSTACK_CRDS): CrdIndex {
  return dir !== undefined ? crdIndex(dir) : bundledCrdIndex();
}

export interface ValidateClaimOptions {
  group?: string;
  /** The CRD the claim is checked against: Crossplane's claim CRD (default) or the namespaced XR's. */
  flavor?: Flavor;
  /** The stored claim, for an update: transition rules (immutable fields) are checked against it. */
  old?: Unstructured;
}

/**
 * Checks a claim (or a namespaced XR) the way the apiserver admits it when kubectl applies it
 * (`kubectl apply`, whose default `--validate=strict` asks for strict field validation), against the
 * CRD Crossplane generates from the XRD (src/platform/validate/crd.ts), in the apiserver's order:
 *
 * 1. decoding: unknown fields anywhere (spec, status, metadata, the root) refuse the object, and
 *    only they are reported (`strict decoding error: unknown field "spec.foo"`);
 * 2. admission: a namespace whose name is not a DNS-1123 label cannot exist (NotFound);
 * 3. defaulting; `status` is dropped (a create through the main resource never sets it);
 * 4. ObjectMeta (names are DNS-1123 subdomains, labels, annotations) and the schema (metadata.name
 *    at most 63 characters, as Crossplane caps it); after a type, required, enum, too-long or
 *    too-many error the CEL rules are not evaluated, and a root error says so;
 * 5. the CEL rules (`x-kubernetes-validations`).
 */
export function validateClaim(doc: unknown, opts: ValidateClaimOptions = {}): Problem[] {
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

  const schema = platformEnvironmentCrdSchema(opts.flavor ?? 'claim');
  const unknown = unknownFieldPaths(schema, obj);
  if (unknown.length) return unknown.map((path) => ({ path, message: 'field not declared in schema' }));

  // A namespace that cannot exist: the apiserver answers NotFound before it validates anything.
  const namespace = obj.metadata?.namespace;
  if (typeof namespace === 'string' && namespace !== '') {
    const invalid = validateObjectMeta({ namespace }, 'metadata', { requireName: false });
    if (invalid.length)
      return invalid.map((e) => ({
        path: e.path,
        message: `namespaces "${namespace}" not found: ${e.message.replace(/^Invalid value: "[^"]*": /, '')}`,
      }));
  }

  const admitted = withoutStatus(applyDefaults(schema, obj));
  const old = opts.old ? withoutStatus(applyDefaults(schema, opts.old)) : undefined;
  const errors = [
    ...validateObjectMeta(admitted.metadata, 'metadata', { requireName: true }),
    ...validate(schema, admitted, { kubernetesObject: true, ...(old ? { oldObj: old } : {}) }),
  ];
  const schemaErrors = errors.filter((e) => e.kind !== 'rule' && e.kind !== 'rule-error');
  const checked = schemaErrors.some(isBlockingError)
    ? [...schemaErrors, { path: '', message: NOT_CHECKED }]
    : errors;
  return checked.map((e) => ({ path: e.path, message: e.message }));
}

/**
 * validateClaim in each of FLAVORS: the problems every flavor finds once, the others marked with the
 * flavor that finds them (a Crossplane field such as spec.compositionRef exists in the claim CRD only).
 */
export function validateClaimIn(
  doc: unknown,
  flavors: readonly Flavor[],
  opts: Omit<ValidateClaimOptions, 'flavor'> = {},
): Problem[] {
  const per = flavors.map((flavor) => ({ flavor, problems: validateClaim(doc, { ...opts, flavor }) }));
  const key = (p: Problem) => `${p.path}\n${p.message}`;
  const everywhere = (p: Problem) => per.every((f) => f.problems.some((q) => key(q) === key(p)));
  const out: Problem[] = (per[0]?.problems ?? []).filter(everywhere);
  for (const f of per)
    out.push(...f.problems.filter((p) => !everywhere(p)).map((p) => ({ ...p, flavor: f.flavor })));
  return out;
}

function withoutStatus(obj: Unstructured): Unstructured {
  const { status: _status, ...rest } = obj;
  return rest as Unstructured;
}

/** Checks rendered composed resources against the provider (and Crossplane) CRDs; unknown fields are errors. */
export function validateRendered(objects: Unstructured[], index: CrdIndex = schemaIndex()): Problem[] {
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
