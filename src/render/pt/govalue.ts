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
    Object.defineProperty(m, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    m[key] = value;
  }
}

export function hasKey(m: GoMap, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(m, key);
}

/** Plain JSON (as in the protocol shapes) to Go values; every number is float64, as structpb gives. */
export function fromJson(v: unknown): GoValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map((e) => fromJson(e));
  if (typeof v === 'object') {
    const out: GoMap = {};
    for (const [k, e] of Object.entries(v)) {
      if (e !== undefined) setKey(out, k, fromJson(e));
    }
    return out;
  }
  return null;
}

/** Go values back to plain JSON, as structpb would carry them (int64 becomes a double). */
export function toJson(v: GoValue): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map((e) => toJson(e));
  if (isGoMap(v)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v)) {
      const e = toJson(v[k]);
      if (k === '__proto__') {
        Object.defineProperty(out, k, { value: e, enumerable: true, writable: true, configurable: true });
      } else {
        out[k] = e;
      }
    }
    return out;
  }
  return v;
}

export function deepCopy(v: GoValue): GoValue {
  if (Array.isArray(v)) return v.map((e) => deepCopy(e));
  if (isGoMap(v)) {
    const out: GoMap = {};
    for (const k of Object.keys(v)) setKey(out, k, deepCopy(v[k]));
    return out;
  }
  return v;
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
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw unsupported(v);
    return Number.isInteger(v) && v >= -INT64_LIMIT && v < INT64_LIMIT ? BigInt(v) : v;
  }
  if (Array.isArray(v)) return v.map((e) => roundTripPreserveInts(e));
  if (isGoMap(v)) {
    const out: GoMap = {};
    for (const k of Object.keys(v)) setKey(out, k, roundTripPreserveInts(v[k]));
    return out;
  }
  return v;
}

/** json.Marshal followed by encoding/json Unmarshal into `any`: every number becomes float64. */
export function roundTripFloats(v: GoValue): GoValue {
  if (typeof v === 'number' && !Number.isFinite(v)) throw unsupported(v);
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map((e) => roundTripFloats(e));
  if (isGoMap(v)) {
    const out: GoMap = {};
    for (const k of Object.keys(v)) setKey(out, k, roundTripFloats(v[k]));
    return out;
  }
  return v;
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
export function goJsonFloat(n: number): string {
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
