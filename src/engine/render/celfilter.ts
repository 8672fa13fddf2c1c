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
import { cloneJson, isObject, passOn, readsObservedOnly, responseState } from './unstructured.js';
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
  /** For a pattern that matches exactly these names (`^name$`, `^(name|other)$`). */
  names?: ReadonlySet<string>;
}

/** `^name$` or `^(name|...)$` with plain names: it matches a name exactly when the name is one of them. */
const NAMES_PATTERN = /^\^(?:[A-Za-z0-9_-]*|\((?:[A-Za-z0-9_-]*\|)*[A-Za-z0-9_-]*\))\$$/;

function namesMatcher(pattern: string): NameMatcher {
  const body = pattern.slice(1, -1);
  const names = new Set(body.startsWith('(') ? body.slice(1, -1).split('|') : [body]);
  return { names, test: (name) => names.has(name) };
}

/**
 * Every pattern is compiled by RE2 (function-cel-filter's Go regexp), for its errors. Valid patterns
 * made only of literal name characters, groups and alternation mean the same in RE2 and JavaScript,
 * so they match with the faster native engine.
 */
const SIMPLE_PATTERN = /^\^[A-Za-z0-9_\-|()]*\$$/;

/**
 * Whether RE2 accepts a pattern made of SIMPLE_PATTERN's characters: short and shallow (so within its
 * size and nesting limits), it can only reject one for unbalanced parentheses.
 */
function acceptedSimplePattern(pattern: string): boolean {
  if (pattern.length > 10_000) return false;
  let depth = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    if (c === 0x28) {
      if (++depth > 100) return false;
    } else if (c === 0x29 && --depth < 0) return false;
  }
  return depth === 0;
}

const patterns = new Map<string, NameMatcher>();
function compiledPattern(pattern: string): NameMatcher {
  let re = patterns.get(pattern);
  if (!re) {
    if (SIMPLE_PATTERN.test(pattern)) {
      // Compiling with RE2 (slow) would only be for its errors; when there can be none, skip it.
      if (!acceptedSimplePattern(pattern)) RE2JS.compile(pattern);
      re = NAMES_PATTERN.test(pattern) ? namesMatcher(pattern) : new RegExp(pattern);
    } else {
      re = RE2JS.compile(pattern);
    }
    if (patterns.size > 10_000) patterns.clear();
    patterns.set(pattern, re);
  }
  return re;
}

// ---- A fast path for plain expressions ---------------------------------------------------------------

/**
 * cel-js parses slowly (tens of milliseconds for a Composition's filters in a fresh process). Most
 * filter expressions are plain: `has()` of a field path, field paths, string/int/bool literals, map
 * literals indexed by an expression, `== != && || ! ?:`. Those are parsed and type-checked here, only
 * when they certainly are what cel-js accepts with type bool, and evaluated by the closures below,
 * which give up (UNDECIDED) wherever cel-js could raise an error or a case is not plain; then cel-js
 * evaluates the expression. Anything else goes to cel-js from the start.
 */

interface CelVariables {
  observed: ProtoState;
  desired: ProtoState;
  context: unknown;
}

const UNDECIDED: unique symbol = Symbol('undecided');
type FastProgram = (vars: CelVariables) => boolean | typeof UNDECIDED;

/** Thrown inside a fast evaluation that cannot decide. */
class Undecided {}
const undecided = new Undecided();

type Eval = (vars: CelVariables) => unknown;

/** The static types the fast checker knows; `map<T>` is a map literal's. */
type FastType =
  | 'bool'
  | 'int'
  | 'string'
  | 'dyn'
  | 'state'
  | 'resource'
  | 'resources'
  | 'object'
  | 'map<bool>'
  | 'map<int>'
  | 'map<string>';

interface Typed {
  type: FastType;
  run: Eval;
  /** For a has() argument: a field selected from `from`, or (with no `from`) a variable's name. */
  path?: { from?: Typed; name: string };
  /** For a literal (map literal entries): its value. */
  literal?: { value: string | bigint | boolean };
}

/** The reason for giving up on the fast path (only to unwind the parser). */
class NotPlain {}
const notPlain = new NotPlain();

const VARIABLES: Record<string, FastType> = { observed: 'state', desired: 'state', context: 'object' };
const RESERVED_FIELDS = new Set(['true', 'false', 'null', 'in']);
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const SCALARS: ReadonlySet<FastType> = new Set(['bool', 'int', 'string']);
const MAX_LENGTH = 50_000;
const MAX_NESTING = 100;
const MAX_MAP_ENTRIES = 100;

/** Tokens: identifiers, decimal ints, plain quoted strings, and the operators of the subset. */
const TOKEN =
  /[ \t\n\r]*(?:([A-Za-z_][A-Za-z0-9_]*)|(0|[1-9][0-9]{0,14})(?![0-9A-Za-z_.])|'([ !#-&(-[\]-~]*)'(?!')|"([ !#-[\]-~]*)"(?!")|(==|!=|&&|\|\||[!?:.,()[\]{}]))/y;

/** A plain JSON map as cel-js sees a map: not an object with some other constructor. */
function isPlainMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && v.constructor === Object;
}

/** A value a dyn field access may return without cel-js complaining about its type. */
function plainValue(v: unknown): unknown {
  if (typeof v === 'object') {
    if (v === null || v.constructor === Object || v.constructor === Array) return v;
    throw undecided;
  }
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  throw undecided;
}

/** Field access on a map<string, dyn> or dyn value: the value, or undecided (no such key, not a map). */
function mapField(m: unknown, key: unknown): unknown {
  if (typeof key !== 'string' || !isPlainMap(m) || !Object.prototype.hasOwnProperty.call(m, key)) {
    throw undecided;
  }
  const v = m[key];
  if (v === undefined) throw undecided;
  return plainValue(v);
}

function stateField(s: unknown, key: string): unknown {
  if (!(s instanceof ProtoState)) throw undecided;
  return key === 'composite' ? s.composite : s.resources;
}

function resourceField(r: unknown, key: string): unknown {
  if (!(r instanceof ProtoResource)) throw undecided;
  if (key === 'ready') return r.ready;
  if (!isPlainMap(r.resource)) throw undecided;
  return r.resource;
}

function resourcesEntry(m: unknown, key: unknown): unknown {
  if (typeof key !== 'string' || !isPlainMap(m) || !Object.prototype.hasOwnProperty.call(m, key)) {
    throw undecided;
  }
  const r = m[key];
  if (!(r instanceof ProtoResource)) throw undecided;
  return r;
}

/** One step of has()'s walk: the field, undefined if absent; undecided where cel-js may differ. */
function hasStep(obj: unknown, key: string): unknown {
  if (obj instanceof ProtoState) {
    if (key === 'composite') return obj.composite;
    if (key === 'resources') return obj.resources;
    throw undecided;
  }
  if (obj instanceof ProtoResource) {
    if (key === 'resource' && isPlainMap(obj.resource)) return obj.resource;
    if (key === 'ready') return obj.ready;
    throw undecided;
  }
  if (!isPlainMap(obj)) throw undecided;
  if (!Object.prototype.hasOwnProperty.call(obj, key)) return undefined;
  const v = obj[key];
  if (typeof v === 'object' && v !== null && v.constructor !== Object && v.constructor !== Array) {
    if (!(v instanceof ProtoResource)) throw undecided;
  }
  return v;
}

/** cel-js equality where it is plain: same scalar types, or a double and an int. */
function plainEquals(a: unknown, b: unknown): boolean {
  const ta = typeof a;
  const tb = typeof b;
  if (ta === tb && (ta === 'string' || ta === 'boolean' || ta === 'number' || ta === 'bigint')) {
    return a === b;
  }
  if ((ta === 'number' && tb === 'bigint') || (ta === 'bigint' && tb === 'number')) {
    return (a as number) == (b as number);
  }
  throw undecided;
}

function asBool(v: unknown): boolean {
  if (typeof v !== 'boolean') throw undecided;
  return v;
}

class FastParser {
  private pos = 0;
  private kind = '';
  private text = '';
  private depth = 0;

  constructor(private readonly src: string) {
    this.next();
  }

  /** Advances to the next token: kind is 'id', 'int', 'str', an operator, or 'eof'. */
  private next(): void {
    TOKEN.lastIndex = this.pos;
    const m = TOKEN.exec(this.src);
    if (m === null) {
      if (/^[ \t\n\r]*$/.test(this.src.slice(this.pos))) {
        this.kind = 'eof';
        this.pos = this.src.length;
        return;
      }
      throw notPlain;
    }
    this.pos = TOKEN.lastIndex;
    if (m[1] !== undefined) {
      this.kind = 'id';
      this.text = m[1];
    } else if (m[2] !== undefined) {
      this.kind = 'int';
      this.text = m[2];
    } else if (m[3] !== undefined || m[4] !== undefined) {
      this.kind = 'str';
      this.text = m[3] ?? m[4];
    } else {
      this.kind = m[5];
      this.text = m[5];
    }
  }

  private expect(kind: string): void {
    if (this.kind !== kind) throw notPlain;
    this.next();
  }

  parse(): Typed {
    const e = this.expression();
    if (this.kind !== 'eof') throw notPlain;
    return e;
  }

  private expression(): Typed {
    if (++this.depth > MAX_NESTING) throw notPlain;
    let e = this.or();
    if (this.kind === '?') {
      this.next();
      const t = this.expression();
      this.expect(':');
      const f = this.expression();
      e = ternary(e, t, f);
    }
    this.depth--;
    return e;
  }

  private or(): Typed {
    let l = this.and();
    while (this.kind === '||') {
      this.next();
      l = logical('||', l, this.and());
    }
    return l;
  }

  private and(): Typed {
    let l = this.equality();
    while (this.kind === '&&') {
      this.next();
      l = logical('&&', l, this.equality());
    }
    return l;
  }

  private equality(): Typed {
    let l = this.unary();
    while (this.kind === '==' || this.kind === '!=') {
      const ne = this.kind === '!=';
      this.next();
      l = equality(ne, l, this.unary());
    }
    return l;
  }

  private unary(): Typed {
    if (this.kind !== '!') return this.postfix();
    this.next();
    const x = this.unary();
    if (x.type !== 'bool' && x.type !== 'dyn') throw notPlain;
    const run = x.run;
    return { type: 'bool', run: (v) => !asBool(run(v)) };
  }

  /** The current token's kind (a method, so that checks on it are not narrowed across next()). */
  private at(kind: string): boolean {
    return this.kind === kind;
  }

  private postfix(): Typed {
    let e = this.primary();
    // Like cel-js, a selection chain counts towards the nesting depth while it is parsed.
    const depth = this.depth;
    for (;;) {
      if (this.at('.')) {
        if (++this.depth > MAX_NESTING) throw notPlain;
        this.next();
        if (!this.at('id') || RESERVED_FIELDS.has(this.text)) throw notPlain;
        const field = this.text;
        this.next();
        if (this.at('(')) throw notPlain;
        e = select(e, field);
      } else if (this.at('[')) {
        if (++this.depth > MAX_NESTING) throw notPlain;
        this.next();
        const key = this.expression();
        this.expect(']');
        e = index(e, key);
      } else {
        this.depth = depth;
        return e;
      }
    }
  }

  private primary(): Typed {
    switch (this.kind) {
      case 'int': {
        const value = BigInt(this.text);
        this.next();
        return { type: 'int', run: () => value, literal: { value } };
      }
      case 'str': {
        const value = this.text;
        this.next();
        return { type: 'string', run: () => value, literal: { value } };
      }
      case '(': {
        this.next();
        const e = this.expression();
        this.expect(')');
        // A parenthesized expression is not a literal map key or value for this subset.
        return { type: e.type, run: e.run, path: e.path };
      }
      case '{':
        return this.mapLiteral();
      case 'id':
        return this.identifier();
      default:
        throw notPlain;
    }
  }

  private identifier(): Typed {
    const name = this.text;
    this.next();
    if (name === 'true' || name === 'false') {
      const value = name === 'true';
      return { type: 'bool', run: () => value, literal: { value } };
    }
    if (name === 'has' && this.kind === '(') {
      this.next();
      const arg = this.expression();
      this.expect(')');
      return has(arg);
    }
    const type = VARIABLES[name];
    if (type === undefined || !Object.prototype.hasOwnProperty.call(VARIABLES, name) || this.kind === '(') {
      throw notPlain;
    }
    const key = name as keyof CelVariables;
    return { type, run: (v) => v[key], path: { name } };
  }

  private mapLiteral(): Typed {
    this.expect('{');
    const entries = new Map<string, string | bigint | boolean>();
    let valueType: FastType | undefined;
    for (;;) {
      const k = this.expression();
      this.expect(':');
      const v = this.expression();
      if (k.literal === undefined || typeof k.literal.value !== 'string') throw notPlain;
      if (v.literal === undefined || (valueType !== undefined && v.type !== valueType)) throw notPlain;
      const key = k.literal.value;
      if (UNSAFE_KEYS.has(key) || entries.has(key)) throw notPlain;
      entries.set(key, v.literal.value);
      if (entries.size > MAX_MAP_ENTRIES) throw notPlain;
      valueType = v.type;
      if (this.kind === '}') break;
      this.expect(',');
    }
    this.next();
    const obj: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of entries) obj[k] = v;
    return { type: `map<${valueType}>` as FastType, run: () => obj };
  }
}

function select(e: Typed, field: string): Typed {
  const run = e.run;
  const path = e.path ? { from: e, name: field } : undefined;
  switch (e.type) {
    case 'state':
      if (field === 'composite') return { type: 'resource', run: (v) => stateField(run(v), field), path };
      if (field === 'resources') return { type: 'resources', run: (v) => stateField(run(v), field), path };
      throw notPlain;
    case 'resource':
      if (field === 'resource') return { type: 'object', run: (v) => resourceField(run(v), field), path };
      if (field === 'ready') return { type: 'int', run: (v) => resourceField(run(v), field), path };
      throw notPlain;
    case 'resources':
      return { type: 'resource', run: (v) => resourcesEntry(run(v), field), path };
    case 'object':
    case 'dyn':
      return { type: 'dyn', run: (v) => mapField(run(v), field), path };
    default:
      throw notPlain;
  }
}

function index(e: Typed, key: Typed): Typed {
  if (key.type !== 'string' && key.type !== 'dyn') throw notPlain;
  const run = e.run;
  const k = key.run;
  switch (e.type) {
    case 'resources':
      return { type: 'resource', run: (v) => resourcesEntry(run(v), k(v)) };
    case 'object':
    case 'dyn':
      return { type: 'dyn', run: (v) => mapField(run(v), k(v)) };
    case 'map<bool>':
    case 'map<int>':
    case 'map<string>': {
      const type = e.type.slice(4, -1) as FastType;
      return {
        type,
        run: (v) => {
          const m = run(v) as Record<string, unknown>;
          const key = k(v);
          if (typeof key !== 'string' || !Object.prototype.hasOwnProperty.call(m, key)) throw undecided;
          return m[key];
        },
      };
    }
    default:
      throw notPlain;
  }
}

function has(arg: Typed): Typed {
  // A field path below a variable: has(a.b.c) is false when c is absent, an error when b is.
  const fields: string[] = [];
  let at: Typed | undefined = arg;
  while (at?.path?.from) {
    fields.unshift(at.path.name);
    at = at.path.from;
  }
  if (at?.path === undefined || fields.length === 0) throw notPlain;
  const root = at.path.name as keyof CelVariables;
  return {
    type: 'bool',
    run: (v) => {
      let obj: unknown = v[root];
      for (let i = 0; i < fields.length; i++) {
        obj = hasStep(obj, fields[i]);
        if (obj === undefined) {
          if (i === fields.length - 1) return false;
          throw undecided;
        }
      }
      return true;
    },
  };
}

function logical(op: '&&' | '||', l: Typed, r: Typed): Typed {
  if ((l.type !== 'bool' && l.type !== 'dyn') || (r.type !== 'bool' && r.type !== 'dyn')) throw notPlain;
  const a = l.run;
  const b = r.run;
  // Short-circuit as cel-js does; anything but a bool on the way is left to cel-js.
  return op === '&&'
    ? { type: 'bool', run: (v) => asBool(a(v)) && asBool(b(v)) }
    : { type: 'bool', run: (v) => asBool(a(v)) || asBool(b(v)) };
}

function equality(ne: boolean, l: Typed, r: Typed): Typed {
  const ok =
    l.type === 'dyn' || r.type === 'dyn'
      ? (l.type === 'dyn' || SCALARS.has(l.type)) && (r.type === 'dyn' || SCALARS.has(r.type))
      : l.type === r.type && SCALARS.has(l.type);
  if (!ok) throw notPlain;
  const a = l.run;
  const b = r.run;
  return ne
    ? { type: 'bool', run: (v) => !plainEquals(a(v), b(v)) }
    : { type: 'bool', run: (v) => plainEquals(a(v), b(v)) };
}

function ternary(c: Typed, t: Typed, f: Typed): Typed {
  if (c.type !== 'bool' && c.type !== 'dyn') throw notPlain;
  let type: FastType;
  if (t.type === f.type && (t.type === 'dyn' || SCALARS.has(t.type))) type = t.type;
  else if (t.type === 'dyn' && SCALARS.has(f.type)) type = 'dyn';
  else if (f.type === 'dyn' && SCALARS.has(t.type)) type = 'dyn';
  else throw notPlain;
  const cond = c.run;
  const yes = t.run;
  const no = f.run;
  return { type, run: (v) => (asBool(cond(v)) ? yes(v) : no(v)) };
}

/** The fast program for an expression, or undefined when cel-js must parse and check it. */
function compileFast(expression: string): FastProgram | undefined {
  if (expression.length > MAX_LENGTH) return undefined;
  let typed: Typed;
  try {
    typed = new FastParser(expression).parse();
  } catch (e) {
    if (e instanceof NotPlain) return undefined;
    throw e;
  }
  if (typed.type !== 'bool') return undefined;
  const run = typed.run;
  return (vars) => {
    try {
      return run(vars) as boolean;
    } catch (e) {
      if (e instanceof Undecided) return UNDECIDED;
      throw e;
    }
  };
}

/** For tests: the fast path's verdict and cel-js's on the same expression and state. */
export const celFilterInternals = {
  compileFast,
  UNDECIDED,
  celJs(
    expression: string,
    vars: CelVariables,
  ): { valid: boolean; type?: string; value?: unknown; error?: string } {
    const parsed = env.parse(expression);
    const checked = parsed.check();
    if (!checked.valid) return { valid: false, type: checked.type };
    try {
      return { valid: true, type: checked.type, value: parsed(vars) };
    } catch (e) {
      return { valid: true, type: checked.type, error: asCelJsError(e).message };
    }
  },
  toProtoState,
};

type Program = ReturnType<typeof env.parse>;
/**
 * A checked expression: a fast program when it is in the subset below (with cel-js's, made when a
 * fast evaluation cannot decide), else cel-js's program.
 */
type Prepared =
  | { ok: true; fast: FastProgram; program?: undefined }
  | { ok: true; fast?: undefined; program: Program }
  | { ok: false; error: string };

/** Parsing and type-checking depend on the expression alone, so a long-lived process does them once. */
const prepared = new Map<string, Prepared>();

function prepare(expression: string): Prepared {
  let p = prepared.get(expression);
  if (!p) {
    const fast = compileFast(expression);
    p = fast ? { ok: true, fast } : compileExpression(expression);
    if (prepared.size > 10_000) prepared.clear();
    prepared.set(expression, p);
  }
  return p;
}

/** cel-js's program for an expression the fast path took but could not evaluate. */
const celJsPrepared = new Map<string, Prepared>();

function prepareWithCelJs(expression: string): Prepared {
  let p = celJsPrepared.get(expression);
  if (!p) {
    p = compileExpression(expression);
    if (celJsPrepared.size > 10_000) celJsPrepared.clear();
    celJsPrepared.set(expression, p);
  }
  return p;
}

function evaluate(expression: string, vars: CelVariables): Evaluated {
  let p = prepare(expression);
  if (!p.ok) return p;
  if (p.fast) {
    const v = p.fast(vars);
    if (v !== UNDECIDED) return { ok: true, value: v };
    // cel-js decides, and says what the error is. (It accepts what the fast checker accepts.)
    p = prepareWithCelJs(expression);
    if (!p.ok) return p;
  }
  try {
    const v: unknown = (p.program as Program)(vars);
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
  const rsp: RunFunctionResponse = { desired: responseState(req.desired), results: [] };
  if (req.context !== undefined) rsp.context = cloneJson(req.context);

  const filters = readFilters(req.input);
  if (typeof filters === 'string') return fatal(rsp, filters);

  const vars: CelVariables = {
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
  // A resource goes when a filter whose expression is false matches its name.
  const droppedNames = new Set<string>();
  const dropping: NameMatcher[] = [];
  for (const [i, re] of regexps.entries()) {
    if (include[i]) continue;
    if (re.names) for (const n of re.names) droppedNames.add(n);
    else dropping.push(re);
  }
  for (const name of Object.keys(resources)) {
    if (droppedNames.has(name) || dropping.some((re) => re.test(name))) delete resources[name];
  }
  // What is left is the request's, unchanged.
  passOn(celFilter, rsp.desired.composite?.resource);
  for (const name of Object.keys(resources)) passOn(celFilter, resources[name]?.resource);
  return rsp;
};

// It only reads the observed state it is given.
readsObservedOnly(celFilter);
