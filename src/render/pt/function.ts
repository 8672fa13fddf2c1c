import type {
  CompositionFunction,
  FnResource,
  FnResult,
  Ready,
  RunFunctionRequest,
  RunFunctionResponse,
} from '../fnapi.js';
import { GoError, asGoError, isNotFound, wrap } from './errors.js';
import {
  composeConnectionSecret,
  extractConnectionDetails,
  supportsConnectionDetails,
} from './connection.js';
import { goQuote } from './gofmt.js';
import { deepCopy, fromJson, isGoMap, roundTripPreserveInts, setKey, toJson, type GoMap } from './govalue.js';
import { decodeResources, fromPolicy, patchType, type Resources } from './input.js';
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

/** unstructured.SetName / SetNamespace: an empty value removes the field. */
function setMeta(o: GoMap, field: 'name' | 'namespace', value: string): void {
  const md = o.metadata;
  if (value === '') {
    if (isGoMap(md)) delete md[field];
    return;
  }
  if (md === undefined || md === null) {
    o.metadata = { [field]: value };
  } else if (isGoMap(md)) {
    setKey(md, field, value);
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

  let input: Resources;
  try {
    input = decodeResources(req.input ?? {});
  } catch (e) {
    fatal(
      wrap(
        wrap(
          wrap(e, 'cannot unmarshal JSON from *structpb.Struct into *v1beta1.Resources'),
          'cannot get function input *v1beta1.Resources from *v1.RunFunctionRequest',
        ),
        'cannot get Function input',
      ),
    );
    return;
  }
  const verr = validateResources(input);
  if (verr) {
    fatal(wrap(verr, 'invalid Function input'));
    return;
  }

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

  let cts;
  try {
    cts = composedTemplates(input);
  } catch (e) {
    fatal(wrap(e, 'cannot resolve PatchSets'));
    return;
  }

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
  for (const t of cts) {
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
      dcd = { obj: base };
    }

    const ocd = observed.get(t.name);
    if (ocd !== undefined) {
      setMeta(dcd.obj, 'namespace', str(ocd.resource, 'metadata', 'namespace'));
      setMeta(dcd.obj, 'name', str(ocd.resource, 'metadata', 'name'));
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
    for (const [i, p] of t.patches.entries()) {
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

  const composite: FnResource = { resource: toJson(dxr.obj) as FnResource['resource'] };
  if (Object.keys(dxrConn).length > 0) composite.connectionDetails = dxrConn;
  if (skipped > 0) composite.ready = 'READY_FALSE';
  const resources: Record<string, FnResource> = {};
  for (const [name, d] of desired) {
    resources[name] = { resource: toJson(d.resource) as FnResource['resource'] };
    if (d.ready !== 'READY_UNSPECIFIED') resources[name].ready = d.ready;
  }
  rsp.desired = { composite, resources };
  rsp.context = { ...(rsp.context ?? {}), [ENVIRONMENT_CONTEXT_KEY]: toJson(env.obj) };
}

/** function-patch-and-transform's RunFunction for a pt.fn.crossplane.io/v1beta1 Resources input. */
export const patchAndTransform: CompositionFunction = (req) => {
  const results: FnResult[] = [];
  const rsp: RunFunctionResponse = {
    meta: { ...(req.meta?.tag !== undefined ? { tag: req.meta.tag } : {}), ttl: '60s' },
    desired: structuredClone(req.desired),
    results,
    ...(req.context !== undefined ? { context: structuredClone(req.context) } : {}),
  };
  run(req, rsp);
  return rsp;
};
