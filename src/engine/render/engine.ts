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
  adoptJson,
  cloneJson,
  frozenCloneJson,
  getPath,
  getString,
  getStringMap,
  goStringCompare,
  isObject,
  onlyReadsObserved,
  runStep,
  setMetaString,
  type OwnerReference,
} from './unstructured.js';

export const ANNOTATION_COMPOSITION_RESOURCE_NAME = 'crossplane.io/composition-resource-name';
const LABEL_COMPOSITE = 'crossplane.io/composite';
const LABEL_CLAIM_NAME = 'crossplane.io/claim-name';
const LABEL_CLAIM_NAMESPACE = 'crossplane.io/claim-namespace';
const RENDER_API_VERSION = 'render.crossplane.io/v1beta1';

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

/** A resource as it crosses the gRPC boundary; `copy` makes render's own copy of its body. */
function normalizeResource(r: FnResource | undefined, copy: (v: Unstructured) => Unstructured): FnResource {
  const out: FnResource = { resource: isObject(r?.resource) ? copy(r.resource) : {} };
  if (r?.connectionDetails && Object.keys(r.connectionDetails).length > 0) {
    // As the next request carries them (this state goes to the next function as it is).
    out.connectionDetails = cloneJson(r.connectionDetails);
  }
  out.ready = r?.ready && READY_VALUES.has(r.ready) ? r.ready : 'READY_UNSPECIFIED';
  return out;
}

/** What a State looks like after crossing the gRPC boundary. */
function normalizeState(s: FnState | undefined): FnState {
  const out: FnState = { resources: {} };
  if (s?.composite) out.composite = normalizeResource(s.composite, adoptJson);
  for (const [name, r] of Object.entries(s?.resources ?? {})) {
    // Assigning `__proto__` never made it a key (see cloneJson).
    if (name !== '__proto__') out.resources[name] = normalizeResource(r, adoptJson);
  }
  return out;
}

function conditionStatus(s: FnCondition['status'] | undefined): string {
  if (s === 'STATUS_CONDITION_TRUE') return 'True';
  if (s === 'STATUS_CONDITION_FALSE') return 'False';
  return 'Unknown';
}

const SYSTEM_CONDITION_TYPES: ReadonlySet<string> = new Set(['Ready', 'Synced', 'Healthy']);

/** resource.StableNAndSomeMore(3, names). */
function stableNAndSomeMore(names: string[], n = 3): string {
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
    frozen = frozenCloneJson(input) as Unstructured;
    frozenInputs.set(input, frozen);
  }
  return frozen;
}

export function render(input: RenderInput): RenderResult {
  const clock = input.clock ?? (() => RENDER_CONDITION_TIME);
  const xrIn = input.composite;
  const steps = checkInputs(xrIn, input.composition);

  const observedByName = new Map<string, Unstructured>();
  const observedState: FnState = {
    composite: normalizeResource({ resource: xrIn }, cloneJson),
    resources: {},
  };
  for (const o of input.observed ?? []) {
    const name = getStringMap(o, 'annotations')?.[ANNOTATION_COMPOSITION_RESOURCE_NAME] ?? '';
    observedByName.set(name, o);
    if (name !== '__proto__') observedState.resources[name] = normalizeResource({ resource: o }, cloneJson);
  }

  let frozenObserved: FnState | undefined;
  let desired: FnState = { resources: {} };
  let fctx: JsonObject | undefined = cloneJson(input.context ?? {});
  const results: Unstructured[] = [];
  const conditions: Condition[] = [];

  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    for (const secret of s.secretCredentials) {
      throw new RenderError(`cannot get credentials from secret "${secret}": secret "${secret}" not found`);
    }
    const fn = input.functions[s.functionName];
    if (!fn) {
      throw new RenderError(
        `cannot run pipeline step "${s.step}": unknown Function "${s.functionName}" - does it exist in your Functions file?`,
      );
    }
    // What a function receives is its own: it may modify it without changing what later steps see.
    // The desired state and context are replaced by the function's response, so they need no copy;
    // the observed state is used again by every later step: the built-in functions, which only read
    // it, share one frozen copy, and any other function but the last gets a copy of its own.
    const last = i === steps.length - 1;
    const observed = onlyReadsObserved(fn)
      ? (frozenObserved ??= frozenCloneJson(observedState) as FnState)
      : last
        ? observedState
        : cloneJson(observedState);
    const req: RunFunctionRequest = { observed, desired };
    if (fctx !== undefined) req.context = fctx;
    if (s.input !== undefined) req.input = frozenInput(s.input);

    let rsp: RunFunctionResponse;
    try {
      rsp = runStep(fn, req);
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
  // Each with its composition-resource-name annotation, which setComposedResourceMetadata sets to its name.
  const named: { name: string; cd: Unstructured }[] = [];
  const metadata = composedResourceMetadata(xrIn);
  for (const [name, dr] of Object.entries(desired.resources)) {
    if (dr.ready !== 'READY_TRUE') unready.push(name);
    // The last response, normalized: nothing else holds it.
    const cd = dr.resource;
    const or = observedByName.get(name);
    if (or) {
      setMetaString(cd, 'namespace', getString(or, 'metadata', 'namespace'));
      setMetaString(cd, 'name', getString(or, 'metadata', 'name'));
      setMetaString(cd, 'generateName', getString(or, 'metadata', 'generateName'));
    }
    try {
      applyComposedResourceMetadata(cd, metadata, name);
    } catch (e) {
      throw new RenderError(
        `cannot render composed resource "${name}" metadata: cannot set composite resource "${getString(xrIn, 'metadata', 'name')}" as controller ref of composed resource: ${errorText(e)}`,
      );
    }
    named.push({ name, cd });
  }
  const composed = named.sort((a, b) => goStringCompare(a.name, b.name)).map((n) => n.cd);

  const xr: Unstructured = desired.composite?.resource ?? {};
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

/** What SetComposedResourceMetadata takes from the XR (the same for every composed resource). */
interface ComposedMetadata {
  prefix: string;
  namespace: string;
  claimLabels?: Record<string, string>;
  owner: OwnerReference;
}

function composedResourceMetadata(xr: Unstructured): ComposedMetadata {
  const xrLabels = getStringMap(xr, 'labels') ?? {};
  const prefix = xrLabels[LABEL_COMPOSITE] || getString(xr, 'metadata', 'name');
  return {
    prefix,
    namespace: getString(xr, 'metadata', 'namespace'),
    claimLabels:
      xrLabels[LABEL_CLAIM_NAME] && xrLabels[LABEL_CLAIM_NAMESPACE]
        ? {
            [LABEL_CLAIM_NAMESPACE]: xrLabels[LABEL_CLAIM_NAMESPACE],
            [LABEL_CLAIM_NAME]: xrLabels[LABEL_CLAIM_NAME],
          }
        : undefined,
    owner: {
      apiVersion: xr.apiVersion ?? '',
      kind: xr.kind ?? '',
      name: getString(xr, 'metadata', 'name'),
      uid: getString(xr, 'metadata', 'uid'),
      controller: true,
      blockOwnerDeletion: true,
    },
  };
}

function applyComposedResourceMetadata(cd: Unstructured, m: ComposedMetadata, name: string): void {
  if (getString(cd, 'metadata', 'name') === '' && getString(cd, 'metadata', 'generateName') === '') {
    setMetaString(cd, 'generateName', `${m.prefix}-`);
  }
  if (m.namespace !== '') setMetaString(cd, 'namespace', m.namespace);
  addToStringMap(cd, 'annotations', { [ANNOTATION_COMPOSITION_RESOURCE_NAME]: name });
  addToStringMap(cd, 'labels', { [LABEL_COMPOSITE]: m.prefix });
  if (m.claimLabels) addToStringMap(cd, 'labels', m.claimLabels);
  addControllerReference(cd, m.owner);
}
