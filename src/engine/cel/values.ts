import { Duration } from '@marcbachmann/cel-js/evaluator';
import { isPlainRecord } from './equality.js';
import { isValidDate, isValidDateTime } from './formats.js';

/** The subset of an OpenAPI v3 (structural) schema that drives CEL value conversion. */
export interface CelSchema {
  type?: string;
  format?: string;
  nullable?: boolean;
  properties?: Record<string, CelSchema>;
  additionalProperties?: CelSchema | boolean;
  items?: CelSchema;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
}

const reserved = new Set([
  'true',
  'false',
  'null',
  'in',
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
  'var',
  'void',
  'while',
]);

/**
 * The name under which CEL sees an object property, as Kubernetes escapes it (`foo-bar` → `foo__dash__bar`,
 * `namespace` → `__namespace__`). Undefined when the property is not accessible from CEL.
 */
export function escapeCelName(name: string): string | undefined {
  if (name.length === 0 || /^[0-9]/.test(name)) return undefined;
  if (reserved.has(name)) return `__${name}__`;
  let ok = true;
  const out = name.replace(/__|[-./]|[^a-zA-Z0-9\-./_]/g, (m) => {
    switch (m) {
      case '__':
        return '__underscores__';
      case '.':
        return '__dot__';
      case '-':
        return '__dash__';
      case '/':
        return '__slash__';
      default:
        ok = false;
        return '';
    }
  });
  return ok ? out : undefined;
}

/** Converts JSON with no schema information: integral numbers become CEL ints. */
export function toCelDyn(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return Array.from(value as unknown[], toCelDyn);
  if (isPlainRecord(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[key] = toCelDyn(v);
    return out;
  }
  return value;
}

const embeddedMeta: Record<string, CelSchema> = {
  apiVersion: { type: 'string' },
  kind: { type: 'string' },
  metadata: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
};

function parseGoDuration(s: string): Duration | undefined {
  const m = /^([+-])?((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$/.exec(s);
  if (!m && s !== '0') return undefined;
  if (s === '0') return new Duration(0, 0);
  const sign = s.startsWith('-') ? -1n : 1n;
  let nanos = 0n;
  const units: Record<string, bigint> = {
    ns: 1n,
    us: 1000n,
    µs: 1000n,
    ms: 1000000n,
    s: 1000000000n,
    m: 60000000000n,
    h: 3600000000000n,
  };
  for (const part of s.replace(/^[+-]/, '').matchAll(/(\d*)(?:\.(\d*))?(ns|us|µs|ms|s|m|h)/g)) {
    const unit = units[part[3]];
    nanos += BigInt(part[1] || '0') * unit;
    if (part[2]) nanos += (BigInt(part[2].slice(0, 18).padEnd(18, '0')) * unit) / 10n ** 18n;
  }
  nanos *= sign;
  return new Duration(nanos / 1000000000n, Number(nanos % 1000000000n));
}

/**
 * Converts a JSON value to the CEL value the apiserver builds from the structural schema: integer → int (BigInt),
 * number → double, string formats date/date-time → timestamp, duration → duration, byte → bytes; object properties
 * are exposed under their escaped names, undeclared properties are dropped (pruned) unless preserved.
 */
export function toCelValue(value: unknown, schema: CelSchema | undefined): unknown {
  if (value === null || value === undefined) return null;
  if (!schema) return toCelDyn(value);
  if (schema['x-kubernetes-int-or-string']) {
    return typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value;
  }
  switch (schema.type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value;
    case 'number':
      return typeof value === 'number' ? value : value;
    case 'string':
      return typeof value === 'string' ? convertString(value, schema.format) : value;
    case 'array':
      return Array.isArray(value)
        ? Array.from(value as unknown[], (v) => toCelValue(v, schema.items))
        : value;
    case 'object':
      return isPlainRecord(value) ? convertObject(value, schema) : value;
    default:
      return toCelDyn(value);
  }
}

function convertString(value: string, format: string | undefined): unknown {
  switch (format) {
    case 'date-time':
    case 'datetime':
      return isValidDateTime(value) ? new Date(value) : value;
    case 'date':
      return isValidDate(value) ? new Date(`${value}T00:00:00Z`) : value;
    case 'duration':
      return parseGoDuration(value) ?? value;
    case 'byte':
      return new Uint8Array(Buffer.from(value, 'base64'));
    default:
      return value;
  }
}

function convertObject(value: Record<string, unknown>, schema: CelSchema): Record<string, unknown> {
  const props =
    schema['x-kubernetes-embedded-resource'] === true
      ? { ...embeddedMeta, ...(schema.properties ?? {}) }
      : schema.properties;
  const out: Record<string, unknown> = {};
  if (props && Object.keys(props).length > 0) {
    for (const [key, v] of Object.entries(value)) {
      const propSchema = props[key];
      const name = escapeCelName(key);
      if (name === undefined) continue;
      if (propSchema) out[name] = toCelValue(v, propSchema);
      else if (schema['x-kubernetes-preserve-unknown-fields']) out[name] = toCelDyn(v);
    }
    return out;
  }
  const additional = schema.additionalProperties;
  if (additional !== undefined && additional !== false) {
    const itemSchema = typeof additional === 'object' ? additional : undefined;
    for (const [key, v] of Object.entries(value)) out[key] = toCelValue(v, itemSchema);
    return out;
  }
  if (schema['x-kubernetes-preserve-unknown-fields']) {
    for (const [key, v] of Object.entries(value)) {
      const name = escapeCelName(key);
      if (name !== undefined) out[name] = toCelDyn(v);
    }
  }
  return out;
}
