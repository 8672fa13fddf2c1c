/**
 * Reads YAML the way kubectl and Crossplane do (go-yaml v2 behind sigs.k8s.io/yaml), so that a claim
 * means the same to `envstack validate` as to `kubectl apply`:
 * - YAML 1.1 booleans: `on`, `yes`, `y` are true and `off`, `no`, `n` are false, unlike YAML 1.2;
 * - numbers as Go's strconv reads them: `010` is octal 8, `+.5` is 0.5, `1_000` is 1000;
 * - no timestamps: `2024-01-01` stays the string it is (go-yaml v2 keeps timestamp-like scalars as
 *   strings when decoding into interface{}), where js-yaml would make a Date;
 * - a key given twice in one mapping keeps its last value, as sigs.k8s.io/yaml does, instead of
 *   failing the whole document; an unknown tag (`!!foo x`) leaves the value as it is.
 */
import yaml from 'js-yaml';
import type { Unstructured } from './fnapi.js';

const TRUE = ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'];
const FALSE = ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'];

const bool11 = new yaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (data: unknown) => typeof data === 'string' && (TRUE.includes(data) || FALSE.includes(data)),
  construct: (data: string) => TRUE.includes(data),
  predicate: (v: unknown) => typeof v === 'boolean',
  represent: (v: object) => String(v),
});

const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** strconv.ParseInt(s, 0, 64), else strconv.ParseUint(s, 0, 64): the value, or undefined. */
function goParseInteger(s: string): bigint | undefined {
  const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const [, sign, digits] = m;
  const body = /^0[0-7]+$/.test(digits) ? `0o${digits.slice(1)}` : digits.toLowerCase();
  const v = BigInt(body);
  if (sign === '-') return v <= INT64_MAX + 1n ? -v : undefined;
  return v <= (sign === '+' ? INT64_MAX : UINT64_MAX) ? v : undefined;
}

const YAML_STYLE_FLOAT = /^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/;
const GO_TIMESTAMP = /^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ]|$)/;

/** What go-yaml v2 resolves a plain scalar starting with a digit, a sign or a dot to, when a number. */
function goNumber(data: string): number | undefined {
  const c = data[0];
  if (c === '.') {
    if (!/^\.[0-9]+([eE][-+]?[0-9]+)?$/.test(data)) return undefined;
    const v = Number(data);
    return Number.isFinite(v) ? v : undefined;
  }
  if (c === undefined || !'+-0123456789'.includes(c) || GO_TIMESTAMP.test(data)) return undefined;
  const plain = data.replaceAll('_', '');
  const int = goParseInteger(plain);
  if (int !== undefined) return Number(int);
  if (YAML_STYLE_FLOAT.test(plain)) {
    const v = Number(plain);
    // strconv.ParseFloat fails on overflow; the scalar then stays a string.
    return Number.isFinite(v) ? v : undefined;
  }
  const bin = /^(-?)0b([01]+)$/.exec(plain);
  if (bin) {
    const v = BigInt(`0b${bin[2]}`);
    if (v <= (bin[1] ? INT64_MAX + 1n : INT64_MAX)) return Number(bin[1] ? -v : v);
  }
  return undefined;
}

const number11 = new yaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (data: unknown) => typeof data === 'string' && goNumber(data) !== undefined,
  construct: (data: string) => goNumber(data),
  predicate: (v: unknown) => typeof v === 'number',
  represent: (v: object) => String(v),
});
/** js-yaml's own types (exported, though @types/js-yaml does not declare them). */
const builtin = (
  yaml as unknown as {
    types: Record<'null' | 'merge' | 'str' | 'seq' | 'map', yaml.Type>;
  }
).types;

const INF_NAN = /^([-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$/;
/** `.inf` and `.nan` (and explicit `!!float`s); kubectl cannot send them, JSON has no infinity. */
const special = new yaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (data: unknown) =>
    typeof data === 'string' && (INF_NAN.test(data) || goNumber(data) !== undefined),
  construct: (data: string) =>
    !INF_NAN.test(data)
      ? goNumber(data)
      : /nan/i.test(data)
        ? NaN
        : data.startsWith('-')
          ? -Infinity
          : Infinity,
  predicate: (v: unknown) => typeof v === 'number' && !Number.isFinite(v),
  represent: (v: object) => String(v),
});
/** An explicit `!!timestamp` decodes to its text, as go-yaml v2 does into interface{}. */
const timestampText = new yaml.Type('tag:yaml.org,2002:timestamp', {
  kind: 'scalar',
  construct: (data: string | null) => data ?? '',
});
/** `!!binary` is base64, decoded (sigs.k8s.io/yaml turns the bytes into a string). */
const binaryText = new yaml.Type('tag:yaml.org,2002:binary', {
  kind: 'scalar',
  resolve: (data: unknown) => typeof data === 'string' && /^[A-Za-z0-9+/=\s]*$/.test(data),
  construct: (data: string) => Buffer.from(data.replace(/\s/g, ''), 'base64').toString('utf8'),
});
/**
 * Any other tag (`!!set`, `!custom`, `!!whatever`): go-yaml v2 keeps the node as the string, list or
 * map it is, where js-yaml would refuse the document ("unknown tag").
 */
const untagged = (['scalar', 'sequence', 'mapping'] as const).map(
  (kind) =>
    new yaml.Type('', {
      kind,
      multi: true,
      construct: (data: unknown) => data ?? (kind === 'scalar' ? '' : kind === 'sequence' ? [] : {}),
    }),
);

const schema = new yaml.Schema({
  implicit: [builtin.null, bool11, number11, special, builtin.merge],
  explicit: [builtin.str, builtin.seq, builtin.map, timestampText, binaryText, ...untagged],
});
const options = { schema, json: true };

export function loadAllYaml(text: string): unknown[] {
  return yaml.loadAll(text, undefined, options);
}

/** The documents of a YAML stream that are objects (empty documents, scalars and lists left out). */
export function loadAllObjects(text: string): Unstructured[] {
  return loadAllYaml(text).filter(
    (d): d is Unstructured => d !== null && typeof d === 'object' && !Array.isArray(d),
  );
}

export function loadYaml(text: string): unknown {
  return yaml.load(text, options);
}

export { YAMLException } from 'js-yaml';
