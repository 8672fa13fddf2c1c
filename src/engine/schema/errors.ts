import type { SchemaError, SchemaErrorKind, ValidationReason } from './types.js';

export function childPath(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

export function indexPath(path: string, index: number | string): string {
  return `${path}[${index}]`;
}

/** Renders a bad value the way apimachinery's field.Error does (strings quoted, scalars bare, the rest as JSON). */
export function renderValue(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  try {
    return JSON.stringify(v);
  } catch {
    return String(v);
  }
}

const withDetail = (head: string, detail?: string): string => (detail ? `${head}: ${detail}` : head);

export const body = {
  required: (detail?: string): string => withDetail('Required value', detail),
  forbidden: (detail?: string): string => withDetail('Forbidden', detail),
  invalid: (value: unknown, detail?: string): string =>
    withDetail(`Invalid value: ${renderValue(value)}`, detail),
  notSupported: (value: unknown, supported: string[]): string =>
    `Unsupported value: ${renderValue(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
  duplicate: (value: unknown): string => `Duplicate value: ${renderValue(value)}`,
  tooLong: (max: number): string => `Too long: may not be more than ${max} bytes`,
  tooMany: (actual: number, max: number): string => `Too many: ${actual}: must have at most ${max} items`,
};

/** `<path> in body` as kube-openapi words it. */
export function inBody(path: string): string {
  return `${path === '' ? 'body' : path} in body`;
}

export function err(path: string, kind: SchemaErrorKind, message: string): SchemaError {
  return { path, kind, message };
}

export function ruleError(
  path: string,
  reason: ValidationReason | undefined,
  typeName: string,
  detail: string,
  rule: string,
): SchemaError {
  let message: string;
  switch (reason) {
    case 'FieldValueForbidden':
      message = body.forbidden(detail);
      break;
    case 'FieldValueRequired':
      message = body.required(detail);
      break;
    case 'FieldValueDuplicate':
      message = `${body.duplicate(typeName)}: ${detail}`;
      break;
    default:
      message = body.invalid(typeName, detail);
  }
  return { path, kind: 'rule', message, rule, reason: reason ?? 'FieldValueInvalid' };
}

/** `path: message`, the line kubectl prints for one field error. */
export function formatSchemaError(e: SchemaError): string {
  return e.path === '' ? e.message : `${e.path}: ${e.message}`;
}

/**
 * Schema errors after which the apiserver skips a custom resource's CEL rules (apiextensions'
 * hasBlockingErr: NotSupported, Required, TooLong, TooMany and TypeInvalid field errors); it then adds
 * NOT_CHECKED at the root instead of the rules' results.
 */
export function isBlockingError(e: SchemaError): boolean {
  if (e.kind === 'rule' || e.kind === 'rule-error') return false;
  if (e.kind === 'type') return true;
  return /^(Required value|Unsupported value|Too long|Too many)\b/.test(e.message);
}

export const NOT_CHECKED = body.invalid(
  null,
  'some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
);
