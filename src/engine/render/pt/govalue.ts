import { GoError } from './errors.js';

/**
 * A decoded JSON value as Go holds it in an unstructured map: numbers are either float64 (JS number) or
 * int64 (JS bigint). Values that come in through protobuf Structs are always float64; values that went
 * through Kubernetes' JSON decoder (every write into an object) keep integers as int64.
 */
export type GoValue = null | boolean | string | number | bigint | GoValue[] | GoMap;
export interface GoMap {
  [key: string]: GoValue;
}

const INT64_LIMIT = 2 ** 63;

export function isGoMap(v: unknown): v is GoMap {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function setKey(m: GoMap, key: string, value: GoValue): void {
  if (key === '__proto__') {
    defineProto(m, value);
  } else {
    m[key] = value;
  }
}

export function hasKey(m: GoMap, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(m, key);
}

/** Defines `__proto__` as an own key, as a Go map holds it. */
function defineProto(m: object, value: unknown): void {
  Object.defineProperty(m, '__proto__', { value, enumerable: true, writable: true, configurable: true });
}

/** Plain JSON (as in the protocol shapes) to Go values; every number is float64, as structpb gives. */
export function fromJson(v: unknown): GoValue {
  switch (typeof v) {
    case 'string':
    case 'boolean':
    case 'number':
      return v;
    case 'bigint':
      return Number(v);
    case 'object': {
      if (v === null) return null;
      if (Array.isArray(v)) {
        const n = v.length;
        const out = new Array<GoValue>(n);
        for (let i = 0; i < n; i++) out[i] = fromJson(v[i]);
        return out;
      }
      const out: GoMap = {};
      const keys = Object.keys(v);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        const e = (v as Record<string, unknown>)[k];
        if (e === undefined) continue;
        if (k === '__proto__') defineProto(out, fromJson(e));
        else out[k] = fromJson(e);
      }
      return out;
    }
    default:
      return null;
  }
}

/** Whether toJson met a value cloneJson would not keep as it is (an undefined, a `__proto__` key). */
let unusual = false;

/** Go values back to plain JSON, as structpb would carry them (int64 becomes a double). */
export function toJson(v: GoValue): unknown {
  if (typeof v !== 'object') {
    if (v === undefined) unusual = true;
    return typeof v === 'bigint' ? Number(v) : v;
  }
  if (v === null) return null;
  if (Array.isArray(v)) {
    const n = v.length;
    const out = new Array<unknown>(n);
    for (let i = 0; i < n; i++) out[i] = toJson(v[i]);
    return out;
  }
  const out: Record<string, unknown> = {};
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (k === '__proto__') {
      unusual = true;
      defineProto(out, toJson(v[k]));
    } else {
      out[k] = toJson(v[k]);
    }
  }
  return out;
}

/** toJson, and whether the result is also what cloneJson makes of it. */
export function toJsonChecked(v: GoValue): { json: unknown; plain: boolean } {
  unusual = false;
  const json = toJson(v);
  return { json, plain: !unusual };
}

export function deepCopy(v: GoValue): GoValue {
  if (typeof v !== 'object' || v === null) return v;
  if (Array.isArray(v)) {
    const n = v.length;
    const out = new Array<GoValue>(n);
    for (let i = 0; i < n; i++) out[i] = deepCopy(v[i]);
    return out;
  }
  const out: GoMap = {};
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (k === '__proto__') defineProto(out, deepCopy(v[k]));
    else out[k] = deepCopy(v[k]);
  }
  return out;
}

function unsupported(n: number): GoError {
  return new GoError(`json: unsupported value: ${Number.isNaN(n) ? 'NaN' : n > 0 ? '+Inf' : '-Inf'}`);
}

/**
 * json.Marshal followed by Kubernetes' json.Unmarshal (UnmarshalCaseSensitivePreserveInts): integral
 * numbers that fit int64 come back as int64, everything else as float64. Throws Go's marshal error for
 * NaN and infinities.
 */
export function roundTripPreserveInts(v: GoValue): GoValue {
  switch (typeof v) {
    case 'number':
      if (!Number.isFinite(v)) throw unsupported(v);
      return Number.isInteger(v) && v >= -INT64_LIMIT && v < INT64_LIMIT ? BigInt(v) : v;
    case 'object': {
      if (v === null) return null;
      if (Array.isArray(v)) {
        const n = v.length;
        const out = new Array<GoValue>(n);
        for (let i = 0; i < n; i++) out[i] = roundTripPreserveInts(v[i]);
        return out;
      }
      const out: GoMap = {};
      const keys = Object.keys(v);
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i];
        if (k === '__proto__') defineProto(out, roundTripPreserveInts(v[k]));
        else out[k] = roundTripPreserveInts(v[k]);
      }
      return out;
    }
    default:
      return v;
  }
}

/** The %T name Go prints for a value held in an `any`. */
export function goTypeName(v: GoValue): string {
  if (v === null) return '<nil>';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return 'float64';
  if (typeof v === 'bigint') return 'int64';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}

function goJsonString(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (c < 0x20 || ch === '<' || ch === '>' || ch === '&' || c === 0x2028 || c === 0x2029) {
      out += '\\u' + c.toString(16).padStart(4, '0');
    } else if (c >= 0xd800 && c <= 0xdfff) out += '\\ufffd';
    else out += ch;
  }
  return out + '"';
}

/** Go's encoding/json float64 formatting (which matches JavaScript's except for negative zero). */
function goJsonFloat(n: number): string {
  if (!Number.isFinite(n)) throw unsupported(n);
  if (Object.is(n, -0)) return '-0';
  return String(n);
}

/** encoding/json.Marshal: map keys sorted, HTML characters escaped. */
export function goJsonMarshal(v: GoValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return goJsonString(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return goJsonFloat(v);
  if (Array.isArray(v)) return `[${v.map((e) => goJsonMarshal(e)).join(',')}]`;
  const keys = Object.keys(v).sort(compareGoStrings);
  return `{${keys.map((k) => `${goJsonString(k)}:${goJsonMarshal(v[k])}`).join(',')}}`;
}

/** Go compares strings bytewise (UTF-8); this orders by code point, which is the same order. */
export function compareGoStrings(a: string, b: string): number {
  // Below the surrogates, UTF-16 code unit order is code point order.
  const m = a.length < b.length ? a.length : b.length;
  let i = 0;
  for (; i < m; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x >= 0xd800 || y >= 0xd800) break;
    if (x !== y) return x - y;
  }
  if (i === m && !hasSurrogate(a, m) && !hasSurrogate(b, m)) return a.length - b.length;
  const ca = Array.from(a);
  const cb = Array.from(b);
  const n = Math.min(ca.length, cb.length);
  for (let i = 0; i < n; i++) {
    const x = ca[i].codePointAt(0) ?? 0;
    const y = cb[i].codePointAt(0) ?? 0;
    if (x !== y) return x - y;
  }
  return ca.length - cb.length;
}

function hasSurrogate(s: string, from: number): boolean {
  for (let i = from; i < s.length; i++) if (s.charCodeAt(i) >= 0xd800) return true;
  return false;
}
