/**
 * `render --converge`: play the cloud. Each round turns every composed resource into the object the
 * provider would report once it exists (name, external name, `status.atProvider`, Ready/Synced),
 * hands the XR back the status the previous round wrote, and renders again, until the output stops
 * changing. What is still missing then is a patch waiting on a value that never appears.
 */
import { createHash } from 'node:crypto';
import type { Flavor } from '../compose/flavor.js';
import type { JSONSchemaProps } from '../schema/index.js';
import { crdIndex } from '../validate/index.js';
import { claimToXr } from './claim.js';
import { ANNOTATION_COMPOSITION_RESOURCE_NAME, render, type RenderResult } from './engine.js';
import type { CompositionFunction, JsonObject, Ready, Unstructured } from './fnapi.js';
import { formatRenderOutput } from './format.js';
import { defaultFunctions } from './index.js';
import { parse, type Segment } from './pt/fieldpath.js';
import { loadComposition } from './service.js';
import { cloneJson, isObject } from './unstructured.js';

export const CONVERGE_ACCOUNT_ID = '123456789012';
const EXTERNAL_NAME = 'crossplane.io/external-name';

export interface ConvergeInput {
  claim: Unstructured;
  flavor: Flavor;
  group?: string;
  /** Rounds after the first render; the default is 10. */
  maxRounds?: number;
  /** A Composition to use instead of the committed one for the flavor. */
  composition?: Unstructured;
  /** The XR to compose (e.g. the live one a cluster bound the claim to) instead of the one derived from the claim. */
  xr?: Unstructured;
}

export interface UnresolvedPatch {
  resource: string;
  type: string;
  /** The field that never appears: on the observed composed resource, or on the XR. */
  fromFieldPath: string;
  toFieldPath: string;
  /** `composed` for To*Composite patches, `composite` for From*Composite and environment patches. */
  source: 'composed' | 'composite';
}

export interface ConvergeReport {
  /** Renders it took to reach a fixpoint (or maxRounds + 1 when none was reached). */
  rounds: number;
  converged: boolean;
  unresolved: UnresolvedPatch[];
  /** Composed resources the pipeline still marks unready once everything reports Ready. */
  neverReady: string[];
  /** Resource names of each round, so a test can see what appeared when. */
  history: string[][];
}

export interface ConvergeResult {
  result: RenderResult;
  report: ConvergeReport;
  /** The observed resources the last render was given (with `result.input`, its XR): a replayable input. */
  observed: Unstructured[];
}

interface PatchLike {
  type?: string;
  fromFieldPath?: string;
  toFieldPath?: string;
  patchSetName?: string;
  combine?: { variables?: Array<{ fromFieldPath?: string }> };
}

const resourceName = (u: Unstructured): string =>
  u.metadata?.annotations?.[ANNOTATION_COMPOSITION_RESOURCE_NAME] ?? '';

function digest(seed: string, length: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, length);
}

/** A value at a Crossplane field path in plain JSON, or undefined. */
export function readFieldPath(obj: unknown, path: string): unknown {
  let segments: Segment[];
  try {
    segments = parse(path);
  } catch {
    return undefined;
  }
  let cur: unknown = obj;
  for (const s of segments) {
    if (s.type === 'index') {
      if (!Array.isArray(cur)) return undefined;
      cur = cur[s.index];
    } else {
      if (!isObject(cur)) return undefined;
      cur = cur[s.field];
    }
  }
  return cur;
}

const arnService: Record<string, string> = {
  elbv2: 'elasticloadbalancing',
  cloudwatchlogs: 'logs',
  cloudwatchevents: 'events',
  apigateway: 'apigateway',
  configservice: 'config',
};

const idPrefix: Record<string, string> = {
  VPC: 'vpc',
  Subnet: 'subnet',
  SecurityGroup: 'sg',
  SecurityGroupRule: 'sgr',
  RouteTable: 'rtb',
  RouteTableAssociation: 'rtbassoc',
  InternetGateway: 'igw',
  NATGateway: 'nat',
  EIP: 'eipalloc',
  VPCEndpoint: 'vpce',
  LaunchTemplate: 'lt',
  FlowLog: 'fl',
  Instance: 'i',
  VPCPeeringConnection: 'pcx',
};

export interface Identity {
  service: string;
  region: string;
  id: string;
  arn: string;
  name: string;
}

export function identityOf(desired: Unstructured, seed: string): Identity {
  const group = (desired.apiVersion ?? '').split('/')[0];
  const service = arnService[group.split('.')[0]] ?? group.split('.')[0];
  const forProvider = isObject(desired.spec?.forProvider) ? desired.spec.forProvider : {};
  const region = typeof forProvider.region === 'string' ? forProvider.region : '';
  const kind = desired.kind ?? '';
  const annotated = desired.metadata?.annotations?.[EXTERNAL_NAME];
  const name =
    annotated ??
    (isObject(forProvider.tags) && typeof forProvider.tags.Name === 'string'
      ? forProvider.tags.Name
      : ((typeof forProvider.name === 'string' ? forProvider.name : undefined) ??
        `${kind.toLowerCase()}-${digest(seed, 8)}`));
  const id =
    annotated ??
    (idPrefix[kind] ? `${idPrefix[kind]}-0${digest(seed, 16)}` : kind === 'Key' ? uuidOf(seed) : name);
  const resourceType = kind.toLowerCase();
  const arn =
    service === 's3'
      ? `arn:aws:s3:::${id}`
      : service === 'iam'
        ? `arn:aws:iam::${CONVERGE_ACCOUNT_ID}:${resourceType}/${id}`
        : service === 'sqs' || service === 'sns'
          ? `arn:aws:${service}:${region}:${CONVERGE_ACCOUNT_ID}:${id}`
          : `arn:aws:${service}:${region}:${CONVERGE_ACCOUNT_ID}:${resourceType}/${id}`;
  return { service, region, id, arn, name };
}

function uuidOf(seed: string): string {
  const h = digest(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const enginePorts: Record<string, number> = {
  postgres: 5432,
  'aurora-postgresql': 5432,
  'aurora-mysql': 3306,
  mysql: 3306,
};

/** A plausible value for a computed `status.atProvider` field, or undefined when none fits. */
function computedValue(
  field: string,
  schema: JSONSchemaProps,
  who: Identity,
  desired: Unstructured,
  depth: number,
): unknown {
  const seed = `${who.arn}/${field}`;
  const host = `${who.name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}.c${digest(seed, 12)}.${who.region}.${who.service}.amazonaws.com`;
  const forProvider = isObject(desired.spec?.forProvider) ? desired.spec.forProvider : {};
  if (schema.type === 'string') {
    if (field === 'id') return who.id;
    if (field === 'arn') return who.arn;
    if (field === 'ownerId' || field === 'accountId') return CONVERGE_ACCOUNT_ID;
    if (field === 'arnSuffix')
      return `${desired.kind === 'LB' ? 'app' : 'targetgroup'}/${who.name}/${digest(seed, 16)}`;
    if (field === 'executionArn') return `arn:aws:execute-api:${who.region}:${CONVERGE_ACCOUNT_ID}:${who.id}`;
    if (/Arn$/.test(field)) return `${who.arn}/${field.replace(/Arn$/, '')}`;
    if (field === 'dnsName')
      return `${who.name}-${parseInt(digest(seed, 8), 16)}.${who.region}.elb.amazonaws.com`;
    if (field === 'endpoint' && typeof enginePorts[String(forProvider.engine)] === 'number')
      return `${host}:${enginePorts[String(forProvider.engine)]}`;
    if (field === 'endpoint' || field === 'address' || field === 'readerEndpoint') return host;
    if (field === 'invokeUrl')
      return `https://${who.id}.execute-api.${who.region}.amazonaws.com/${String(forProvider.stageName ?? '')}`;
    if (/[uU]rl$/.test(field)) return `https://${host}/`;
    if (/^(hostedZoneId|zoneId)$/.test(field)) return `Z${digest(seed, 13).toUpperCase()}`;
    if (/Id$/.test(field)) return `${field.replace(/Id$/, '').toLowerCase()}-0${digest(seed, 16)}`;
    if (field === 'status') return 'available';
    if (field === 'resourceRecordName')
      return `_${digest(seed, 32)}.${String(forProvider.domainName ?? who.name)}.`;
    if (field === 'resourceRecordValue') return `_${digest(`${seed}/v`, 32)}.acm-validations.aws.`;
    if (field === 'resourceRecordType') return 'CNAME';
    return `${field}-${digest(seed, 8)}`;
  }
  if (schema.type === 'integer' || schema.type === 'number')
    return field === 'port' ? (enginePorts[String(forProvider.engine)] ?? 443) : 1;
  if (depth > 0) return undefined;
  const items = schema.items && !Array.isArray(schema.items) ? (schema.items as JSONSchemaProps) : undefined;
  if (schema.type === 'array' && items?.type === 'object' && items.properties) {
    const element: JsonObject = {};
    for (const [k, s] of Object.entries(items.properties)) {
      const v = computedValue(k, s, who, desired, depth + 1);
      if (v !== undefined) element[k] = v;
    }
    return [element];
  }
  return undefined;
}

function atProviderSchemas(desired: Unstructured): {
  atProvider: Record<string, JSONSchemaProps>;
  forProvider: Record<string, JSONSchemaProps>;
} {
  let schema: JSONSchemaProps | undefined;
  try {
    schema = crdIndex().get(desired.apiVersion ?? '', desired.kind ?? '')?.schema;
  } catch {
    schema = undefined;
  }
  const spec = schema?.properties?.spec?.properties?.forProvider?.properties ?? {};
  const status = schema?.properties?.status?.properties?.atProvider?.properties ?? {};
  return { atProvider: status, forProvider: spec };
}

/** `vpcIdSelector` → `vpcId`, `subnetIdsSelector` → `subnetIds`, `bucketSelector` → `bucket`. */
function resolvedField(selectorKey: string): string {
  return selectorKey.replace(/Selector$/, '');
}

function resolveSelectors(forProvider: JsonObject, byLabel: Map<string, Identity>): void {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isObject(node)) return;
    for (const [k, v] of Object.entries(node)) {
      if (/Selector$/.test(k) && isObject(v) && isObject(v.matchLabels)) {
        const target = byLabel.get(String(v.matchLabels['envstack.dev/resource'] ?? ''));
        const field = resolvedField(k);
        if (!target || field in node) continue;
        const value = /Arns?$/.test(field) ? target.arn : target.id;
        node[field] = /s$/.test(field) && !/Address$/.test(field) ? [value] : value;
      } else visit(v);
    }
  };
  visit(forProvider);
}

/**
 * The object a provider would report for a desired composed resource once AWS has created it.
 * `previous` keeps the name Kubernetes generated the first time.
 */
export function synthesizeObserved(
  desired: Unstructured,
  siblings: Map<string, Identity>,
  previous?: Unstructured,
): Unstructured {
  const name = resourceName(desired);
  const observed = cloneJson(desired);
  const meta = (observed.metadata ??= {});
  if (!meta.name) {
    meta.name = previous?.metadata?.name ?? `${meta.generateName ?? ''}${digest(`name/${name}`, 5)}`;
  }
  const who = siblings.get(name) ?? identityOf(desired, name);
  meta.annotations = { ...(meta.annotations ?? {}), [EXTERNAL_NAME]: who.id };
  const spec = (observed.spec ??= {});
  const forProvider = isObject(spec.forProvider) ? spec.forProvider : {};
  resolveSelectors(forProvider, siblings);
  const schemas = atProviderSchemas(desired);
  const atProvider: JsonObject = {};
  for (const [k, v] of Object.entries(forProvider)) {
    if (/(Ref|Refs|Selector)$/.test(k)) continue;
    if (Object.keys(schemas.atProvider).length === 0 || k in schemas.atProvider) atProvider[k] = cloneJson(v);
  }
  if (isObject(forProvider.tags)) atProvider.tagsAll = cloneJson(forProvider.tags);
  for (const [k, s] of Object.entries(schemas.atProvider)) {
    if (k in atProvider || k in schemas.forProvider) continue;
    const v = computedValue(k, s, who, desired, 0);
    if (v !== undefined) atProvider[k] = v;
  }
  if (!('id' in atProvider)) atProvider.id = who.id;
  if (!('arn' in atProvider) && Object.keys(schemas.atProvider).length === 0) atProvider.arn = who.arn;
  observed.status = {
    atProvider,
    conditions: [
      { type: 'Ready', status: 'True', reason: 'Available', lastTransitionTime: '2024-01-01T00:00:00Z' },
      {
        type: 'Synced',
        status: 'True',
        reason: 'ReconcileSuccess',
        lastTransitionTime: '2024-01-01T00:00:00Z',
      },
    ],
  };
  return observed;
}

function mergeStatus(into: JsonObject, from: JsonObject): JsonObject {
  const out = cloneJson(into);
  for (const [k, v] of Object.entries(from)) {
    out[k] = isObject(v) && isObject(out[k]) ? mergeStatus(out[k] as JsonObject, v) : cloneJson(v);
  }
  return out;
}

function stableKey(r: RenderResult): string {
  return JSON.stringify([r.composite, r.composed]);
}

interface CompositionPatches {
  environment: PatchLike[];
  resources: Map<string, PatchLike[]>;
}

function compositionPatches(composition: Unstructured): CompositionPatches {
  const pipeline = Array.isArray(composition.spec?.pipeline) ? composition.spec.pipeline : [];
  const out: CompositionPatches = { environment: [], resources: new Map() };
  for (const step of pipeline) {
    const input = isObject(step) && isObject(step.input) ? step.input : undefined;
    if (!input || input.kind !== 'Resources') continue;
    const sets = new Map<string, PatchLike[]>();
    for (const ps of Array.isArray(input.patchSets) ? input.patchSets : []) {
      if (isObject(ps))
        sets.set(String(ps.name), (Array.isArray(ps.patches) ? ps.patches : []) as PatchLike[]);
    }
    const expand = (patches: PatchLike[]): PatchLike[] =>
      patches.flatMap((p) => (p.type === 'PatchSet' ? (sets.get(p.patchSetName ?? '') ?? []) : [p]));
    const env =
      isObject(input.environment) && Array.isArray(input.environment.patches)
        ? input.environment.patches
        : [];
    out.environment.push(...(env as PatchLike[]));
    for (const r of Array.isArray(input.resources) ? input.resources : []) {
      if (!isObject(r)) continue;
      out.resources.set(String(r.name), expand((Array.isArray(r.patches) ? r.patches : []) as PatchLike[]));
    }
  }
  return out;
}

const sources = (p: PatchLike): string[] =>
  p.fromFieldPath
    ? [p.fromFieldPath]
    : (p.combine?.variables ?? []).flatMap((v) => (v.fromFieldPath ? [v.fromFieldPath] : []));

function unresolvedPatches(
  patches: CompositionPatches,
  xr: Unstructured,
  observed: Map<string, Unstructured>,
): UnresolvedPatch[] {
  const out: UnresolvedPatch[] = [];
  const fromComposite = (resource: string, p: PatchLike): void => {
    for (const from of sources(p)) {
      if (from.startsWith('status.') && readFieldPath(xr, from) === undefined)
        out.push({
          resource,
          type: p.type ?? '',
          fromFieldPath: from,
          toFieldPath: p.toFieldPath ?? '',
          source: 'composite',
        });
    }
  };
  for (const p of patches.environment) {
    if (p.type === 'FromCompositeFieldPath' || p.type === 'CombineFromComposite')
      fromComposite('(environment)', p);
  }
  for (const [name, list] of patches.resources) {
    const obs = observed.get(name);
    if (!obs) continue;
    for (const p of list) {
      if (p.type === 'ToCompositeFieldPath' || p.type === 'CombineToComposite') {
        for (const from of sources(p)) {
          if (readFieldPath(obs, from) === undefined)
            out.push({
              resource: name,
              type: p.type,
              fromFieldPath: from,
              toFieldPath: p.toFieldPath ?? '',
              source: 'composed',
            });
        }
      } else if (p.type === 'FromCompositeFieldPath' || p.type === 'CombineFromComposite') {
        // Another source for the same field (the claim's value, another status) is a choice, not a wait.
        const alternative = list.some(
          (q) =>
            q !== p &&
            q.toFieldPath === p.toFieldPath &&
            (q.type === 'FromCompositeFieldPath' || q.type === 'CombineFromComposite') &&
            sources(q).every((f) => readFieldPath(xr, f) !== undefined),
        );
        if (!alternative) fromComposite(name, p);
      }
    }
  }
  return out;
}

/** Renders `input.claim` again and again with synthesized observed state until the output is stable. */
export async function convergeClaim(input: ConvergeInput): Promise<ConvergeResult> {
  const maxRounds = input.maxRounds ?? 10;
  const composition = input.composition ?? (await loadComposition(input.flavor, input.group));
  const base = input.xr ? cloneJson(input.xr) : claimToXr(input.claim, { flavor: input.flavor, group: input.group });
  let readiness: Record<string, Ready> = {};
  const functions: Record<string, CompositionFunction> = {};
  for (const [name, fn] of Object.entries(defaultFunctions())) {
    functions[name] = (req) => {
      const rsp = fn(req);
      readiness = Object.fromEntries(
        Object.entries(rsp.desired.resources).map(([k, r]) => [k, r.ready ?? 'READY_UNSPECIFIED']),
      );
      return rsp;
    };
  }

  let xr = cloneJson(base);
  let observedByName = new Map<string, Unstructured>();
  let result = render({ composite: xr, composition, observed: [], functions });
  const history: string[][] = [result.composed.map(resourceName)];
  let converged = false;
  let rounds = 1;
  for (; rounds <= maxRounds;) {
    const identities = new Map<string, Identity>();
    for (const d of result.composed) identities.set(resourceName(d), identityOf(d, resourceName(d)));
    const next = new Map<string, Unstructured>();
    for (const d of result.composed) {
      const name = resourceName(d);
      next.set(name, synthesizeObserved(d, identities, observedByName.get(name)));
    }
    observedByName = next;
    xr = { ...cloneJson(base), status: mergeStatus(xr.status ?? {}, result.composite.status ?? {}) };
    const again = render({ composite: xr, composition, observed: [...next.values()], functions });
    rounds++;
    history.push(again.composed.map(resourceName));
    const stable = stableKey(again) === stableKey(result);
    result = again;
    if (stable) {
      converged = true;
      break;
    }
  }
  const finalXr = { ...cloneJson(base), status: mergeStatus(xr.status ?? {}, result.composite.status ?? {}) };
  const unresolved = unresolvedPatches(compositionPatches(composition), finalXr, observedByName);
  const neverReady = Object.entries(readiness)
    .filter(([, r]) => r !== 'READY_TRUE')
    .map(([k]) => k)
    .sort();
  return {
    result,
    report: { rounds, converged, unresolved, neverReady, history },
    observed: [...observedByName.values()],
  };
}

/** The report as lines for stderr; empty when every patch resolved and everything became ready. */
export function formatConvergeReport(report: ConvergeReport): string[] {
  const lines: string[] = [];
  lines.push(
    report.converged
      ? `converged after ${report.rounds} renders`
      : `did not converge within ${report.rounds} renders: the output still changes`,
  );
  for (const u of report.unresolved) {
    lines.push(
      u.source === 'composed'
        ? `${u.resource}: ${u.type} reads ${u.fromFieldPath}, which the provider never reports (so ${u.toFieldPath} stays empty)`
        : `${u.resource}: ${u.type} reads XR ${u.fromFieldPath}, which no resource ever writes (so ${u.toFieldPath} stays empty)`,
    );
  }
  for (const n of report.neverReady)
    lines.push(`${n}: never becomes ready although the provider reports Ready=True`);
  return lines;
}

/** True when the report shows a problem (no fixpoint, an unresolved patch, a resource never ready). */
export function convergeFailed(report: ConvergeReport): boolean {
  return !report.converged || report.unresolved.length > 0 || report.neverReady.length > 0;
}

export interface ConvergeCliOutput {
  /** The final render, as `crossplane render` prints it. */
  stdout: string;
  /** The report, one line each, for stderr. */
  stderr: string[];
  /** 0 when converged cleanly, 1 otherwise. */
  code: number;
}

/** `envstack render CLAIM --converge [--max-rounds N]`: the converged render and its report. */
export async function renderConverged(
  input: ConvergeInput & { includeFunctionResults?: boolean },
): Promise<ConvergeCliOutput> {
  const { result, report } = await convergeClaim(input);
  return {
    stdout: formatRenderOutput(result, { includeFunctionResults: input.includeFunctionResults }),
    stderr: formatConvergeReport(report),
    code: convergeFailed(report) ? 1 : 0,
  };
}
