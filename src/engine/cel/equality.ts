import { CIDRPrefix, IPAddr } from './net.js';

export function celEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) {
    return Number(a) === Number(b) && (typeof a !== 'bigint' || typeof b !== 'bigint' || a === b);
  }
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof IPAddr && b instanceof IPAddr) return a.equals(b);
  if (a instanceof CIDRPrefix && b instanceof CIDRPrefix) return a.equals(b);
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    return a.length === b.length && a.every((x, i) => x === b[i]);
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => celEquals(x, b[i]));
  }
  if (isPlainRecord(a) && isPlainRecord(b)) {
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.hasOwn(b, k) && celEquals(a[k], b[k]));
  }
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const va = (a as { valueOf(): unknown }).valueOf();
    const vb = (b as { valueOf(): unknown }).valueOf();
    if (va !== a && vb !== b) return celEquals(va, vb);
  }
  return false;
}

export function isPlainRecord(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  // Realm-agnostic: the prototype is some realm's Object.prototype (whose own prototype is null), or null.
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/** Ordering used by the Kubernetes list library (isSorted, min, max): same-kind comparable values only. */
export function celCompare(a: unknown, b: unknown): number {
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) {
    if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
    const x = Number(a);
    const y = Number(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') {
    const x = Buffer.from(a, 'utf8');
    const y = Buffer.from(b, 'utf8');
    return Buffer.compare(x, y);
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a instanceof Date && b instanceof Date) return Math.sign(a.getTime() - b.getTime());
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b);
  const va = a !== null && typeof a === 'object' ? (a as { valueOf(): unknown }).valueOf() : a;
  const vb = b !== null && typeof b === 'object' ? (b as { valueOf(): unknown }).valueOf() : b;
  if (typeof va === 'number' && typeof vb === 'number') return Math.sign(va - vb);
  throw new Error(`no such overload: values of type ${typeName(a)} and ${typeName(b)} are not comparable`);
}

export function typeName(v: unknown): string {
  if (v === null) return 'null_type';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'number') return 'double';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof Date) return 'google.protobuf.Timestamp';
  if (isPlainRecord(v) || v instanceof Map) return 'map';
  return typeof v === 'object' ? (v.constructor?.name ?? 'object') : typeof v;
}
