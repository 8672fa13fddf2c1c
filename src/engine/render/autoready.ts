/**
 * function-auto-ready v0.7.0 in-process. A desired composed resource with no readiness opinion yet
 * (READY_UNSPECIFIED) that also exists in observed state becomes READY_TRUE when a built-in health check
 * for its kind passes, or else when the observed resource has a Ready=True condition. The desired
 * composite is left alone. The CEL health-check customisations sit behind an alpha feature gate that is
 * off by default, so they are not reproduced.
 */
import type {
  CompositionFunction,
  FnResource,
  JsonObject,
  RunFunctionRequest,
  RunFunctionResponse,
} from './fnapi.js';
import { getConditions } from './conditions.js';
import { healthCheckFor } from './healthchecks.js';
import { goQuote } from './goquote.js';
import { cloneJson, isObject, passOn, readsObservedOnly, responseState } from './unstructured.js';

const INPUT_PREFIX =
  'cannot get Function input from *v1.RunFunctionRequest: cannot get function input *v1beta1.Input from *v1.RunFunctionRequest: cannot unmarshal JSON from *structpb.Struct into *v1beta1.Input';
const INPUT_KEYS = [
  'apiVersion',
  'kind',
  'metadata',
  'ttl',
  'celHealthCheckCustomization',
  'celHealthCheckCustomizationFrom',
];

/** time.ParseDuration's validation, returning its error text or undefined. */
function goDurationError(s: string): string | undefined {
  const q = goQuote(s);
  let rest = s.replace(/^[-+]/, '');
  if (rest === '0') return undefined;
  if (rest === '') return `time: invalid duration ${q}`;
  while (rest !== '') {
    const num = /^([0-9]*)(\.[0-9]*)?/.exec(rest)!;
    if (num[0] === '' || num[0] === '.') return `time: invalid duration ${q}`;
    rest = rest.slice(num[0].length);
    const unit = /^[^0-9.]*/.exec(rest)![0];
    if (unit === '') return `time: missing unit in duration ${q}`;
    if (!['ns', 'us', 'µs', 'μs', 'ms', 's', 'm', 'h'].includes(unit)) {
      return `time: unknown unit ${goQuote(unit)} in duration ${q}`;
    }
    rest = rest.slice(unit.length);
  }
  return undefined;
}

function inputError(input: JsonObject | undefined): string | undefined {
  if (input === undefined) return undefined;
  for (const k of Object.keys(input)) {
    if (!INPUT_KEYS.includes(k)) return `${INPUT_PREFIX}: json: unknown object member name ${goQuote(k)}`;
  }
  if (input.ttl !== undefined && input.ttl !== null && typeof input.ttl !== 'string') {
    return `${INPUT_PREFIX}: json: cannot unmarshal into Go struct field Input.ttl of type string`;
  }
  if (typeof input.ttl === 'string' && input.ttl !== '') {
    const err = goDurationError(input.ttl);
    if (err) return `cannot set ttl: ${err}`;
  }
  return undefined;
}

function observedReady(observed: JsonObject): boolean {
  const check = healthCheckFor(observed);
  if (check && check(observed)) return true;
  return getConditions(observed).find((c) => c.type === 'Ready')?.status === 'True';
}

export const autoReady: CompositionFunction = (req: RunFunctionRequest): RunFunctionResponse => {
  const rsp: RunFunctionResponse = { desired: responseState(req.desired), results: [] };
  if (req.context !== undefined) rsp.context = cloneJson(req.context);
  const err = inputError(req.input);
  if (err) {
    rsp.results.push({ severity: 'SEVERITY_FATAL', message: err, target: 'TARGET_COMPOSITE' });
    return rsp;
  }

  const out: Record<string, FnResource> = {};
  for (const [name, dr] of Object.entries(rsp.desired.resources ?? {})) {
    let ready = dr.ready ?? 'READY_UNSPECIFIED';
    const or = req.observed.resources?.[name]?.resource;
    if (ready === 'READY_UNSPECIFIED' && isObject(or) && observedReady(or)) ready = 'READY_TRUE';
    out[name] = { resource: dr.resource, ready };
    passOn(autoReady, dr.resource);
  }
  passOn(autoReady, rsp.desired.composite?.resource);
  rsp.desired = { ...rsp.desired, resources: out };
  return rsp;
};

// It only reads the observed state it is given.
readsObservedOnly(autoReady);
