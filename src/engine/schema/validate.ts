import {
  CelCompileError,
  compileRE2,
  compileRule,
  optionalOf,
  toCelValue,
  type CelSchema,
  type CompiledRule,
} from '../cel/index.js';
import { body, childPath, err, inBody, indexPath, renderValue, ruleError } from './errors.js';
import { checkFormat } from './formats.js';
import { validateEmbeddedTypeMeta } from './objectmeta.js';
import type { JSONSchemaProps, SchemaError, ValidateOptions, ValidationRule } from './types.js';
import { isObject } from '../../core/json.js';

/** A correlated old value: present only when the apiserver could pair the new value with an old one. */
type Old = { value: unknown } | undefined;

const MAX_MESSAGE_EXPRESSION_LENGTH = 5000;

export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((x, i) => jsonEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return (
      ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]))
    );
  }
  return false;
}

/**
 * Whether the apiserver decodes the JSON number V as an integer: an integral value that fits int64
 * (a bigger one, such as 1e20, is decoded as a float64 and is no `integer`).
 */
function isJsonInteger(v: number): boolean {
  return Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 63;
}

function jsonTypeOf(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return isJsonInteger(v) ? 'integer' : 'number';
  if (typeof v === 'object') return 'object';
  return typeof v;
}

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case 'object':
      return isObject(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'integer':
      return typeof v === 'number' && isJsonInteger(v);
    default:
      return true;
  }
}

const runeLength = (s: string): number => {
  let n = 0;
  for (const _c of s) n++;
  return n;
};

function listMapKey(item: unknown, keys: string[]): string {
  return JSON.stringify(keys.map((k) => (isObject(item) ? (item[k] ?? null) : null)));
}

function parseRuleFieldPath(fieldPath: string, base: string): string | undefined {
  let path = base;
  let rest = fieldPath.trim();
  while (rest.length > 0) {
    const dot = /^\.([A-Za-z_][A-Za-z0-9_-]*)/.exec(rest);
    if (dot) {
      path = childPath(path, dot[1]);
      rest = rest.slice(dot[0].length);
      continue;
    }
    const bracket = /^\[\s*'((?:[^'\\]|\\.)*)'\s*\]/.exec(rest);
    if (bracket) {
      path = childPath(path, bracket[1].replace(/\\(.)/g, '$1'));
      rest = rest.slice(bracket[0].length);
      continue;
    }
    return undefined;
  }
  return path;
}

class Validator {
  readonly errors: SchemaError[] = [];

  constructor(private readonly kubernetesObject: boolean) {}

  validate(s: JSONSchemaProps, v: unknown, path: string, old: Old, root: boolean): void {
    this.node(s, v, path, old, false, root);
  }

  /**
   * Returns false when the value has the wrong type (children and rules are then skipped). PATH names
   * the value in schema errors; CELPATH in CEL rule errors, which differ for map values: the schema
   * validator says `spec.tags.env` (kube-openapi joins with a dot), CEL `spec.tags[env]` (field.Path.Key).
   */
  private node(
    s: JSONSchemaProps,
    v: unknown,
    path: string,
    old: Old,
    valueOnly: boolean,
    root = false,
    celPath = path,
  ): boolean {
    if (v === null) {
      if (s.nullable || (!s.type && !s['x-kubernetes-int-or-string'])) return true;
      const expected = s['x-kubernetes-int-or-string'] ? 'integer,string' : (s.type ?? '');
      this.push(
        err(path, 'type', body.invalid('null', `${inBody(path)} must be of type ${expected}: "null"`)),
      );
      return false;
    }
    if (!this.typeCheck(s, v, path)) return false;

    if (s.enum && !s.enum.some((e) => jsonEqual(e, v))) {
      const supported = s.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e)));
      this.push(err(path, 'enum', body.notSupported(v, supported)));
    }
    if (typeof v === 'string') this.string(s, v, path);
    else if (typeof v === 'number') this.number(s, v, path);
    else if (Array.isArray(v)) this.array(s, v, path, old, valueOnly, celPath);
    else if (isObject(v)) this.object(s, v, path, old, valueOnly, root, celPath);

    this.junctors(s, v, path);
    if (!valueOnly && s['x-kubernetes-validations']?.length) this.rules(s, v, celPath, old, root);
    return true;
  }

  private push(e: SchemaError): void {
    this.errors.push(e);
  }

  private typeCheck(s: JSONSchemaProps, v: unknown, path: string): boolean {
    const actual = jsonTypeOf(v);
    if (s['x-kubernetes-int-or-string']) {
      if (typeof v === 'string' || (typeof v === 'number' && isJsonInteger(v))) return true;
      this.push(
        err(
          path,
          'type',
          body.invalid(actual, `${inBody(path)} must be of type integer,string: "${actual}"`),
        ),
      );
      return false;
    }
    if (!s.type || typeMatches(s.type, v)) return true;
    this.push(
      err(path, 'type', body.invalid(actual, `${inBody(path)} must be of type ${s.type}: "${actual}"`)),
    );
    return false;
  }

  private string(s: JSONSchemaProps, v: string, path: string): void {
    if (s.maxLength !== undefined && runeLength(v) > s.maxLength) {
      this.push(err(path, 'length', body.tooLong(s.maxLength)));
    }
    if (s.minLength !== undefined && runeLength(v) < s.minLength) {
      this.push(
        err(path, 'length', body.invalid(v, `${inBody(path)} should be at least ${s.minLength} chars long`)),
      );
    }
    if (s.pattern !== undefined) {
      let ok: boolean;
      try {
        ok = compileRE2(s.pattern).test(v);
      } catch (e) {
        this.push(
          err(path, 'pattern', body.invalid(v, `invalid pattern '${s.pattern}': ${(e as Error).message}`)),
        );
        ok = true;
      }
      if (!ok)
        this.push(err(path, 'pattern', body.invalid(v, `${inBody(path)} should match '${s.pattern}'`)));
    }
    if (s.format && checkFormat(s.format, v) === false) {
      this.push(
        err(
          path,
          'format',
          body.invalid(v, `${inBody(path)} must be of type ${s.format}: ${renderValue(v)}`),
        ),
      );
    }
  }

  private number(s: JSONSchemaProps, v: number, path: string): void {
    if (s.maximum !== undefined) {
      if (s.exclusiveMaximum ? v >= s.maximum : v > s.maximum) {
        const rel = s.exclusiveMaximum ? 'less than' : 'less than or equal to';
        this.push(err(path, 'range', body.invalid(v, `${inBody(path)} should be ${rel} ${s.maximum}`)));
      }
    }
    if (s.minimum !== undefined) {
      if (s.exclusiveMinimum ? v <= s.minimum : v < s.minimum) {
        const rel = s.exclusiveMinimum ? 'greater than' : 'greater than or equal to';
        this.push(err(path, 'range', body.invalid(v, `${inBody(path)} should be ${rel} ${s.minimum}`)));
      }
    }
    if (s.multipleOf !== undefined && s.multipleOf > 0) {
      const q = v / s.multipleOf;
      if (Math.abs(q - Math.round(q)) > 1e-9) {
        this.push(
          err(path, 'range', body.invalid(v, `${inBody(path)} should be a multiple of ${s.multipleOf}`)),
        );
      }
    }
  }

  private array(
    s: JSONSchemaProps,
    v: unknown[],
    path: string,
    old: Old,
    valueOnly: boolean,
    celPath: string,
  ): void {
    if (s.maxItems !== undefined && v.length > s.maxItems)
      this.push(err(path, 'items', body.tooMany(v.length, s.maxItems)));
    if (s.minItems !== undefined && v.length < s.minItems) {
      this.push(
        err(
          path,
          'items',
          body.invalid(v.length, `${inBody(path)} should have at least ${s.minItems} items`),
        ),
      );
    }
    if (s.uniqueItems && v.some((x, i) => v.slice(0, i).some((y) => jsonEqual(x, y)))) {
      this.push(err(path, 'duplicate', body.invalid('', `${inBody(path)} shouldn't contain duplicates`)));
    }
    const listType = s['x-kubernetes-list-type'];
    const mapKeys = s['x-kubernetes-list-map-keys'] ?? [];
    if (listType === 'set') {
      v.forEach((x, i) => {
        if (v.slice(0, i).some((y) => jsonEqual(x, y)))
          this.push(err(indexPath(path, i), 'duplicate', body.duplicate(x)));
      });
    } else if (listType === 'map' && mapKeys.length > 0) {
      const seen = new Set<string>();
      v.forEach((x, i) => {
        const key = listMapKey(x, mapKeys);
        if (seen.has(key)) {
          const keyObj = Object.fromEntries(mapKeys.map((k) => [k, isObject(x) ? x[k] : undefined]));
          this.push(err(indexPath(path, i), 'duplicate', body.duplicate(keyObj)));
        }
        seen.add(key);
      });
    }
    if (!s.items) return;
    const oldList = old && Array.isArray(old.value) ? old.value : undefined;
    v.forEach((item, i) => {
      let oldItem: Old;
      if (oldList && listType === 'map' && mapKeys.length > 0) {
        const key = listMapKey(item, mapKeys);
        const match = oldList.find((o) => listMapKey(o, mapKeys) === key);
        oldItem = match === undefined ? undefined : { value: match };
      } else if (oldList && listType === 'set') {
        oldItem = oldList.some((o) => jsonEqual(o, item)) ? { value: item } : undefined;
      }
      const items = s.items as JSONSchemaProps;
      this.node(items, item, indexPath(path, i), oldItem, valueOnly, false, indexPath(celPath, i));
    });
  }

  private object(
    s: JSONSchemaProps,
    v: Record<string, unknown>,
    path: string,
    old: Old,
    valueOnly: boolean,
    root: boolean,
    celPath: string,
  ): void {
    const keys = Object.keys(v);
    if (s.maxProperties !== undefined && keys.length > s.maxProperties) {
      this.push(err(path, 'properties', body.tooMany(keys.length, s.maxProperties)));
    }
    if (s.minProperties !== undefined && keys.length < s.minProperties) {
      this.push(
        err(
          path,
          'properties',
          body.invalid(keys.length, `${inBody(path)} should have at least ${s.minProperties} properties`),
        ),
      );
    }
    for (const req of s.required ?? []) {
      if (!Object.hasOwn(v, req)) this.push(err(childPath(path, req), 'required', body.required()));
    }
    const embedded = s['x-kubernetes-embedded-resource'] === true;
    if (embedded && !valueOnly) this.errors.push(...validateEmbeddedTypeMeta(v, path));
    const props = s.properties ?? {};
    const additional = s.additionalProperties;
    const preserve = s['x-kubernetes-preserve-unknown-fields'] === true;
    const oldObj = old && isObject(old.value) ? old.value : undefined;
    for (const key of keys) {
      const value = v[key];
      const p = childPath(path, key);
      const oldChild: Old = oldObj && Object.hasOwn(oldObj, key) ? { value: oldObj[key] } : undefined;
      const propSchema = props[key];
      if (root && this.kubernetesObject && key === 'metadata') {
        this.rootMetadata(propSchema, value, p);
        continue;
      }
      if (propSchema) {
        this.node(propSchema, value, p, oldChild, valueOnly, false, childPath(celPath, key));
      } else if (additional !== undefined && additional !== false) {
        if (typeof additional === 'object')
          this.node(additional, value, p, oldChild, valueOnly, false, indexPath(celPath, key));
      } else if (embedded && (key === 'apiVersion' || key === 'kind' || key === 'metadata')) {
        continue;
      } else if (
        !preserve &&
        !valueOnly &&
        (s.properties !== undefined || additional === false || s.type === 'object')
      ) {
        this.push(err(p, 'unknown-field', 'field not declared in schema'));
      }
    }
  }

  /** The apiserver validates metadata as ObjectMeta; a CRD schema may only constrain name and generateName. */
  private rootMetadata(s: JSONSchemaProps | undefined, v: unknown, path: string): void {
    if (!s || !isObject(v)) return;
    for (const field of ['name', 'generateName']) {
      const fieldSchema = s.properties?.[field];
      if (fieldSchema && v[field] !== undefined)
        this.node(fieldSchema, v[field], childPath(path, field), undefined, true);
    }
  }

  private junctors(s: JSONSchemaProps, v: unknown, path: string): void {
    const passes = (sub: JSONSchemaProps): SchemaError[] => {
      const inner = new Validator(this.kubernetesObject);
      inner.node(sub, v, path, undefined, true);
      return inner.errors;
    };
    if (s.allOf?.length) {
      const failing = s.allOf.map(passes).filter((e) => e.length > 0);
      if (failing.length > 0) {
        this.push(
          err(path, 'composition', body.invalid('', `${inBody(path)} must validate all the schemas (allOf)`)),
        );
        this.errors.push(...failing.flat());
      }
    }
    if (s.anyOf?.length && !s['x-kubernetes-int-or-string']) {
      if (!s.anyOf.some((sub) => passes(sub).length === 0)) {
        this.push(
          err(
            path,
            'composition',
            body.invalid('', `${inBody(path)} must validate at least one schema (anyOf)`),
          ),
        );
      }
    }
    if (s.oneOf?.length) {
      const matched = s.oneOf.filter((sub) => passes(sub).length === 0).length;
      if (matched !== 1) {
        this.push(
          err(
            path,
            'composition',
            body.invalid('', `${inBody(path)} must validate one and only one schema (oneOf)`),
          ),
        );
      }
    }
    if (s.not && passes(s.not).length === 0) {
      this.push(
        err(path, 'composition', body.invalid('', `${inBody(path)} must not validate the schema (not)`)),
      );
    }
  }

  private rules(s: JSONSchemaProps, v: unknown, path: string, old: Old, root: boolean): void {
    const typeName = s.type ?? '';
    let self: unknown;
    let oldSelf: unknown;
    const celSelf = (): unknown => (self ??= this.celValue(s, v, root));
    const celOldSelf = (): unknown =>
      old === undefined ? undefined : (oldSelf ??= this.celValue(s, old.value, root));
    for (const rule of s['x-kubernetes-validations'] ?? []) {
      let compiled: CompiledRule;
      try {
        compiled = compileRule(rule.rule);
      } catch (e) {
        const msg = e instanceof CelCompileError ? e.message : String(e);
        this.push({
          ...err(path, 'rule-error', body.invalid(typeName, `rule compiler errors: ${msg}`)),
          rule: rule.rule,
        });
        continue;
      }
      let oldVar: unknown;
      if (compiled.usesOldSelf) {
        if (rule.optionalOldSelf) oldVar = optionalOf(celOldSelf());
        else if (old === undefined || old.value === undefined || old.value === null) continue;
        else oldVar = celOldSelf();
      }
      let result: unknown;
      try {
        result = compiled.evaluate({ self: celSelf(), oldSelf: oldVar });
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        const detail = msg.startsWith('no such overload')
          ? `'${msg}': call arguments did not match a supported operator, function or macro signature for rule: ${rule.rule.trim()}`
          : `${msg} evaluating rule: ${rule.rule.trim()}`;
        this.push({ ...err(path, 'rule-error', body.invalid(typeName, detail)), rule: rule.rule });
        continue;
      }
      if (result === true) continue;
      const errPath = rule.fieldPath ? (parseRuleFieldPath(rule.fieldPath, path) ?? path) : path;
      const message = this.ruleMessage(rule, celSelf(), oldVar);
      this.push(ruleError(errPath, rule.reason, typeName, message, rule.rule));
    }
  }

  private ruleMessage(rule: ValidationRule, self: unknown, oldSelf: unknown): string {
    const fallback = rule.message?.trim() ? rule.message : `failed rule: ${rule.rule.trim()}`;
    if (!rule.messageExpression) return fallback;
    try {
      const out = compileRule(rule.messageExpression).evaluate({ self, oldSelf });
      if (
        typeof out !== 'string' ||
        out.trim() === '' ||
        out.length > MAX_MESSAGE_EXPRESSION_LENGTH ||
        /[\r\n]/.test(out)
      ) {
        return fallback;
      }
      return out;
    } catch {
      return fallback;
    }
  }

  private celValue(s: JSONSchemaProps, v: unknown, root: boolean): unknown {
    if (root && this.kubernetesObject && isObject(v) && isObject(v.metadata)) {
      const meta: Record<string, unknown> = {};
      if (v.metadata.name !== undefined) meta.name = v.metadata.name;
      if (v.metadata.generateName !== undefined) meta.generateName = v.metadata.generateName;
      const metaSchema: CelSchema = {
        type: 'object',
        properties: { name: { type: 'string' }, generateName: { type: 'string' } },
      };
      const rootSchema: CelSchema = {
        ...(s as CelSchema),
        properties: { ...(s.properties ?? {}), metadata: metaSchema },
      };
      return toCelValue({ ...v, metadata: meta }, rootSchema);
    }
    return toCelValue(v, s as CelSchema);
  }
}

/**
 * Validates `obj` against a structural OpenAPI v3 schema the way the apiserver does for custom resources,
 * except that unknown fields are reported (`field not declared in schema`) instead of pruned.
 */
export function validate(schema: JSONSchemaProps, obj: unknown, opts: ValidateOptions = {}): SchemaError[] {
  const v = new Validator(opts.kubernetesObject === true);
  const old: Old = opts.oldObj === undefined ? undefined : { value: opts.oldObj };
  v.validate(schema, obj, opts.path ?? '', old, true);
  return v.errors;
}
