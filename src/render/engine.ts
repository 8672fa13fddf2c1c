/**
 * An in-process reproduction of `crossplane render` (crossplane v2.2.1, cmd/crank/render): runs a
 * Pipeline-mode Composition's steps in order and assembles the rendered XR and composed resources.
 */
import type {
  CompositionFunction,
  FnCondition,
  FnResource,
  FnState,
  JsonObject,
  Ready,
  RunFunctionRequest,
  RunFunctionResponse,
  Unstructured,
} from './fnapi.js';
import { type Condition, formatTime, setConditions } from './conditions.js';
import {
  addControllerReference,
  addToStringMap,
  cloneJson,
  getPath,
  getString,
  getStringMap,
  goStringCompare,
  isObject,
  setMetaString,
} from './unstructured.js';

export const ANNOTATION_COMPOSITION_RESOURCE_NAME = 'crossplane.io/composition-resource-name';
export const LABEL_COMPOSITE = 'crossplane.io/composite';
export const LABEL_CLAIM_NAME = 'crossplane.io/claim-name';
export const LABEL_CLAIM_NAMESPACE = 'crossplane.io/claim-namespace';
export const RENDER_API_VERSION = 'render.crossplane.io/v1beta1';

/** render's conditionTime(): every condition it writes carries this instant. */
export const RENDER_CONDITION_TIME = new Date(Date.UTC(2024, 0, 1, 0, 0, 0));

export interface RenderInput {
  composite: Unstructured;
  composition: Unstructured;
  observed?: Unstructured[];
  functions: Record<string, CompositionFunction>;
  /** Initial pipeline context, as `--context-values` / `--context-files` would supply it. */
  context?: JsonObject;
  /** Time stamped on conditions; defaults to render's fixed 2024-01-01T00:00:00Z. */
  clock?: () => Date;
}

export interface RenderResult {
  composite: Unstructured;
  /** Sorted by composition resource name. */
  composed: Unstructured[];
  /** Non-fatal function results as `kind: Result` objects, in pipeline order. */
  results: Unstructured[];
  /** `kind: Context`, or null when the last step returned no context. */
  context: Unstructured | null;
  /** The XR as given, for `--include-full-xr`. */
  input: Unstructured;
}

/** A failure `crossplane render` reports instead of output (its CLI prefixes "cannot render composite resource: "). */
export class RenderError extends Error {
  override name = 'RenderError';
}

interface PipelineStep {
  step: string;
  functionName: string;
  input?: JsonObject;
  secretCredentials: string[];
}

const COMPOSITION_API_VERSION = 'apiextensions.crossplane.io/v1';

function checkInputs(xr: Unstructured, comp: Unstructured): PipelineStep[] {
  const compName = getString(comp, 'metadata', 'name');
  if (comp.apiVersion !== COMPOSITION_API_VERSION || comp.kind !== 'Composition') {
    throw new RenderError(`not a composition: ${comp.kind ?? ''}/${compName}`);
  }
  const ref = getPath(comp, ['spec', 'compositeTypeRef']);
  const refKind = getString(isObject(ref) ? ref : {}, 'kind');
  const refApiVersion = getString(isObject(ref) ? ref : {}, 'apiVersion');
  const xrKind = xr.kind ?? '';
  if (refKind !== xrKind) {
    throw new RenderError(
      `composition's compositeTypeRef.kind (${refKind}) does not match XR's kind (${xrKind})`,
    );
  }
  const xrApiVersion = xr.apiVersion ?? '';
  if (refApiVersion !== xrApiVersion) {
    throw new RenderError(
      `composition's compositeTypeRef.apiVersion (${refApiVersion}) does not match XR's apiVersion (${xrApiVersion})`,
    );
  }
  const selector = getPath(xr, ['spec', 'crossplane', 'compositionSelector', 'matchLabels']);
  if (isObject(selector)) {
    const compLabels = isObject(getPath(comp, ['metadata', 'labels']))
      ? (getPath(comp, ['metadata', 'labels']) as JsonObject)
      : {};
    for (const [key, want] of Object.entries(selector)) {
      if (!(key in compLabels)) {
        throw new RenderError(`composition "${compName}" is missing required label "${key}"`);
      }
      if (compLabels[key] !== want) {
        throw new RenderError(
          `composition "${compName}" has incorrect value for label "${key}": want "${String(want)}", got "${String(compLabels[key])}"`,
        );
      }
    }
  }
  if (getPath(comp, ['spec', 'mode']) !== 'Pipeline') {
    throw new RenderError(
      `render only supports Composition Function pipelines: Composition "${compName}" must use spec.mode: Pipeline`,
    );
  }
  const pipeline = getPath(comp, ['spec', 'pipeline']);
  return (Array.isArray(pipeline) ? pipeline : []).filter(isObject).map((s) => ({
    step: getString(s, 'step'),
    functionName: getString(s, 'functionRef', 'name'),
    input: isObject(s.input) ? s.input : undefined,
    secretCredentials: (Array.isArray(s.credentials) ? s.credentials : [])
      .filter(isObject)
      .filter((c) => c.source === 'Secret' && isObject(c.secretRef))
      .map((c) => getString(c, 'secretRef', 'name')),
  }));
}

const READY_VALUES: ReadonlySet<string> = new Set(['READY_UNSPECIFIED', 'READY_TRUE', 'READY_FALSE']);

function normalizeResource(r: FnResource | undefined): FnResource {
  const out: FnResource = { resource: isObject(r?.resource) ? cloneJson(r.resource) : {} };
  if (r?.connectionDetails && Object.keys(r.connectionDetails).length > 0) {
    out.connectionDetails = { ...r.connectionDetails };
  }
  out.ready = r?.ready && READY_VALUES.has(r.ready) ? r.ready : 'READY_UNSPECIFIED';
  return out;
}

/** What a State looks like after crossing the gRPC boundary. */
function normalizeState(s: FnState | undefined): FnState {
  const out: FnState = { resources: {} };
  if (s?.composite) out.composite = normalizeResource(s.composite);
  for (const [name, r] of Object.entries(s?.resources ?? {})) out.resources[name] = normalizeResource(r);
  return out;
}

function conditionStatus(s: FnCondition['status'] | undefined): string {
  if (s === 'STATUS_CONDITION_TRUE') return 'True';
  if (s === 'STATUS_CONDITION_FALSE') return 'False';
  return 'Unknown';
}

const SYSTEM_CONDITION_TYPES: ReadonlySet<string> = new Set(['Ready', 'Synced', 'Healthy']);

/** resource.StableNAndSomeMore(3, names). */
export function stableNAndSomeMore(names: string[], n = 3): string {
  const sorted = [...names].sort(goStringCompare);
  if (sorted.length > n) return `${sorted.slice(0, n).join(', ')}, and ${sorted.length - n} more`;
  if (sorted.length === n) return `${sorted.slice(0, n - 1).join(', ')}, and ${sorted[n - 1]}`;
  return sorted.join(', ');
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

const frozenInputs = new WeakMap<object, Unstructured>();

/**
 * A step's input is the same (large) object on every render of a Composition: copy and deep-freeze it
 * once instead of copying it per render. Functions must not mutate their request; frozen, they cannot.
 */
function frozenInput(input: JsonObject): Unstructured {
  let frozen = frozenInputs.get(input);
  if (!frozen) {
    frozen = deepFreeze(cloneJson(input)) as Unstructured;
    frozenInputs.set(input, frozen);
  }
  return frozen;
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object') {
    for (const x of Object.values(v)) deepFreeze(x);
    Object.freeze(v);
  }
  return v;
}

export function render(input: RenderInput): RenderResult {
  const clock = input.clock ?? (() => RENDER_CONDITION_TIME);
  const xrIn = input.composite;
  const steps = checkInputs(xrIn, input.composition);

  const observedByName = new Map<string, Unstructured>();
  const observedState: FnState = { composite: normalizeResource({ resource: xrIn }), resources: {} };
  for (const o of input.observed ?? []) {
    const name = getStringMap(o, 'annotations')?.[ANNOTATION_COMPOSITION_RESOURCE_NAME] ?? '';
    observedByName.set(name, o);
    observedState.resources[name] = normalizeResource({ resource: o });
  }

  let desired: FnState = { resources: {} };
  let fctx: JsonObject | undefined = cloneJson(input.context ?? {});
  const results: Unstructured[] = [];
  const conditions: Condition[] = [];

  for (const s of steps) {
    for (const secret of s.secretCredentials) {
      throw new RenderError(`cannot get credentials from secret "${secret}": secret "${secret}" not found`);
    }
    const fn = input.functions[s.functionName];
    if (!fn) {
      throw new RenderError(
        `cannot run pipeline step "${s.step}": unknown Function "${s.functionName}" - does it exist in your Functions file?`,
      );
    }
    const req: RunFunctionRequest = { observed: cloneJson(observedState), desired: cloneJson(desired) };
    if (fctx !== undefined) req.context = cloneJson(fctx);
    if (s.input !== undefined) req.input = frozenInput(s.input);

    let rsp: RunFunctionResponse;
    try {
      rsp = fn(req);
    } catch (e) {
      throw new RenderError(`cannot run pipeline step "${s.step}": ${errorText(e)}`);
    }

    desired = normalizeState(rsp.desired);
    fctx = rsp.context === undefined ? undefined : cloneJson(rsp.context);

    for (const c of rsp.conditions ?? []) {
      conditions.push({
        type: c.type,
        status: conditionStatus(c.status),
        lastTransitionTime: formatTime(clock()),
        reason: c.reason,
        ...(c.message ? { message: c.message } : {}),
      });
    }
    for (const r of rsp.results ?? []) {
      if (r.severity === 'SEVERITY_FATAL') {
        throw new RenderError(`pipeline step "${s.step}" returned a fatal result: ${r.message}`);
      }
      results.push({
        apiVersion: RENDER_API_VERSION,
        kind: 'Result',
        step: s.step,
        severity: r.severity ?? 'SEVERITY_UNSPECIFIED',
        message: r.message ?? '',
      });
    }
  }

  const unready: string[] = [];
  const composed: Unstructured[] = [];
  for (const [name, dr] of Object.entries(desired.resources)) {
    if (dr.ready !== 'READY_TRUE') unready.push(name);
    const cd = cloneJson(dr.resource);
    const or = observedByName.get(name);
    if (or) {
      setMetaString(cd, 'namespace', getString(or, 'metadata', 'namespace'));
      setMetaString(cd, 'name', getString(or, 'metadata', 'name'));
      setMetaString(cd, 'generateName', getString(or, 'metadata', 'generateName'));
    }
    try {
      setComposedResourceMetadata(cd, xrIn, name);
    } catch (e) {
      throw new RenderError(
        `cannot render composed resource "${name}" metadata: cannot set composite resource "${getString(xrIn, 'metadata', 'name')}" as controller ref of composed resource: ${errorText(e)}`,
      );
    }
    composed.push(cd);
  }
  composed.sort((a, b) =>
    goStringCompare(
      getStringMap(a, 'annotations')?.[ANNOTATION_COMPOSITION_RESOURCE_NAME] ?? '',
      getStringMap(b, 'annotations')?.[ANNOTATION_COMPOSITION_RESOURCE_NAME] ?? '',
    ),
  );

  const xr: Unstructured = cloneJson(desired.composite?.resource ?? {});
  xr.apiVersion = xrIn.apiVersion ?? '';
  xr.kind = xrIn.kind ?? '';
  setMetaString(xr, 'name', getString(xrIn, 'metadata', 'name'));
  setMetaString(xr, 'namespace', getString(xrIn, 'metadata', 'namespace'));

  const xrReady: Ready = desired.composite?.ready ?? 'READY_UNSPECIFIED';
  const ready: Condition = {
    type: 'Ready',
    status: 'True',
    lastTransitionTime: formatTime(clock()),
    reason: 'Available',
  };
  if (xrReady === 'READY_FALSE') {
    ready.status = 'False';
    ready.reason = 'Creating';
  } else if (xrReady === 'READY_UNSPECIFIED' && unready.length > 0) {
    ready.status = 'False';
    ready.reason = 'Creating';
    ready.message = `Unready resources: ${stableNAndSomeMore(unready)}`;
  }
  setConditions(xr, ready);
  for (const c of conditions) {
    if (!SYSTEM_CONDITION_TYPES.has(c.type)) setConditions(xr, c);
  }

  return {
    composite: xr,
    composed,
    results,
    context:
      fctx === undefined
        ? null
        : {
            apiVersion: RENDER_API_VERSION,
            kind: 'Context',
            fields: Object.keys(fctx).length > 0 ? fctx : null,
          },
    input: xrIn,
  };
}

/** render.SetComposedResourceMetadata. */
export function setComposedResourceMetadata(cd: Unstructured, xr: Unstructured, name: string): void {
  const xrLabels = getStringMap(xr, 'labels') ?? {};
  const prefix = xrLabels[LABEL_COMPOSITE] || getString(xr, 'metadata', 'name');
  if (getString(cd, 'metadata', 'name') === '' && getString(cd, 'metadata', 'generateName') === '') {
    setMetaString(cd, 'generateName', `${prefix}-`);
  }
  const ns = getString(xr, 'metadata', 'namespace');
  if (ns !== '') setMetaString(cd, 'namespace', ns);
  addToStringMap(cd, 'annotations', { [ANNOTATION_COMPOSITION_RESOURCE_NAME]: name });
  addToStringMap(cd, 'labels', { [LABEL_COMPOSITE]: prefix });
  if (xrLabels[LABEL_CLAIM_NAME] && xrLabels[LABEL_CLAIM_NAMESPACE]) {
    addToStringMap(cd, 'labels', {
      [LABEL_CLAIM_NAMESPACE]: xrLabels[LABEL_CLAIM_NAMESPACE],
      [LABEL_CLAIM_NAME]: xrLabels[LABEL_CLAIM_NAME],
    });
  }
  addControllerReference(cd, {
    apiVersion: xr.apiVersion ?? '',
    kind: xr.kind ?? '',
    name: getString(xr, 'metadata', 'name'),
    uid: getString(xr, 'metadata', 'uid'),
    controller: true,
    blockOwnerDeletion: true,
  });
}
