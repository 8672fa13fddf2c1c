import { GoError } from './errors.js';
import { goQuote } from './gofmt.js';
import {
  deepCopy,
  hasKey,
  isGoMap,
  roundTripPreserveInts,
  setKey,
  type GoMap,
  type GoValue,
} from './govalue.js';
import { mergeValues, type MergeOptions } from './merge.js';

/** crossplane-runtime fieldpath: segments, the lexer's exact errors, and Paved get/set/merge. */

export type Segment = { type: 'field'; field: string } | { type: 'index'; index: number };

const MAX_FIELD_PATH_INDEX = 1024;

export function segmentsString(sg: readonly Segment[]): string {
  let b = '';
  for (const s of sg) {
    if (s.type === 'field') {
      if (s.field === '*' || s.field.includes('.')) b += `[${s.field}]`;
      else b += `.${s.field}`;
    } else {
      b += `[${s.index}]`;
    }
  }
  return b.startsWith('.') ? b.slice(1) : b;
}

function field(s: string): Segment {
  return { type: 'field', field: s.replace(/^['"]+/, '').replace(/['"]+$/, '') };
}

function fieldOrIndex(s: string): Segment {
  if (/^[0-9]+$/.test(s)) {
    const n = Number(s);
    if (n <= 0xffffffff) return { type: 'index', index: n };
  }
  return field(s);
}

/** Parse a field path; errors carry the lexer's message and byte position. */
export function parse(path: string): Segment[] {
  const segments: Segment[] = [];
  let pos = 0;
  let start = 0;
  const fail = (at: number, msg: string): never => {
    throw new GoError(`${msg} at position ${at}`);
  };
  const emit = (kind: 'field' | 'fieldOrIndex' | 'sep'): void => {
    if (pos <= start) return;
    const val = path.slice(start, pos);
    if (kind === 'field') segments.push(field(val));
    else if (kind === 'fieldOrIndex') segments.push(fieldOrIndex(val));
    start = pos;
  };
  type State = 'field' | 'period' | 'left' | 'fieldOrIndex' | 'right' | null;
  let state: State = 'field';
  while (state !== null) {
    switch (state) {
      case 'field': {
        let next: State = null;
        let i = pos;
        for (; i < path.length; i++) {
          const r = path[i];
          if (r === ']') fail(i, "unexpected ']'");
          if (r === '[') {
            pos = i;
            emit('field');
            next = 'left';
            break;
          }
          if (r === '.') {
            pos = i;
            emit('field');
            next = 'period';
            break;
          }
        }
        if (next === null) {
          pos = path.length;
          emit('field');
        }
        state = next;
        break;
      }
      case 'period': {
        if (pos === 0 || pos === path.length - 1) fail(pos, "unexpected '.'");
        pos += 1;
        emit('sep');
        const r = path[pos];
        if (r === '.') fail(pos, "unexpected '.'");
        if (r === '[') fail(pos, "unexpected '['");
        state = 'field';
        break;
      }
      case 'left': {
        if (!path.slice(pos).includes(']')) fail(pos, "unterminated '['");
        pos += 1;
        emit('sep');
        state = 'fieldOrIndex';
        break;
      }
      case 'fieldOrIndex': {
        const rbi = path.slice(pos).indexOf(']');
        if (rbi === 0) fail(pos, "unexpected ']'");
        const lbi = path.slice(pos, pos + rbi).indexOf('[');
        if (lbi > -1) fail(pos + lbi, "unexpected '['");
        pos += rbi;
        emit('fieldOrIndex');
        state = 'right';
        break;
      }
      case 'right':
        pos += 1;
        emit('sep');
        state = 'field';
        break;
    }
  }
  return segments;
}

/** Compositions repeat the same few hundred paths on every render: parse each once. */
const parsed = new Map<string, readonly Segment[]>();

function parseOrWrap(path: string): readonly Segment[] {
  const hit = parsed.get(path);
  if (hit) return hit;
  let segments: Segment[];
  try {
    segments = parse(path);
  } catch (e) {
    throw new GoError(`cannot parse path ${goQuote(path)}: ${(e as Error).message}`);
  }
  // Shared by every use of the path: readonly, never modified.
  if (parsed.size > 50_000) parsed.clear();
  parsed.set(path, segments);
  return segments;
}

/** What lookup() returns for a path that is not there; notFoundError() says why. */
const NOT_FOUND: unique symbol = Symbol('not found');
let notFoundAt: { s: readonly Segment[]; upTo: number; what: string } = { s: [], upTo: 0, what: '' };

function notFound(s: readonly Segment[], upTo: number, what: string): typeof NOT_FOUND {
  notFoundAt = { s, upTo, what };
  return NOT_FOUND;
}

/** The error getFrom throws for what the last lookup() did not find. */
function notFoundError(): GoError {
  const { s, upTo, what } = notFoundAt;
  return new GoError(`${segmentsString(s.slice(0, upTo))}: ${what}`, true);
}

/** getFrom without the cost of an error when the path is simply not there (patch sources often are not). */
function lookup(it0: GoValue, s: readonly Segment[]): GoValue | typeof NOT_FOUND {
  let it = it0;
  for (let i = 0; i < s.length; i++) {
    const cur = s[i];
    const final = i === s.length - 1;
    if (cur.type === 'index') {
      if (!Array.isArray(it)) throw new GoError(`${segmentsString(s.slice(0, i))}: not an array`);
      if (cur.index >= it.length) return notFound(s, i + 1, 'no such element');
      if (final) return it[cur.index];
      it = it[cur.index];
    } else {
      if (isGoMap(it)) {
        if (!hasKey(it, cur.field)) return notFound(s, i + 1, 'no such field');
        if (final) return it[cur.field];
        it = it[cur.field];
      } else if (it === null) {
        return notFound(s, i, 'expected map, got nil');
      } else {
        throw new GoError(`${segmentsString(s.slice(0, i))}: not an object`);
      }
    }
  }
  return null;
}

function getFrom(it0: GoValue, s: readonly Segment[]): GoValue {
  const v = lookup(it0, s);
  if (v === NOT_FOUND) throw notFoundError();
  return v;
}

function prepare(container: GoValue[] | GoMap, key: number | string, next: Segment): void {
  if (Array.isArray(container)) {
    const i = key as number;
    const grown = container[i] === null ? emptyFor(next) : grownFor(container[i], next);
    if (grown !== container[i]) container[i] = grown;
    return;
  }
  const k = key as string;
  if (!hasKey(container, k)) setKey(container, k, emptyFor(next));
  else if (next.type === 'index') {
    const grown = grownFor(container[k], next);
    if (grown !== container[k]) setKey(container, k, grown);
  }
}

const emptyFor = (next: Segment): GoValue =>
  next.type === 'index' ? new Array<GoValue>(next.index + 1).fill(null) : {};

/** An array the next (index) segment fits in: `v` itself when it fits or is no array. */
function grownFor(v: GoValue, next: Segment): GoValue {
  if (next.type !== 'index' || !Array.isArray(v) || next.index < v.length) return v;
  return [...v, ...new Array<GoValue>(next.index - v.length + 1).fill(null)];
}

/**
 * Paved.MergeValue for an object that is never modified in place except through here: returns the
 * merged object, which shares every subtree the merge did not write with `object` (so for such objects
 * the same as merging into a deep copy, as patches do, while copying only the path written).
 *
 * `owned` holds the containers earlier merges into this object made for themselves (copies of shared
 * ones): referenced from nowhere but the object, they are written in place. That is only done when the
 * write cannot fail half way (nor change the kind, which the caller checks): a failed patch leaves the
 * object as it was.
 */
export function mergeValueCopyOnWrite(
  object: GoMap,
  path: string,
  value: GoValue,
  mo: MergeOptions | undefined,
  owned: Set<object>,
): GoMap {
  const merged = mergedAt(object, path, value, mo);
  const segments = parseOrWrap(path);
  const v = marshalled(merged);
  checkIndexes(segments);
  const first = segments[0];
  if (!walkSucceeds(object, segments) || (first?.type === 'field' && first.field === 'kind')) {
    const copy: GoMap = { ...object };
    walkAndSet(copy, segments, v, shallowCopy);
    return copy;
  }
  const root = own(object, owned) as GoMap;
  walkAndSet(root, segments, v, own, owned);
  return root;
}

/** `c`, or a copy of it that `owned` then holds when it is a container not owned yet. */
function own(c: GoValue, owned?: Set<object>): GoValue {
  if (typeof c !== 'object' || c === null || owned?.has(c)) return c;
  const copy = shallowCopy(c);
  owned?.add(copy as object);
  return copy;
}

/** Whether walkAndSet would get to the end of the path (as it prepares the containers on its way). */
function walkSucceeds(object: GoMap, s: readonly Segment[]): boolean {
  let into: GoValue = object;
  for (let i = 0; i < s.length; i++) {
    const cur = s[i];
    if (i === s.length - 1) {
      return cur.type === 'index' ? Array.isArray(into) && cur.index < into.length : isGoMap(into);
    }
    let child: GoValue;
    if (cur.type === 'index') {
      if (!Array.isArray(into) || cur.index >= into.length) return false;
      child = into[cur.index];
      // prepare() makes a null element what the next segment needs, and so on to the end.
      if (child === null) return true;
    } else {
      if (!isGoMap(into)) return false;
      if (!hasKey(into, cur.field)) return true;
      child = into[cur.field];
    }
    const next = s[i + 1];
    // prepare() extends a short array with nulls for the next segment's index.
    if (next.type === 'index' && Array.isArray(child) && next.index >= child.length) return true;
    into = child;
  }
  return true;
}

/** The value MergeValue sets: with merge options, merged into a copy of what is at path. */
function mergedAt(object: GoMap, path: string, value: GoValue, mo: MergeOptions | undefined): GoValue {
  // Without options the current value is not used, and an error reading it is ignored.
  let dst: GoValue = null;
  if (mo !== undefined) {
    const got = lookup(object, parseOrWrap(path));
    dst = got === NOT_FOUND ? null : got;
  }
  return mergeValues(dst === null ? null : deepCopy(dst), value, mo);
}

function marshalled(value: GoValue): GoValue {
  try {
    return roundTripPreserveInts(value);
  } catch (e) {
    throw new GoError(`cannot marshal value to JSON: ${(e as Error).message}`);
  }
}

function checkIndexes(s: readonly Segment[]): void {
  for (let i = 0; i < s.length; i++) {
    const seg = s[i];
    if (seg.type === 'index' && seg.index > MAX_FIELD_PATH_INDEX) {
      throw new GoError(`index ${seg.index} is greater than max allowed index ${MAX_FIELD_PATH_INDEX}`);
    }
  }
}

function setSegments(object: GoMap, s: readonly Segment[], value: GoValue): void {
  const v = marshalled(value);
  checkIndexes(s);
  walkAndSet(object, s, v, undefined);
}

function shallowCopy(v: GoValue): GoValue {
  if (typeof v !== 'object' || v === null) return v;
  return Array.isArray(v) ? v.slice() : { ...v };
}

/**
 * Paved.setValue's walk. With `writable`, each container below `object` is passed through it before it
 * is written (with `owned`), and what it returns (a copy, say) is put in its place.
 */
function walkAndSet(
  object: GoMap,
  s: readonly Segment[],
  v: GoValue,
  writable: ((c: GoValue, owned?: Set<object>) => GoValue) | undefined,
  owned?: Set<object>,
): void {
  let into: GoValue = object;
  for (let i = 0; i < s.length; i++) {
    const cur = s[i];
    const final = i === s.length - 1;
    if (cur.type === 'index') {
      if (!Array.isArray(into)) throw new GoError(`${segmentsString(s.slice(0, i))} is not an array`);
      if (cur.index >= into.length) {
        // Go would panic (index out of range) here; only reachable with a malformed object.
        throw new GoError(`${segmentsString(s.slice(0, i + 1))}: index out of range`);
      }
      if (final) {
        into[cur.index] = v;
        return;
      }
      prepare(into, cur.index, s[i + 1]);
      if (writable) into[cur.index] = writable(into[cur.index], owned);
      into = into[cur.index];
    } else {
      if (!isGoMap(into)) throw new GoError(`${segmentsString(s.slice(0, i))} is not an object`);
      if (final) {
        setKey(into, cur.field, v);
        return;
      }
      prepare(into, cur.field, s[i + 1]);
      if (writable) {
        const w = writable(into[cur.field], owned);
        if (w !== into[cur.field]) setKey(into, cur.field, w);
      }
      into = into[cur.field];
    }
  }
}

/** A paved object: an unstructured map with fieldpath accessors. It is modified in place. */
export class Paved {
  constructor(readonly object: GoMap) {}

  getValue(path: string): GoValue {
    return getFrom(this.object, parseOrWrap(path));
  }

  getString(path: string): string {
    const v = this.getValue(path);
    if (typeof v !== 'string') throw new GoError(`${path}: not a string`);
    return v;
  }

  getBool(path: string): boolean {
    const v = this.getValue(path);
    if (typeof v !== 'boolean') throw new GoError(`${path}: not a bool`);
    return v;
  }

  getInteger(path: string): bigint {
    const v = this.getValue(path);
    if (typeof v !== 'bigint') throw new GoError(`${path}: not a (int64) number`);
    return v;
  }

  setValue(path: string, value: GoValue): void {
    setSegments(this.object, parseOrWrap(path), value);
  }

  /** Paved.MergeValue: merge (per the options) into whatever is at path, then set it. */
  mergeValue(path: string, value: GoValue, mo: MergeOptions | undefined): void {
    const merged = mergedAt(this.object, path, value, mo);
    setSegments(this.object, parseOrWrap(path), merged);
  }

  /** Paved.ExpandWildcards: every concrete path matching a path with '*' segments. */
  expandWildcards(path: string): string[] {
    let segments: Segment[];
    try {
      segments = parse(path);
    } catch (e) {
      throw new GoError(`cannot parse path ${goQuote(path)}: ${(e as Error).message}`);
    }
    let expanded: Segment[][];
    try {
      expanded = expand(this.object, segments);
    } catch (e) {
      const ge = e instanceof GoError ? e : new GoError(String(e));
      throw new GoError(
        `cannot expand wildcards for segments: ${goQuote(segmentsString(segments))}: ${ge.message}`,
        ge.notFound,
      );
    }
    return expanded.map((s) => segmentsString(s));
  }
}

function expand(data: GoMap, segments: Segment[]): Segment[][] {
  const res: Segment[][] = [];
  let it: GoValue = data;
  for (let i = 0; i < segments.length; i++) {
    const cur = segments[i];
    if (cur.type === 'field' && cur.field === '*') {
      const keys: Segment[] = [];
      if (Array.isArray(it)) {
        for (let ix = 0; ix < it.length; ix++) keys.push({ type: 'index', index: ix });
      } else if (isGoMap(it)) {
        for (const k of Object.keys(it)) keys.push({ type: 'field', field: k });
      } else if (it === null) {
        throw new GoError(
          `wildcard field ${goQuote(segmentsString(segments.slice(0, i)))} is not found in the path`,
          true,
        );
      } else {
        throw new GoError(`${goQuote(segmentsString(segments.slice(0, i)))}: unexpected wildcard usage`);
      }
      for (const k of keys) {
        const next = [...segments.slice(0, i), k, ...segments.slice(i + 1)];
        try {
          res.push(...expand(data, next));
        } catch (e) {
          const ge = e instanceof GoError ? e : new GoError(String(e));
          throw new GoError(
            `${goQuote(segmentsString(next))}: cannot expand wildcards: ${ge.message}`,
            ge.notFound,
          );
        }
      }
      return res;
    }
    try {
      it = getFrom(data, segments.slice(0, i + 1));
    } catch (e) {
      if (e instanceof GoError && e.notFound) return [];
      throw e;
    }
  }
  res.push(segments);
  return res;
}
