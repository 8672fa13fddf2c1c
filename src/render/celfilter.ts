/**
 * function-cel-filter v0.2.0 in-process: drops desired composed resources whose name matches a filter
 * (RE2, anchored ^name$) and whose CEL expression is false. CEL sees the request as cel-go does: the
 * protobuf State messages (observed, desired) and context as google.protobuf.Struct, so JSON numbers
 * are doubles, `ready` is an enum int and connection_details are bytes.
 */
import { Environment } from '@marcbachmann/cel-js';
import { RE2JS } from 're2js';
import type {
  CompositionFunction,
  FnResource,
  FnState,
  JsonObject,
  RunFunctionRequest,
  RunFunctionResponse,
} from './fnapi.js';
import { cloneJson, isObject } from './unstructured.js';
import { goQuote } from './goquote.js';

const STATE_TYPE = 'apiextensions.fn.proto.v1.State';
const RESOURCE_TYPE = 'apiextensions.fn.proto.v1.Resource';
const INPUT_PREFIX =
  'cannot get filters from *v1.RunFunctionRequest: cannot get function input *v1beta1.Filters from *v1.RunFunctionRequest: cannot unmarshal JSON from *structpb.Struct into *v1beta1.Filters';

class ProtoResource {
  constructor(
    readonly resource: JsonObject,
    readonly connection_details: Record<string, Uint8Array>,
    readonly ready: bigint,
  ) {}
}

class ProtoState {
  constructor(
    readonly composite: ProtoResource,
    readonly resources: Record<string, ProtoResource>,
  ) {}
}

const env = new Environment({ unlistedVariablesAreDyn: false })
  .registerType(RESOURCE_TYPE, {
    ctor: ProtoResource,
    fields: { resource: 'map<string, dyn>', connection_details: 'map<string, bytes>', ready: 'int' },
  })
  .registerType(STATE_TYPE, {
    ctor: ProtoState,
    fields: { composite: RESOURCE_TYPE, resources: `map<string, ${RESOURCE_TYPE}>` },
  })
  .registerVariable('observed', STATE_TYPE)
  .registerVariable('desired', STATE_TYPE)
  .registerVariable('context', 'map<string, dyn>');

const READY_ENUM: Record<string, bigint> = { READY_UNSPECIFIED: 0n, READY_TRUE: 1n, READY_FALSE: 2n };

function toProtoResource(r: FnResource | undefined): ProtoResource {
  const details: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(r?.connectionDetails ?? {})) details[k] = Buffer.from(v, 'base64');
  return new ProtoResource(
    isObject(r?.resource) ? r.resource : {},
    details,
    READY_ENUM[r?.ready ?? 'READY_UNSPECIFIED'] ?? 0n,
  );
}

function toProtoState(s: FnState | undefined): ProtoState {
  const resources: Record<string, ProtoResource> = {};
  for (const [name, r] of Object.entries(s?.resources ?? {})) resources[name] = toProtoResource(r);
  return new ProtoState(toProtoResource(s?.composite), resources);
}

interface Filter {
  name: string;
  expression: string;
}

function readFilters(input: unknown): Filter[] | string {
  if (input === undefined) return [];
  if (!isObject(input))
    return `${INPUT_PREFIX}: json: cannot unmarshal into Go value of type v1beta1.Filters`;
  for (const k of Object.keys(input)) {
    if (!['apiVersion', 'kind', 'metadata', 'filters'].includes(k)) {
      return `${INPUT_PREFIX}: json: unknown object member name ${goQuote(k)}`;
    }
  }
  const raw = input.filters;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw))
    return `${INPUT_PREFIX}: json: cannot unmarshal into Go struct field Filters.filters`;
  const out: Filter[] = [];
  for (const f of raw) {
    if (!isObject(f) || (f.name !== undefined && typeof f.name !== 'string')) {
      return `${INPUT_PREFIX}: json: cannot unmarshal into Go struct field Filter.filters.name of type string`;
    }
    if (f.expression !== undefined && typeof f.expression !== 'string') {
      return `${INPUT_PREFIX}: json: cannot unmarshal into Go struct field Filter.filters.expression of type string`;
    }
    out.push({
      name: (f.name as string | undefined) ?? '',
      expression: (f.expression as string | undefined) ?? '',
    });
  }
  return out;
}

/** cel-go's common.Error display: `ERROR: <input>:L:C: msg` plus the source line and a caret. */
function celErrorDisplay(expression: string, offset: number, message: string): string {
  const before = Array.from(expression.slice(0, offset));
  let line = 1;
  let lineStart = 0;
  before.forEach((c, i) => {
    if (c === '\n') {
      line++;
      lineStart = i + 1;
    }
  });
  const col = before.length - lineStart;
  const snippet = Array.from(expression).join('').split('\n')[line - 1].replaceAll('\t', ' ');
  const chars = Array.from(snippet);
  let ind = '';
  for (let i = 0; i < col && i < chars.length; i++)
    ind += chars[i].length > 1 || chars[i].charCodeAt(0) > 0x7f ? '\uff0e' : '.';
  ind += col < chars.length && chars[col].charCodeAt(0) > 0x7f ? '\uff3e' : '^';
  return `ERROR: <input>:${line}:${col + 1}: ${message}\n | ${snippet}\n | ${ind}`;
}

interface CelJsError {
  message: string;
  node?: { pos?: number; op?: string; args?: unknown };
}

function asCelJsError(e: unknown): CelJsError {
  if (e instanceof Error) return e as CelJsError;
  return { message: String(e) };
}

/** cel-go reports a field selection at its '.', an identifier at its start. */
function selectDotOffset(expression: string, pos: number): number {
  let i = pos - 1;
  while (i >= 0 && /\s/.test(expression[i])) i--;
  return i >= 0 && expression[i] === '.' ? i : pos;
}

function translateCheckError(expression: string, err: CelJsError): string {
  const summary = err.message.split('\n')[0];
  const pos = err.node?.pos ?? 0;
  const unknownVar = /^Unknown variable: (.+)$/.exec(summary);
  if (unknownVar) {
    return celErrorDisplay(expression, pos, `undeclared reference to '${unknownVar[1]}' (in container '')`);
  }
  const noKey = /^No such key: (.+)$/.exec(summary);
  if (noKey)
    return celErrorDisplay(expression, selectDotOffset(expression, pos), `undefined field '${noKey[1]}'`);
  return celErrorDisplay(expression, pos, summary);
}

function celGoTypeName(t: string): string {
  return t.replaceAll('<', '(').replaceAll('>', ')');
}

function translateEvalError(err: CelJsError): string {
  const summary = err.message.split('\n')[0];
  const noKey = /^No such key: (.+)$/.exec(summary);
  if (noKey) return `no such key: ${noKey[1]}`;
  if (/^no such overload/.test(summary)) return 'no such overload';
  return summary;
}

type Evaluated = { ok: true; value: boolean } | { ok: false; error: string };

interface NameMatcher {
  test(name: string): boolean;
}

/**
 * Every pattern is compiled by RE2 (function-cel-filter's Go regexp), for its errors. Valid patterns
 * made only of literal name characters, groups and alternation mean the same in RE2 and JavaScript,
 * so they match with the faster native engine.
 */
const SIMPLE_PATTERN = /^\^[A-Za-z0-9_\-|()]*\$$/;

const patterns = new Map<string, NameMatcher>();
function compiledPattern(pattern: string): NameMatcher {
  let re = patterns.get(pattern);
  if (!re) {
    const re2 = RE2JS.compile(pattern);
    re = SIMPLE_PATTERN.test(pattern) ? new RegExp(pattern) : re2;
    if (patterns.size > 10_000) patterns.clear();
    patterns.set(pattern, re);
  }
  return re;
}

type Program = ReturnType<typeof env.parse>;
type Prepared = { ok: true; program: Program } | { ok: false; error: string };

/** Parsing and type-checking depend on the expression alone, so a long-lived process does them once. */
const prepared = new Map<string, Prepared>();

function prepare(expression: string): Prepared {
  let p = prepared.get(expression);
  if (!p) {
    p = compileExpression(expression);
    if (prepared.size > 10_000) prepared.clear();
    prepared.set(expression, p);
  }
  return p;
}

function evaluate(expression: string, vars: Record<string, unknown>): Evaluated {
  const p = prepare(expression);
  if (!p.ok) return p;
  try {
    const v: unknown = p.program(vars);
    return { ok: true, value: v === true };
  } catch (e) {
    return { ok: false, error: `cannot evaluate CEL program: ${translateEvalError(asCelJsError(e))}` };
  }
}

function compileExpression(expression: string): Prepared {
  let parsed: Program;
  try {
    parsed = env.parse(expression);
  } catch (e) {
    const err = asCelJsError(e);
    return {
      ok: false,
      error: `cannot parse expression: ${celErrorDisplay(expression, err.node?.pos ?? 0, `Syntax error: ${err.message.split('\n')[0]}`)}`,
    };
  }
  const checked = parsed.check();
  if (!checked.valid) {
    return {
      ok: false,
      error: `cannot type-check expression: ${translateCheckError(expression, asCelJsError(checked.error))}`,
    };
  }
  if (checked.type !== 'bool') {
    return {
      ok: false,
      error: `expression ${goQuote(expression)} must return a boolean, but will return ${celGoTypeName(checked.type ?? 'dyn')} instead`,
    };
  }
  return { ok: true, program: parsed };
}

function fatal(rsp: RunFunctionResponse, message: string): RunFunctionResponse {
  rsp.results.push({ severity: 'SEVERITY_FATAL', message, target: 'TARGET_COMPOSITE' });
  return rsp;
}

export const celFilter: CompositionFunction = (req: RunFunctionRequest): RunFunctionResponse => {
  const rsp: RunFunctionResponse = { desired: cloneJson(req.desired), results: [] };
  if (req.context !== undefined) rsp.context = cloneJson(req.context);

  const filters = readFilters(req.input);
  if (typeof filters === 'string') return fatal(rsp, filters);

  const vars = {
    observed: toProtoState(req.observed),
    desired: toProtoState(req.desired),
    context: req.context ?? {},
  };
  const regexps: NameMatcher[] = [];
  const include: boolean[] = [];
  for (const [i, f] of filters.entries()) {
    const pattern = `^${f.name}$`;
    try {
      regexps.push(compiledPattern(pattern));
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      return fatal(rsp, `cannot compile regular expression ${goQuote(pattern)} for filter ${i}: ${msg}`);
    }
    const r = evaluate(f.expression, vars);
    if (!r.ok) {
      return fatal(
        rsp,
        `cannot evaluate CEL expression ${goQuote(f.expression)} for filter ${i}: ${r.error}`,
      );
    }
    include.push(r.value);
  }

  const resources = rsp.desired.resources ?? {};
  for (const name of Object.keys(resources)) {
    filters.forEach((_, i) => {
      if (regexps[i].test(name) && !include[i]) delete resources[name];
    });
  }
  return rsp;
};
