import { isDeepStrictEqual } from 'node:util';

export type JsonObject = { [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function clone<T>(value: T): T {
  return structuredClone(value);
}

export function deepEqual(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a, b);
}

/** RFC 7386 JSON merge patch. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const result: JsonObject = isObject(target) ? clone(target) : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

export class PatchError extends Error {}

type JsonPatchOp = { op: string; path: string; from?: string; value?: unknown };

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new PatchError(`invalid JSON pointer ${JSON.stringify(pointer)}`);
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function locate(doc: unknown, tokens: string[]): { parent: unknown; key: string } {
  let parent = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(parent)) parent = parent[Number(token)];
    else if (isObject(parent)) parent = parent[token];
    else parent = undefined;
    if (parent === undefined) throw new PatchError(`path not found: /${tokens.join('/')}`);
  }
  return { parent, key: tokens[tokens.length - 1] };
}

function readPointer(doc: unknown, tokens: string[]): unknown {
  if (tokens.length === 0) return doc;
  const { parent, key } = locate(doc, tokens);
  const value = Array.isArray(parent) ? parent[Number(key)] : isObject(parent) ? parent[key] : undefined;
  if (value === undefined) throw new PatchError(`path not found: /${tokens.join('/')}`);
  return value;
}

function removePointer(doc: unknown, tokens: string[]): unknown {
  const { parent, key } = locate(doc, tokens);
  const old = readPointer(doc, tokens);
  if (Array.isArray(parent)) parent.splice(Number(key), 1);
  else if (isObject(parent)) delete parent[key];
  return old;
}

function addPointer(doc: unknown, tokens: string[], value: unknown): unknown {
  if (tokens.length === 0) return value;
  const { parent, key } = locate(doc, tokens);
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key);
    if (!Number.isInteger(index) || index < 0 || index > parent.length) {
      throw new PatchError(`array index out of range: ${key}`);
    }
    parent.splice(index, 0, value);
  } else if (isObject(parent)) {
    parent[key] = value;
  } else {
    throw new PatchError(`cannot add at /${tokens.join('/')}`);
  }
  return doc;
}

/** RFC 6902 JSON patch. */
export function jsonPatch(target: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new PatchError('JSON patch body must be an array of operations');
  let doc = clone(target);
  for (const raw of ops) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw new PatchError('invalid JSON patch operation');
    }
    const op = raw as JsonPatchOp;
    const tokens = parsePointer(op.path);
    switch (op.op) {
      case 'add':
        doc = addPointer(doc, tokens, clone(op.value));
        break;
      case 'remove':
        removePointer(doc, tokens);
        break;
      case 'replace':
        removePointer(doc, tokens);
        doc = addPointer(doc, tokens, clone(op.value));
        break;
      case 'move': {
        const value = removePointer(doc, parsePointer(op.from ?? ''));
        doc = addPointer(doc, tokens, value);
        break;
      }
      case 'copy':
        doc = addPointer(doc, tokens, clone(readPointer(doc, parsePointer(op.from ?? ''))));
        break;
      case 'test':
        if (!deepEqual(readPointer(doc, tokens), op.value)) throw new PatchError(`test failed at ${op.path}`);
        break;
      default:
        throw new PatchError(`unknown JSON patch op ${JSON.stringify(op.op)}`);
    }
  }
  return doc;
}
