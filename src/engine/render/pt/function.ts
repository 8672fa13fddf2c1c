import type {
  CompositionFunction,
  FnResource,
  FnResult,
  Ready,
  RunFunctionRequest,
  RunFunctionResponse,
} from '../fnapi.js';
import { handOver, isDeepFrozen, readsObservedOnly } from '../unstructured.js';
import { GoError, asGoError, isNotFound, wrap } from './errors.js';
import {
  composeConnectionSecret,
  extractConnectionDetails,
  supportsConnectionDetails,
} from './connection.js';
import { goQuote } from './gofmt.js';
import {
  deepCopy,
  fromJson,
  isGoMap,
  roundTripPreserveInts,
  setKey,
  toJson,
  toJsonChecked,
  type GoMap,
} from './govalue.js';
import { decodeResources, fromPolicy, patchType, type ComposedTemplate, type Resources } from './input.js';
import {
  applyComposedPatch,
  applyEnvironmentPatch,
  composedTemplates,
  toComposedResource,
  type Holder,
} from './patches.js';
import { isReady } from './ready.js';
import { validateResources } from './validate.js';

/** The function context key holding the Composition environment. */
export const ENVIRONMENT_CONTEXT_KEY = 'apiextensions.crossplane.io/environment';

const INTERNAL_ENV_API_VERSION = 'internal.crossplane.io/v1alpha1';
const INTERNAL_ENV_KIND = 'Environment';

function str(o: GoMap, ...path: string[]): string {
  let cur: unknown = o;
  for (const k of path) {
    if (!isGoMap(cur)) return '';
    cur = cur[k];
  }
  return typeof cur === 'string' ? cur : '';
}

/** unstructured.SetName / SetNamespace: an empty value removes the field. Copies what it changes. */
function setMeta(h: Holder, field: 'name' | 'namespace', value: string): void {
  const md = h.obj.metadata;
  if (value === '') {
    if (isGoMap(md)) {
      const m = { ...md };
      delete m[field];
      h.obj = { ...h.obj, metadata: m };
    }
    return;
  }
  if (md === undefined || md === null) {
    h.obj = { ...h.obj, metadata: { [field]: value } };
  } else if (isGoMap(md)) {
    const m = { ...md };
    setKey(m, field, value);
    h.obj = { ...h.obj, metadata: m };
  }
}

function asObject(v: unknown): GoMap {
  const g = fromJson(v);
  return isGoMap(g) ? g : {};
}

interface Desired {
  resource: GoMap;
  ready: Ready;
}

/** The Function input decoded, validated and with PatchSets resolved; or the fatal message of a step. */
interface PreparedInput {
  fatal?: string;
  input?: Resources;
  /** Set when resolving PatchSets fails (reported after the request's state is read, as before). */
  ctsFatal?: string;
  cts?: ComposedTemplate[];
  /**
   * cts[i].base decoded, once it has been. Shared by every render of the template: a holder marked
   * `decoded` never writes into what it does not own (patches and setMeta copy what they write).
   */
  bases?: (GoMap | undefined)[];
}

/**
 * A Composition's step input is one deep-frozen object on every render (the engine freezes it): decode,
 * validate and resolve it once. Nothing downstream modifies the decoded input.
 */
const preparedInputs = new WeakMap<object, PreparedInput>();

function prepareInput(raw: RunFunctionRequest['input']): PreparedInput {
  const cacheable = isDeepFrozen(raw);
  if (cacheable) {
    const hit = preparedInputs.get(raw as object);
    if (hit) return hit;
  }
  const prepared = decodeAndResolve(raw);
  if (cacheable) preparedInputs.set(raw as object, prepared);
  return prepared;
}

function decodeAndResolve(raw: RunFunctionRequest['input']): PreparedInput {
  let input: Resources;
  try {
    input = decodeResources(raw ?? {}, isDeepFrozen(raw));
  } catch (e) {
    return {
      fatal: wrap(
        wrap(
          wrap(e, 'cannot unmarshal JSON from *structpb.Struct into *v1beta1.Resources'),
          'cannot get function input *v1beta1.Resources from *v1.RunFunctionRequest',
        ),
        'cannot get Function input',
      ).message,
    };
  }
  const verr = validateResources(input);
  if (verr) return { fatal: wrap(verr, 'invalid Function input').message };
  try {
    const cts = composedTemplates(input);
    return { input, cts, bases: new Array<GoMap | undefined>(cts.length) };
  } catch (e) {
    return { input, ctsFatal: wrap(e, 'cannot resolve PatchSets').message };
  }
}

function run(req: RunFunctionRequest, rsp: RunFunctionResponse): void {
  const fatal = (err: unknown): void => {
    rsp.results.push({
      severity: 'SEVERITY_FATAL',
      message: asGoError(err).message,
      target: 'TARGET_COMPOSITE',
    });
  };
  const warning = (err: unknown): void => {
    rsp.results.push({
      severity: 'SEVERITY_WARNING',
      message: asGoError(err).message,
      target: 'TARGET_COMPOSITE',
    });
  };

  const prepared = prepareInput(req.input);
  if (prepared.fatal !== undefined) {
    fatal(prepared.fatal);
    return;
  }
  const input = prepared.input as Resources;

  const oxr = asObject(req.observed.composite?.resource ?? {});
  const dxr: Holder = { obj: asObject(req.desired.composite?.resource ?? {}) };
  const dxrConn: Record<string, string> = { ...(req.desired.composite?.connectionDetails ?? {}) };
  dxr.obj.apiVersion = str(oxr, 'apiVersion');
  dxr.obj.kind = str(oxr, 'kind');

  const observed = new Map<string, { resource: GoMap; connectionDetails: Record<string, string> }>();
  for (const [name, r] of Object.entries(req.observed.resources ?? {})) {
    observed.set(name, { resource: asObject(r.resource), connectionDetails: r.connectionDetails ?? {} });
  }
  const desired = new Map<string, Desired>();
  for (const [name, r] of Object.entries(req.desired.resources ?? {})) {
    desired.set(name, { resource: asObject(r.resource), ready: r.ready ?? 'READY_UNSPECIFIED' });
  }

  if (prepared.ctsFatal !== undefined) {
    fatal(prepared.ctsFatal);
    return;
  }
  const cts = prepared.cts as ComposedTemplate[];
  const bases = prepared.bases as (GoMap | undefined)[];

  const env: Holder = { obj: {} };
  const ctxEnv = req.context?.[ENVIRONMENT_CONTEXT_KEY];
  // A context value that is not a Struct decodes as an empty environment.
  if (ctxEnv !== undefined) env.obj = asObject(ctxEnv);
  if (str(env.obj, 'kind') === '' && str(env.obj, 'apiVersion') === '') {
    env.obj.apiVersion = INTERNAL_ENV_API_VERSION;
    env.obj.kind = INTERNAL_ENV_KIND;
  }

  if (input.environment) {
    for (const [i, p] of input.environment.patches.entries()) {
      try {
        applyEnvironmentPatch(p, env, oxr, dxr);
      } catch (e) {
        if (isNotFound(e) && fromPolicy(p) === 'Optional') continue;
        fatal(wrap(e, `cannot apply the ${goQuote(patchType(p))} environment patch at index ${i}`));
        return;
      }
    }
  }

  let skipped = 0;
  for (let ti = 0; ti < cts.length; ti++) {
    const t = cts[ti];
    let dcd: Holder;
    let ready: Ready = 'READY_UNSPECIFIED';
    if (t.base === undefined) {
      const prev = desired.get(t.name);
      if (prev === undefined) {
        fatal(
          new GoError(
            `composed resource ${goQuote(t.name)} has no base template, and was not produced by a previous Function in the pipeline`,
          ),
        );
        return;
      }
      dcd = { obj: deepCopy(prev.resource) as GoMap };
    } else {
      const cached = bases[ti];
      if (cached !== undefined) {
        dcd = { obj: cached, decoded: true };
      } else {
        const base = roundTripPreserveInts(t.base);
        if (!isGoMap(base)) {
          fatal(
            new GoError(
              `cannot parse base template of composed resource ${goQuote(t.name)}: json: cannot unmarshal ${Array.isArray(base) ? 'array' : typeof base} into Go value of type map[string]interface {}`,
            ),
          );
          return;
        }
        if (str(base, 'kind') === '') {
          fatal(
            new GoError(
              `cannot parse base template of composed resource ${goQuote(t.name)}: Object 'Kind' is missing in '${JSON.stringify(toJson(t.base))}'`,
            ),
          );
          return;
        }
        bases[ti] = base;
        dcd = { obj: base, decoded: true };
      }
    }

    const ocd = observed.get(t.name);
    if (ocd !== undefined) {
      setMeta(dcd, 'namespace', str(ocd.resource, 'metadata', 'namespace'));
      setMeta(dcd, 'name', str(ocd.resource, 'metadata', 'name'));
      try {
        Object.assign(
          dxrConn,
          extractConnectionDetails(ocd.resource, ocd.connectionDetails, t.connectionDetails),
        );
      } catch (e) {
        warning(
          wrap(
            e,
            `cannot extract composite resource connection details from composed resource ${goQuote(t.name)}`,
          ),
        );
      }
      let ok = false;
      try {
        ok = isReady(ocd.resource, t.readinessChecks);
      } catch (e) {
        warning(wrap(e, `cannot check readiness of composed resource ${goQuote(t.name)}`));
      }
      if (ok) ready = 'READY_TRUE';
    }

    let skip = false;
    for (let i = 0; i < t.patches.length; i++) {
      const p = t.patches[i];
      try {
        applyComposedPatch(p, ocd?.resource, dcd, oxr, dxr, env);
      } catch (e) {
        if (isNotFound(e)) {
          if (fromPolicy(p) === 'Required') {
            if (toComposedResource(p) && ocd === undefined) {
              warning(
                wrap(
                  e,
                  `not adding new composed resource ${goQuote(t.name)} to desired state because ${goQuote(patchType(p))} patch at index ${i} has 'policy.fromFieldPath: Required'`,
                ),
              );
              skip = true;
              break;
            }
            warning(
              wrap(
                e,
                `cannot render composed resource ${goQuote(t.name)} ${goQuote(patchType(p))} patch at index ${i}: ignoring 'policy.fromFieldPath: Required' because 'to' resource already exists`,
              ),
            );
          }
          continue;
        }
        fatal(
          wrap(
            e,
            `cannot render composed resource ${goQuote(t.name)} ${goQuote(patchType(p))} patch at index ${i}`,
          ),
        );
        return;
      }
    }
    if (skip) {
      skipped++;
      continue;
    }
    desired.set(t.name, { resource: dcd.obj, ready });
  }

  if (!supportsConnectionDetails(oxr) && Object.keys(dxrConn).length > 0) {
    let secret: GoMap;
    try {
      secret = composeConnectionSecret(oxr, dxrConn, input.writeConnectionSecretToRef);
    } catch (e) {
      fatal(wrap(e, 'cannot compose connection secret'));
      return;
    }
    desired.set(`${str(oxr, 'metadata', 'name')}-connection-secret`, {
      resource: secret,
      ready: 'READY_TRUE',
    });
  }

  const composite: FnResource = { resource: responseJson(dxr.obj) };
  if (Object.keys(dxrConn).length > 0) composite.connectionDetails = dxrConn;
  if (skipped > 0) composite.ready = 'READY_FALSE';
  const resources: Record<string, FnResource> = {};
  for (const [name, d] of desired) {
    resources[name] = { resource: responseJson(d.resource) };
    if (d.ready !== 'READY_UNSPECIFIED') resources[name].ready = d.ready;
  }
  rsp.desired = { composite, resources };
  rsp.context = { ...(rsp.context ?? {}), [ENVIRONMENT_CONTEXT_KEY]: toJson(env.obj) };
}

/** A resource for the response: fresh, and (unless cloneJson would change it) render need not copy it. */
function responseJson(v: GoMap): FnResource['resource'] {
  const { json, plain } = toJsonChecked(v);
  const resource = json as FnResource['resource'];
  if (plain) handOver(patchAndTransform, resource);
  return resource;
}

/** function-patch-and-transform's RunFunction for a pt.fn.crossplane.io/v1beta1 Resources input. */
export const patchAndTransform: CompositionFunction = (req) => {
  const results: FnResult[] = [];
  const rsp: RunFunctionResponse = {
    meta: { ...(req.meta?.tag !== undefined ? { tag: req.meta.tag } : {}), ttl: '60s' },
    // Replaced unless the function stops early; then a copy of the request's (see below).
    desired: req.desired,
    results,
    ...(req.context !== undefined ? { context: structuredClone(req.context) } : {}),
  };
  run(req, rsp);
  if (rsp.desired === req.desired) rsp.desired = structuredClone(req.desired);
  return rsp;
};

// It only reads the observed state it is given.
readsObservedOnly(patchAndTransform);
