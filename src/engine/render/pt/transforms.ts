import { createHash } from 'node:crypto';
import { GoError, wrap } from './errors.js';
import type { GoRegexp } from './goregexp.js';
import { formatFloat, goQuote, sprintf } from './gofmt.js';
import { fromJson, goJsonMarshal, goTypeName, isGoMap, type GoValue } from './govalue.js';
import type { MathTransform, MatchTransform, RawJson, StringTransform, Transform } from './input.js';
import { parseQuantityToFloat } from './quantity.js';
import { goRegexp, validateConvertTransform, validateMathTransform } from './validate.js';

/** transforms.go: Resolve and the per-type resolvers, with the same error texts. */

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export function resolveTransforms(ts: Transform[], input: GoValue): GoValue {
  let v = input;
  for (let i = 0; i < ts.length; i++) {
    try {
      v = resolve(ts[i], v);
    } catch (e) {
      throw wrap(e, `transform at index ${i} returned error`);
    }
  }
  return v;
}

function requiresConfiguration(t: Transform): GoError {
  return new GoError(`given transform type ${t.type} requires configuration`);
}

function couldNotResolve(t: Transform, e: unknown): GoError {
  return wrap(e, `${t.type} transform could not resolve`);
}

export function resolve(t: Transform, input: GoValue): GoValue {
  switch (t.type) {
    case 'math':
      if (!t.math) throw requiresConfiguration(t);
      try {
        return resolveMath(t.math, input);
      } catch (e) {
        throw couldNotResolve(t, e);
      }
    case 'map':
      if (!t.map) throw requiresConfiguration(t);
      try {
        return resolveMap(t.map.pairs, input);
      } catch (e) {
        throw couldNotResolve(t, e);
      }
    case 'match':
      if (!t.match) throw requiresConfiguration(t);
      try {
        return resolveMatch(t.match, input);
      } catch (e) {
        throw couldNotResolve(t, e);
      }
    case 'string':
      if (!t.string) throw requiresConfiguration(t);
      try {
        return resolveString(t.string, input);
      } catch (e) {
        throw couldNotResolve(t, e);
      }
    case 'convert':
      if (!t.convert) throw requiresConfiguration(t);
      try {
        return resolveConvert(t.convert, input);
      } catch (e) {
        throw couldNotResolve(t, e);
      }
    default:
      throw new GoError(`transform type ${t.type} is not supported`, false);
  }
}

const toInt64 = (v: bigint): bigint => BigInt.asIntN(64, v);

function floatToInt64(f: number): bigint {
  if (!Number.isFinite(f)) return INT64_MIN;
  const t = BigInt(Math.trunc(f));
  return t < INT64_MIN || t > INT64_MAX ? INT64_MIN : t;
}

function resolveMath(t: MathTransform, input: GoValue): GoValue {
  const err = validateMathTransform(t);
  if (err) throw err;
  if (typeof input !== 'number' && typeof input !== 'bigint') {
    throw new GoError(`input is required to be a number for math transformer, got ${goTypeName(input)}`);
  }
  switch (t.type) {
    case 'Multiply': {
      const m = t.multiply as bigint;
      return typeof input === 'bigint' ? toInt64(input * m) : input * Number(m);
    }
    case 'ClampMin':
    case 'ClampMax': {
      const i = typeof input === 'bigint' ? input : floatToInt64(input);
      if (t.type === 'ClampMin' && i < (t.clampMin as bigint)) return t.clampMin as bigint;
      if (t.type === 'ClampMax' && i > (t.clampMax as bigint)) return t.clampMax as bigint;
      return input;
    }
    default:
      throw new GoError(`type ${t.type} is not supported for math transform type`);
  }
}

/** json.Unmarshal of a raw JSON value with encoding/json (numbers become float64). */
function unmarshalRaw(raw: RawJson): GoValue {
  if (raw === undefined) throw new GoError('unexpected end of JSON input');
  return raw;
}

function resolveMap(pairs: Map<string, RawJson>, input: GoValue): GoValue {
  if (typeof input !== 'string') {
    throw new GoError(`type ${goTypeName(input)} is not supported for map transform`);
  }
  if (!pairs.has(input)) throw new GoError(`key ${input} is not found in map`);
  try {
    return unmarshalRaw(pairs.get(input));
  } catch (e) {
    throw wrap(e, `value for key ${input} is not valid JSON`);
  }
}

function compileGoRegexp(re: string): GoRegexp {
  const compiled = goRegexp(re);
  if (typeof compiled === 'string') throw new GoError(compiled);
  return compiled;
}

function matches(p: MatchTransform['patterns'][number], input: GoValue): boolean {
  switch (p.type) {
    case 'literal':
      if (p.literal === undefined) throw new GoError('literal is required by type literal');
      if (typeof input !== 'string') throw new GoError(`unsupported input type '${goTypeName(input)}'`);
      return input === p.literal;
    case 'regexp': {
      if (p.regexp === undefined) throw new GoError('regexp is required by type regexp');
      let re: GoRegexp;
      try {
        re = compileGoRegexp(p.regexp);
      } catch (e) {
        throw wrap(e, 'cannot compile regexp');
      }
      if (input === null) throw new GoError("unsupported input type 'null'");
      if (typeof input !== 'string') throw new GoError(`unsupported input type '${goTypeName(input)}'`);
      return re.matcher(input).find();
    }
    default:
      throw new GoError(`unsupported pattern type '${p.type}'`);
  }
}

function resolveMatch(t: MatchTransform, input: GoValue): GoValue {
  for (const [i, p] of t.patterns.entries()) {
    let ok: boolean;
    try {
      ok = matches(p, input);
    } catch (e) {
      throw wrap(e, `cannot match pattern at index ${i}`);
    }
    if (ok) return p.result === undefined ? null : p.result;
  }
  if (t.fallbackTo === 'Input') {
    if (t.fallbackValue !== undefined) {
      throw new GoError('cannot set both a fallback value and the fallback to input flag');
    }
    return input;
  }
  return t.fallbackValue === undefined ? null : t.fallbackValue;
}

const asV = (input: GoValue): string => sprintf('%v', input);

function goReplaceAll(s: string, search: string, repl: string): string {
  if (search !== '') return s.split(search).join(repl);
  const runes = Array.from(s);
  return repl + runes.map((r) => r + repl).join('');
}

function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (const byte of bytes) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

function bytesForHash(input: GoValue): Uint8Array {
  if (typeof input === 'string') return new TextEncoder().encode(input);
  let json: string;
  try {
    json = goJsonMarshal(input);
  } catch (e) {
    throw wrap(wrap(e, 'cannot marshal to JSON'), 'cannot generate hash');
  }
  return new TextEncoder().encode(json);
}

function decodeStdBase64(s: string): string {
  const clean = s.replace(/[\r\n]/g, '');
  const bad = clean.search(/[^A-Za-z0-9+/=]/);
  if (bad >= 0) throw new GoError(`illegal base64 data at input byte ${bad}`);
  const firstPad = clean.indexOf('=');
  const invalidAt = (): number => {
    if (clean.length % 4 === 0 && (firstPad === -1 || firstPad >= clean.length - 2)) {
      if (firstPad === -1) return -1;
      const tail = clean.slice(firstPad);
      if (/^=+$/.test(tail) && (clean.length - firstPad === 1 || clean.length - firstPad === 2)) return -1;
    }
    if (firstPad >= 0) {
      const q = Math.floor(firstPad / 4) * 4;
      const r = firstPad - q;
      if (r < 2) return firstPad;
      const expectedEnd = q + 4;
      if (clean.length > expectedEnd) return expectedEnd;
      if (clean.length < expectedEnd) return clean.length;
      if (r === 2 && clean[q + 3] !== '=') return q + 3;
      return -1;
    }
    return clean.length - (clean.length % 4 === 1 ? 1 : 0);
  };
  const at = invalidAt();
  if (at >= 0) throw new GoError(`illegal base64 data at input byte ${at}`);
  return new TextDecoder().decode(Buffer.from(clean, 'base64'));
}

function stringConvert(conv: string, input: GoValue): string {
  const str = asV(input);
  switch (conv) {
    case 'ToUpper':
      return str.toUpperCase();
    case 'ToLower':
      return str.toLowerCase();
    case 'ToJson':
      try {
        return goJsonMarshal(input);
      } catch (e) {
        throw wrap(e, 'cannot marshal to JSON');
      }
    case 'ToBase64':
      return Buffer.from(str, 'utf8').toString('base64');
    case 'FromBase64':
      try {
        return decodeStdBase64(str);
      } catch (e) {
        throw wrap(e, 'string is not valid base64');
      }
    case 'ToSha1':
      return createHash('sha1').update(bytesForHash(input)).digest('hex');
    case 'ToSha256':
      return createHash('sha256').update(bytesForHash(input)).digest('hex');
    case 'ToSha512':
      return createHash('sha512').update(bytesForHash(input)).digest('hex');
    case 'ToAdler32':
      return String(adler32(bytesForHash(input)));
    default:
      throw new GoError(`type ${conv} is not supported for string convert`);
  }
}

function resolveString(t: StringTransform, input: GoValue): string {
  switch (t.type) {
    case 'Format':
      if (t.fmt === undefined) throw new GoError(`string transform of type ${t.type} fmt is not set`);
      return sprintf(t.fmt, input);
    case 'Convert':
      if (t.convert === undefined) throw new GoError(`string transform of type ${t.type} convert is not set`);
      return stringConvert(t.convert, input);
    case 'TrimPrefix':
    case 'TrimSuffix': {
      if (t.trim === undefined) throw new GoError(`string transform of type ${t.type} trim is not set`);
      const s = asV(input);
      if (t.type === 'TrimPrefix') return s.startsWith(t.trim) ? s.slice(t.trim.length) : s;
      return t.trim !== '' && s.endsWith(t.trim) ? s.slice(0, s.length - t.trim.length) : s;
    }
    case 'Regexp': {
      if (t.regexp === undefined) throw new GoError(`string transform of type ${t.type} regexp is not set`);
      let re: GoRegexp;
      try {
        re = compileGoRegexp(t.regexp.match);
      } catch (e) {
        throw wrap(e, 'could not compile regexp');
      }
      const m = re.matcher(asV(input));
      const g = t.regexp.group ?? 0;
      const found = m.find();
      if (!found || g >= m.groupCount() + 1) {
        throw new GoError(`regexp ${goQuote(t.regexp.match)} had no matches for group ${g}`);
      }
      return m.group(g) ?? '';
    }
    case 'Join': {
      if (t.join === undefined) throw new GoError(`string transform of type ${t.type} join is not set`);
      if (!Array.isArray(input)) throw new GoError('could not parse input array');
      if (input.length === 0) return '';
      const sep = t.join.separator;
      const result = input.map((v) => sprintf('%v%s', v, sep)).join('');
      if (sep.length > 0) return dropLastByte(result);
      return result;
    }
    case 'Replace':
      if (t.replace === undefined) throw new GoError(`string transform of type ${t.type} replace is not set`);
      return goReplaceAll(asV(input), t.replace.search, t.replace.replace);
    default:
      throw new GoError(`type ${t.type} is not supported for string transform type`);
  }
}

/** result[:len(result)-1] on a Go string: drops one byte, not one character. */
function dropLastByte(s: string): string {
  const bytes = new TextEncoder().encode(s);
  return new TextDecoder().decode(bytes.slice(0, bytes.length - 1));
}

// ---- convert ---------------------------------------------------------------------------------------

function parseIntGo(s: string): bigint {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new GoError(`strconv.ParseInt: parsing ${goQuote(s)}: invalid syntax`);
  const v = BigInt(s);
  if (v < INT64_MIN || v > INT64_MAX) {
    throw new GoError(`strconv.ParseInt: parsing ${goQuote(s)}: value out of range`);
  }
  return v;
}

function parseBoolGo(s: string): boolean {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(s)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(s)) return false;
  throw new GoError(`strconv.ParseBool: parsing ${goQuote(s)}: invalid syntax`);
}

function parseFloatGo(s: string): number {
  const special = /^([+-]?)(inf|infinity|nan)$/i.exec(s);
  if (special) {
    if (special[2].toLowerCase() === 'nan') return NaN;
    return special[1] === '-' ? -Infinity : Infinity;
  }
  if (!/^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/.test(s)) {
    throw new GoError(`strconv.ParseFloat: parsing ${goQuote(s)}: invalid syntax`);
  }
  const v = Number(s);
  if (!Number.isFinite(v)) throw new GoError(`strconv.ParseFloat: parsing ${goQuote(s)}: value out of range`);
  return v;
}

function goJsonKind(v: GoValue): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number' || typeof v === 'bigint') return 'number';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'array';
  return 'object';
}

/** encoding/json.Unmarshal of a string into `any`-typed values; syntax errors are approximated. */
function unmarshalJsonText(s: string): GoValue {
  try {
    return fromJson(JSON.parse(s));
  } catch (e) {
    const msg = e instanceof Error ? e.message : '';
    const pos = /position (\d+)/.exec(msg);
    if (s.trim() === '' || /end of JSON input|Unterminated/.test(msg) || !pos) {
      throw new GoError('unexpected end of JSON input');
    }
    const ch = s[Number(pos[1])] ?? '';
    throw new GoError(`invalid character ${goQuoteChar(ch)} looking for beginning of value`);
  }
}

function goQuoteChar(ch: string): string {
  if (ch === "'") return "'\\''";
  if (ch === '"') return `'"'`;
  return `'${goQuote(ch).slice(1, -1)}'`;
}

type Conversion = (i: GoValue) => GoValue;

function inputTypeError(i: GoValue): GoError {
  return new GoError(`invalid input type ${goTypeName(i)}`);
}

const CONVERSIONS: Record<string, Conversion> = {
  'string>int64>none': (i) => {
    if (typeof i !== 'string') throw inputTypeError(i);
    return parseIntGo(i);
  },
  'string>bool>none': (i) => {
    if (typeof i !== 'string') throw inputTypeError(i);
    return parseBoolGo(i);
  },
  'string>float64>none': (i) => {
    if (typeof i !== 'string') throw inputTypeError(i);
    return parseFloatGo(i);
  },
  'string>float64>quantity': (i) => {
    if (typeof i !== 'string') throw inputTypeError(i);
    return parseQuantityToFloat(i);
  },
  'int64>string>none': (i) => {
    if (typeof i !== 'bigint') throw inputTypeError(i);
    return i.toString();
  },
  'int64>bool>none': (i) => {
    if (typeof i !== 'bigint') throw inputTypeError(i);
    return i === 1n;
  },
  'int64>float64>none': (i) => {
    if (typeof i !== 'bigint') throw inputTypeError(i);
    return Number(i);
  },
  'bool>string>none': (i) => {
    if (typeof i !== 'boolean') throw inputTypeError(i);
    return i ? 'true' : 'false';
  },
  'bool>int64>none': (i) => {
    if (typeof i !== 'boolean') throw inputTypeError(i);
    return i ? 1n : 0n;
  },
  'bool>float64>none': (i) => {
    if (typeof i !== 'boolean') throw inputTypeError(i);
    return i ? 1 : 0;
  },
  'float64>string>none': (i) => {
    if (typeof i !== 'number') throw inputTypeError(i);
    return formatFloat(i, 'f', -1);
  },
  'float64>int64>none': (i) => {
    if (typeof i !== 'number') throw inputTypeError(i);
    return floatToInt64(i);
  },
  'float64>bool>none': (i) => {
    if (typeof i !== 'number') throw inputTypeError(i);
    return i === 1;
  },
  'string>object>json': (i) => {
    if (typeof i !== 'string') throw inputTypeError(i);
    const v = unmarshalJsonText(i);
    if (v === null) return {};
    if (!isGoMap(v)) {
      throw new GoError(
        `json: cannot unmarshal ${goJsonKind(v)} into Go value of type map[string]interface {}`,
      );
    }
    return v;
  },
  'string>array>json': (i) => {
    if (typeof i !== 'string') throw inputTypeError(i);
    const v = unmarshalJsonText(i);
    if (v === null) return null;
    if (!Array.isArray(v)) {
      throw new GoError(`json: cannot unmarshal ${goJsonKind(v)} into Go value of type []interface {}`);
    }
    return v;
  },
};

function resolveConvert(t: { toType: string; format?: string }, input: GoValue): GoValue {
  const err = validateConvertTransform(t);
  if (err) throw err;
  const originalFrom = goTypeName(input);
  if (!['string', 'bool', 'int', 'int64', 'float64', 'object', 'array'].includes(originalFrom)) {
    throw new GoError(`invalid input type ${originalFrom}`);
  }
  const from = originalFrom === 'int' ? 'int64' : originalFrom;
  const to = t.toType === 'int' ? 'int64' : t.toType;
  if (to === from) return input;
  const format = t.format ?? 'none';
  const f = CONVERSIONS[`${from}>${to}>${format}`];
  if (f === undefined) {
    throw new GoError(`conversion from ${originalFrom} to ${to} is not supported with format ${format}`);
  }
  return f(input);
}
