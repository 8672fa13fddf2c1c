/**
 * `render --converge`: play the cloud. Each round turns every composed resource into the object the
 * provider would report once it exists (name, external name, `status.atProvider`, Ready/Synced),
 * hands the XR back the status the previous round wrote, and renders again, until the output stops
 * changing. What is still missing then is a patch waiting on a value that never appears.
 */
import { createHash } from 'node:crypto';
import type { Flavor } from '../compose/flavor.js';
import { claimToXr } from './claim.js';
import {
  ANNOTATION_COMPOSITION_RESOURCE_NAME,
  render,
  type RenderResult,
  type CompositionFunction,
  type Ready,
  formatRenderOutput,
  defaultFunctions,
  parseFieldPath,
  type FieldPathSegment,
} from '../../engine/index.js';
import { type JsonObject, type Unstructured, cloneJson, isObject } from '../../core/json.js';
import { loadComposition } from './service.js';
import { ACCOUNT_ID, identityOf, providerShaped, type Identity } from './provider-shape.js';

export { identityOf, type Identity } from './provider-shape.js';
export const CONVERGE_ACCOUNT_ID = ACCOUNT_ID;

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
  let segments: FieldPathSegment[];
  try {
    segments = parseFieldPath(path);
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

/**
 * The object a provider would report for a desired composed resource once AWS has created it (the
 * model in provider-shape.ts). `previous` keeps the name Kubernetes generated the first time.
 */
export function synthesizeObserved(
  desired: Unstructured,
  siblings: Map<string, Identity>,
  previous?: Unstructured,
): Unstructured {
  const name = resourceName(desired);
  const named = cloneJson(desired);
  const meta = (named.metadata ??= {});
  if (!meta.name) {
    meta.name = previous?.metadata?.name ?? `${meta.generateName ?? ''}${digest(`name/${name}`, 5)}`;
  }
  return providerShaped(named, { siblings });
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
  const base = input.xr
    ? cloneJson(input.xr)
    : claimToXr(input.claim, { flavor: input.flavor, group: input.group });
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
