/**
 * The benchmark's fleet: environments of mixed profiles (the examples' dev, staging, prod and prod-dr),
 * each with the managed resources our own Composition renders for it, as a provider reports them
 * (resolved references, external names, `status.atProvider`, conditions).
 *
 * Rendering each environment to convergence costs ~0.5 s, so every profile is converged once for a
 * template claim whose identifying values are placeholders of fixed length, and each environment's
 * objects are the template's text with the placeholders replaced (names, namespace, project, the XR's
 * uid and the hash the Composition derives from it). The controller renders every environment itself,
 * so a replacement that did not commute with the render would show as spec drift: the benchmark
 * fails when any environment has drift before churn starts.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import { claimToXr, stableSuffix, stableUid } from '../src/platform/render/claim.js';
import { convergeClaim } from '../src/platform/render/converge.js';
import type { Unstructured } from '../src/engine/render/fnapi.js';
import type { KObject } from '../src/ops/controller/object.js';
import type { JSONSchemaProps } from '../src/engine/schema/index.js';
import { crdIndex } from '../src/platform/validate/index.js';

export const PROFILES = ['dev', 'staging', 'prod', 'prod-dr'] as const;
export type Profile = (typeof PROFILES)[number];

const TEMPLATE_PROJECT = 'zqtplprj';
const TEMPLATE_NAMESPACE = 'zqtpl-ns';
const EXTERNAL_NAME = 'crossplane.io/external-name';
export const PROVIDER_MANAGER = 'provider-aws';

export interface Template {
  profile: Profile;
  claim: Unstructured;
  xrName: string;
  uid: string;
  hash: string;
  /** The converged managed resources, as JSON text with the template's placeholders. */
  mrsText: string;
  /** The same, one text per object. */
  mrTexts: string[];
  /** The XR's status the composition writes (ids, endpoints), as JSON text. */
  statusText: string;
  /** Per object, the forProvider fields the Composition sets (the rest the provider resolved or defaulted). */
  desiredKeys: string[][];
  /** Base64 strings (user data) whose decoded text holds placeholders: object index and field path. */
  encoded: { index: number; path: (string | number)[] }[];
  count: number;
}

export interface Environment {
  index: number;
  profile: Profile;
  project: string;
  namespace: string;
  claimName: string;
  xrName: string;
  /** Set once the XR exists on the server. */
  uid?: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

function exampleClaim(profile: Profile): Unstructured {
  const text = readFileSync(new URL(`../examples/${profile}.yaml`, import.meta.url), 'utf8');
  return yaml.load(text) as Unstructured;
}

function claimFor(profile: Profile, project: string, namespace: string): Unstructured {
  const claim = structuredClone(exampleClaim(profile));
  claim.metadata = { name: `${project}-${profile}`, namespace };
  (claim.spec as Record<string, unknown>).project = project;
  return claim;
}

export async function makeTemplate(profile: Profile): Promise<Template> {
  const claim = claimFor(profile, TEMPLATE_PROJECT, TEMPLATE_NAMESPACE);
  const { result, observed, report } = await convergeClaim({ claim, flavor: 'claim' });
  if (!report.converged) throw new Error(`${profile} does not converge`);
  for (const o of observed) pruneToSchema(o);
  const xrName = claimToXr(claim, { flavor: 'claim' }).metadata?.name ?? '';
  const uid = stableUid(`xr/${TEMPLATE_NAMESPACE}/${claim.metadata?.name}`);
  const hash = sha256(uid).slice(0, 8);
  const tokens = [xrName, uid, hash, TEMPLATE_PROJECT, TEMPLATE_NAMESPACE];
  const encoded: Template['encoded'] = [];
  observed.forEach((o, index) =>
    visitStrings(o, [], (value, path) => {
      const text = decodeBase64(value);
      if (text !== undefined && tokens.some((t) => text.includes(t))) encoded.push({ index, path });
    }),
  );
  const desiredFp = new Map(
    result.composed.map((d) => [
      d.metadata?.annotations?.['crossplane.io/composition-resource-name'] ?? '',
      Object.keys((d.spec?.forProvider ?? {}) as Record<string, unknown>),
    ]),
  );
  return {
    profile,
    claim,
    xrName,
    uid,
    hash,
    desiredKeys: observed.map(
      (o) => desiredFp.get(o.metadata?.annotations?.['crossplane.io/composition-resource-name'] ?? '') ?? [],
    ),
    mrsText: JSON.stringify(observed),
    mrTexts: observed.map((o) => JSON.stringify(o)),
    statusText: JSON.stringify(result.composite.status ?? {}),
    encoded,
    count: observed.length,
  };
}

function visitStrings(
  value: unknown,
  path: (string | number)[],
  fn: (value: string, path: (string | number)[]) => void,
): void {
  if (typeof value === 'string') fn(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => visitStrings(v, [...path, i], fn));
  else if (value !== null && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) visitStrings(v, [...path, k], fn);
}

function decodeBase64(value: string): string | undefined {
  if (value.length < 16 || value.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) return undefined;
  const text = Buffer.from(value, 'base64').toString('utf8');
  return Buffer.from(text, 'utf8').toString('base64') === value ? text : undefined;
}

/**
 * Drops what the CRD does not declare, as the API server would (and server-side apply refuses):
 * `render --converge` resolves a selector by its name (`securityGroupSelector` → `securityGroup`),
 * where the provider's field may be called otherwise (`securityGroups`).
 */
function pruneToSchema(obj: Unstructured): void {
  const schema = crdIndex().get(obj.apiVersion ?? '', obj.kind ?? '')?.schema;
  if (!schema) throw new Error(`no CRD schema for ${obj.apiVersion} ${obj.kind}`);
  const prune = (value: unknown, s: JSONSchemaProps | undefined): void => {
    if (!s || s['x-kubernetes-preserve-unknown-fields']) return;
    if (Array.isArray(value)) {
      const items = s.items && !Array.isArray(s.items) ? (s.items as JSONSchemaProps) : undefined;
      for (const v of value) prune(v, items);
      return;
    }
    if (value === null || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    const additional =
      s.additionalProperties && typeof s.additionalProperties === 'object'
        ? (s.additionalProperties as JSONSchemaProps)
        : undefined;
    for (const key of Object.keys(record)) {
      const sub = s.properties?.[key] ?? additional;
      if (!sub && s.additionalProperties !== true) delete record[key];
      else prune(record[key], sub);
    }
  };
  for (const part of ['spec', 'status'] as const) prune(obj[part], schema.properties?.[part]);
}

/** Profile weights, e.g. "dev:4,staging:3,prod:2,prod-dr:1" (the default). */
export function parseMix(text: string): Profile[] {
  const cycle: Profile[] = [];
  for (const part of text.split(',')) {
    const [name, weight] = part.split(':');
    if (!(PROFILES as readonly string[]).includes(name)) throw new Error(`unknown profile ${name} in mix`);
    for (let i = 0; i < Number(weight ?? 1); i++) cycle.push(name as Profile);
  }
  return cycle;
}

export function environments(count: number, mix: readonly Profile[], namespaces: number): Environment[] {
  return Array.from({ length: count }, (_, index) => {
    const profile = mix[index % mix.length];
    const project = `e${String(index).padStart(TEMPLATE_PROJECT.length - 1, '0')}`;
    const namespace = `team-${String(index % namespaces).padStart(TEMPLATE_NAMESPACE.length - 5, '0')}`;
    const claimName = `${project}-${profile}`;
    return {
      index,
      profile,
      project,
      namespace,
      claimName,
      xrName: `${claimName}-${stableSuffix(`${namespace}/${claimName}`)}`,
    };
  });
}

/** The CompositionRevision Crossplane makes of a Composition: `<name>-<hash of its spec>`, revision 1. */
export function compositionRevision(composition: Unstructured): KObject {
  const name = composition.metadata?.name ?? '';
  const hash = sha256(JSON.stringify(composition.spec ?? {}));
  return {
    apiVersion: 'apiextensions.crossplane.io/v1',
    kind: 'CompositionRevision',
    metadata: {
      name: `${name}-${hash.slice(0, 7)}`,
      labels: {
        ...(composition.metadata?.labels ?? {}),
        'crossplane.io/composition-name': name,
        'crossplane.io/composition-hash': hash.slice(0, 63),
      },
    },
    spec: { ...(composition.spec ?? {}), revision: 1 },
  };
}

/** The XR Crossplane would create for the environment's claim, with the composed resources' references. */
export function compositeFor(t: Template, env: Environment, refs: KObject[], revisionName: string): KObject {
  const xr = claimToXr(claimFor(t.profile, env.project, env.namespace), { flavor: 'claim' }) as KObject;
  const metadata = { ...xr.metadata, name: env.xrName };
  delete metadata.uid;
  metadata.labels = { ...metadata.labels, 'crossplane.io/composite': env.xrName };
  return {
    ...xr,
    metadata,
    spec: {
      ...xr.spec,
      compositionUpdatePolicy: 'Automatic',
      compositionRevisionRef: { name: revisionName },
      resourceRefs: refs.map((r) => ({ apiVersion: r.apiVersion, kind: r.kind, name: r.metadata?.name })),
    },
  };
}

function substitute(t: Template, env: Environment, text: string): string {
  if (!env.uid) throw new Error(`environment ${env.index} has no uid yet`);
  const pairs: [string, string][] = [
    [t.xrName, env.xrName],
    [t.uid, env.uid],
    [t.hash, sha256(env.uid).slice(0, 8)],
    [TEMPLATE_PROJECT, env.project],
    [TEMPLATE_NAMESPACE, env.namespace],
  ];
  let out = text;
  for (const [from, to] of pairs) out = out.split(from).join(to);
  return out;
}

/** The environment's managed resources before the XR exists: names and kinds only (for resourceRefs). */
export function refsFor(t: Template, env: Environment): KObject[] {
  const text = t.mrsText.split(t.xrName).join(env.xrName);
  return (JSON.parse(text) as KObject[]).map((o) => ({
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: { name: o.metadata?.name },
  }));
}

/** The environment's managed resources as the provider reports them (status included). */
export function managedFor(t: Template, env: Environment): KObject[] {
  const mrs = JSON.parse(substitute(t, env, t.mrsText)) as KObject[];
  for (const e of t.encoded) fixEncoded(t, env, mrs[e.index], e.path);
  return mrs;
}

/** One of the environment's managed resources (by its index in the template): cheaper than all of them. */
export function managedOne(t: Template, env: Environment, index: number): KObject {
  const mr = JSON.parse(substitute(t, env, t.mrTexts[index])) as KObject;
  for (const e of t.encoded) if (e.index === index) fixEncoded(t, env, mr, e.path);
  return mr;
}

function fixEncoded(t: Template, env: Environment, mr: KObject, path: (string | number)[]): void {
  let parent: unknown = mr;
  for (const p of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[p];
  const holder = parent as Record<string | number, unknown>;
  const last = path[path.length - 1];
  const text = Buffer.from(String(holder[last]), 'base64').toString('utf8');
  holder[last] = Buffer.from(substitute(t, env, text), 'utf8').toString('base64');
}

/** The XR status the composition's ToComposite patches produced (ids, endpoints), plus Crossplane's conditions. */
export function compositeStatusFor(t: Template, env: Environment): Record<string, unknown> {
  const status = JSON.parse(substitute(t, env, t.statusText)) as Record<string, unknown>;
  return {
    ...status,
    conditions: [
      { type: 'Synced', status: 'True', reason: 'ReconcileSuccess', lastTransitionTime: CREATED },
      { type: 'Ready', status: 'True', reason: 'Available', lastTransitionTime: CREATED },
    ],
  };
}

const CREATED = '2026-01-01T00:00:00Z';

/**
 * The body Crossplane applies for a composed resource (server-side apply), with what the provider
 * adds to metadata: its finalizer and the external-name / create annotations.
 */
export function appliedBody(mr: KObject): KObject {
  const meta = mr.metadata ?? {};
  return {
    apiVersion: mr.apiVersion,
    kind: mr.kind,
    metadata: {
      name: meta.name,
      generateName: meta.generateName,
      labels: meta.labels,
      annotations: {
        ...meta.annotations,
        'crossplane.io/external-create-pending': CREATED,
        'crossplane.io/external-create-succeeded': CREATED,
      },
      ownerReferences: meta.ownerReferences,
      finalizers: ['finalizer.managedresource.crossplane.io'],
    },
    spec: mr.spec,
  };
}

export const readyConditions = (ltt = CREATED) => [
  { type: 'Ready', status: 'True', reason: 'Available', lastTransitionTime: CREATED, observedGeneration: 1 },
  {
    type: 'Synced',
    status: 'True',
    reason: 'ReconcileSuccess',
    lastTransitionTime: ltt,
    observedGeneration: 1,
  },
];

/** The status a provider writes once the resource exists: atProvider and Ready/Synced. */
export function providerStatus(mr: KObject): Record<string, unknown> {
  const status = mr.status ?? {};
  return { atProvider: status.atProvider ?? {}, conditions: readyConditions() };
}

/** The composition resource name of a managed resource. */
export function resourceOf(mr: KObject): string {
  return mr.metadata?.annotations?.['crossplane.io/composition-resource-name'] ?? '';
}

export function externalName(mr: KObject): string | undefined {
  return mr.metadata?.annotations?.[EXTERNAL_NAME];
}

/**
 * A top-level forProvider scalar the Composition sets (DESIRED) and the provider also reports in
 * atProvider with the same value: where the benchmark injects cloud drift (someone changed it in the
 * console). Fields the provider resolved (`vpcId` from `vpcIdSelector`) are not compared, rightly.
 */
export function driftField(
  mr: KObject,
  desired: readonly string[],
): { field: string; value: string | number | boolean } | undefined {
  const fp = (mr.spec?.forProvider ?? {}) as Record<string, unknown>;
  const at = ((mr.status ?? {}).atProvider ?? {}) as Record<string, unknown>;
  for (const [k, v] of Object.entries(fp)) {
    if (!desired.includes(k) || /(Ref|Refs|Selector|SecretRef)$/.test(k) || k === 'region') continue;
    const ok =
      typeof v === 'boolean' ||
      (typeof v === 'number' && Number.isFinite(v)) ||
      (typeof v === 'string' && v !== '' && !/^[[{]/.test(v.trim()) && !/^[\d.]+$/.test(v));
    if (ok && at[k] === v) return { field: k, value: v as string | number | boolean };
  }
  return undefined;
}

export function drifted(value: string | number | boolean, seq: number): string | number | boolean {
  if (typeof value === 'boolean') return !value;
  if (typeof value === 'number') return value + 1 + (seq % 7);
  return `${value}-changed-${seq}`;
}
