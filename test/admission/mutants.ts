/**
 * Seeded random mutations of the valid claims (examples/*.yaml and test/admission/corpus/valid): the
 * claims the admission differential sends to the real server and to `envstack validate`. Each mutant
 * applies one to three mutations, chosen by the schema (every field of the CRD's spec, with its type,
 * bounds, enum, pattern and length) and by the rules (CIDRs, DR region, sizes, names), plus YAML
 * spellings that kubectl (go-yaml v2, YAML 1.1) and a YAML 1.2 reader read differently.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { goYamlMarshal } from '../../src/engine/render/goyaml.js';
import { loadAllYaml } from '../../src/engine/render/yaml.js';
import type { JSONSchemaProps } from '../../src/engine/schema/index.js';
import { platformEnvironmentCrdSchema } from '../../src/platform/validate/crd.js';
import { rng } from '../support/random.js';
import { REPO_ROOT } from './differential.js';

export const DEFAULT_SEED = 12;
export const DEFAULT_MUTANTS = 300;
export const CORPUS_DIR = join(REPO_ROOT, 'test', 'admission', 'corpus');

export interface Mutant {
  /** File name: NNN-<base>.yaml */
  name: string;
  base: string;
  /** What was changed, one entry per mutation. */
  ops: string[];
  text: string;
}

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };
type Path = (string | number)[];

interface Base {
  name: string;
  doc: Obj;
}

/** The valid claims the mutants start from. */
export function baseClaims(): Base[] {
  const files = [
    ...readdirSync(join(REPO_ROOT, 'examples'))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => join(REPO_ROOT, 'examples', f)),
    ...readdirSync(join(CORPUS_DIR, 'valid'))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => join(CORPUS_DIR, 'valid', f)),
  ];
  return files.map((f) => ({
    name: basename(f, '.yaml'),
    doc: loadAllYaml(readFileSync(f, 'utf8'))[0] as Obj,
  }));
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function get(doc: Json, path: Path): Json | undefined {
  let cur: Json | undefined = doc;
  for (const k of path) {
    if (Array.isArray(cur) && typeof k === 'number') cur = cur[k];
    else if (isObj(cur) && typeof k === 'string') cur = cur[k];
    else return undefined;
  }
  return cur;
}

/** Sets PATH, creating the objects on the way (replacing non-objects). */
function set(doc: Obj, path: Path, value: Json): void {
  let cur: Json = doc;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i];
    if (Array.isArray(cur) && typeof k === 'number') {
      cur = cur[k];
      continue;
    }
    const o = cur as Obj;
    const key = String(k);
    if (!isObj(o[key]) && !Array.isArray(o[key])) o[key] = typeof path[i + 1] === 'number' ? [] : {};
    cur = o[key];
  }
  const last = path[path.length - 1];
  if (Array.isArray(cur) && typeof last === 'number') cur[last] = value;
  else (cur as Obj)[String(last)] = value;
}

function remove(doc: Obj, path: Path): void {
  const parent = get(doc, path.slice(0, -1));
  const last = path[path.length - 1];
  if (Array.isArray(parent) && typeof last === 'number') parent.splice(last, 1);
  else if (isObj(parent)) delete parent[String(last)];
}

const show = (p: Path): string =>
  p.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');

interface Field {
  path: Path;
  schema: JSONSchemaProps;
}

/** Every field of the spec schema (objects too), with its schema. */
function fields(s: JSONSchemaProps, path: Path, out: Field[] = []): Field[] {
  out.push({ path, schema: s });
  for (const [k, p] of Object.entries(s.properties ?? {})) fields(p, [...path, k], out);
  if (s.items) fields(s.items, [...path, 0], out);
  return out;
}

/** A mutation: changes DOC (or asks for a raw YAML token at a path) and says what it did. */
interface Ctx {
  r: () => number;
  doc: Obj;
  raw: Map<string, string>;
  /** Raw lines a key is written with instead of `key: value` (duplicate keys). */
  rawLines: Map<string, (indent: string, key: string) => string>;
  /** Mutating the second document of an update: names and the object's identity stay. */
  update: boolean;
}
type Mutation = (c: Ctx) => string;

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: () => number, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

const SPEC_FIELDS = fields(platformEnvironmentCrdSchema('claim').properties?.spec ?? {}, ['spec']).filter(
  (f) => f.path.length > 1,
);
const byType = (t: string) => SPEC_FIELDS.filter((f) => f.schema.type === t);

let rawCounter = 0;
/** Puts a marker the YAML writer leaves alone; the marker is then replaced by TOKEN verbatim. */
function rawValue(c: Ctx, path: Path, token: string): void {
  const marker = `rawtoken${rawCounter++}x`;
  set(c.doc, path, marker);
  c.raw.set(marker, token);
}

const wrongType = (t: string | undefined): Json[] => {
  switch (t) {
    case 'string':
      return [42, true, 1.5, {}, ['x'], { a: 'b' }, [{ a: 1 }]];
    case 'integer':
      return ['3', 2.5, true, {}, [1], '0x10'];
    case 'number':
      return ['100', true, {}, [1.5]];
    case 'boolean':
      return ['true', 1, 'yes', {}, 0];
    case 'object':
      return ['x', 1, [], true, [{ enabled: true }]];
    case 'array':
      return ['10.0.0.0/8', {}, 1, { a: 'b' }];
    default:
      return [1, 'x'];
  }
};

const longString = (n: number, c = 'a'): string => c.repeat(n);

/** Strings around a field's constraints: boundaries of maxLength/minLength, characters the patterns refuse. */
function stringPool(s: JSONSchemaProps): string[] {
  const pool = ['', ' ', 'UPPER', 'with space', 'ünïcode', 'a\tb', 'x-', '-x', 'x'.repeat(300)];
  if (s.maxLength !== undefined)
    pool.push(longString(s.maxLength), longString(s.maxLength + 1), longString(s.maxLength, 'ü'));
  if (s.minLength !== undefined && s.minLength > 0) pool.push(longString(s.minLength - 1));
  return pool;
}

const CIDRS = [
  '10.0.0.0/16', '10.255.0.0/16', '10.256.0.0/16', '172.15.0.0/16', '172.16.0.0/16', '172.31.0.0/16',
  '172.32.0.0/16', '192.168.0.0/16', '192.168.1.0/16', '192.169.0.0/16', '10.1.0.0/17', '10.1.0.0/15',
  ' 10.0.0.0/16', '10.0.0.0/16 ', '10.0.0.0', '10.00.0.0/16', '010.0.0.0/16', '10.0.0.0/016', '::/0',
  'fd00::/16', '300.1.1.1/8', '0.0.0.0/0', 'abc', '10.0.0.0/33', '1.2.3.4/32', '10.0.0.0/16/16',
  '100.64.0.0/16', '10.20.0.0/16',
]; // prettier-ignore
const REGIONS = [
  'eu-west-1', 'us-east-1', 'us-east-2', 'eu-central-1', 'us-gov-west-1', 'cn-north-1', 'eu-west-10',
  'EU-WEST-1', 'eu-west', 'euwest1', 'us-isob-east-1', 'ap-southeast-3', 'eu_west_1', '',
]; // prettier-ignore
const NAMES = [
  'a', 'ab', 'payments-dev', 'Payments', 'a_b', '-a', 'a-', 'a.b', 'a..b', '1abc', 'a'.repeat(62),
  'a'.repeat(63), 'a'.repeat(64), 'a'.repeat(253), 'a'.repeat(254), 'x.'.repeat(40) + 'y', 'ünï', '',
]; // prettier-ignore
const PROJECTS = [
  'ab',
  'a',
  'payments',
  'paymentsplatform',
  'paymentsplatforms',
  'a'.repeat(16),
  'Pay',
  '1ab',
  'a_b',
  'ab-',
  'a-b',
];
const SUFFIXES = ['a', 'pr1', 'pr123456', 'pr1234567', 'A1', 'a-b', '', '00000000'];
const VERSIONS = [
  '16',
  '16.6',
  '15.4.1',
  '8.0.mysql_aurora.3.08.2',
  '8.0',
  '8.0.mysql_aurora.',
  'latest',
  '16.',
  'v16',
];
const CLASSES = [
  'db.t4g.micro',
  'db.t4g.small',
  'db.t4g.medium',
  'db.r6g.large',
  'db.t3.micro',
  'db.serverless',
  'r6g.large',
  'db.R6G.large',
  'db.x2g.16xlarge',
];
const SCHEDULES = [
  'rate(5 minutes)',
  'rate(1 minute)',
  'rate(1 hour)',
  'rate(5 weeks)',
  'cron(0 12 * * ? *)',
  'cron()',
  'rate(minutes)',
  'every 5 minutes',
  'rate(10 days)',
];
const EMAILS = [
  'a@example.com',
  'oncall@team.example.co.uk',
  'no-at-sign',
  'a@b',
  'a b@example.com',
  '@example.com',
  'a@@example.com',
];
const ARNS = [
  'arn:aws:acm:eu-west-1:123456789012:certificate/abc-123', 'arn:aws-us-gov:acm:us-gov-west-1:123456789012:certificate/x',
  'arn:aws:acm:eu-west-1:12345678901:certificate/abc', 'arn:aws:iam::123456789012:server-certificate/x', 'not-an-arn',
]; // prettier-ignore
const DOMAINS = [
  'app.example.com',
  'example.com',
  'a.b.c.example.io',
  'App.Example.com',
  'localhost',
  '-a.example.com',
  'a..example.com',
  'x.' + 'a'.repeat(64) + '.com',
];
const ZONES = ['Z123ABC', 'Z1', 'Z', 'z123', 'Z' + 'A'.repeat(31), 'Z' + 'A'.repeat(32), 'X123'];
const RETENTION = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653, 0,
  2, 10, 366, 3654, -1,
];
const TAG_KEYS = [
  'CostCenter',
  'a',
  '',
  'k'.repeat(128),
  'k'.repeat(129),
  'with space',
  'aws:reserved',
  'ünï',
];
const LABEL_KEYS = [
  'app',
  'example.com/app',
  'a b',
  '-a',
  'x'.repeat(63),
  'x'.repeat(64),
  'example.com/',
  'A_B.c',
];
const LABEL_VALUES = ['v', '', 'a b', 'x'.repeat(63), 'x'.repeat(64), '-v', 'v-'];

/** The mutations, with weights. */
/** [weight, mutation, whether it may be used on an update (it keeps the object's name and kind)]. */
const MUTATIONS: [number, Mutation, boolean][] = [
  // A field's type changed.
  [
    8,
    (c) => {
      const f = pick(c.r, SPEC_FIELDS);
      const v = pick(c.r, wrongType(f.schema.type));
      set(c.doc, f.path, v);
      return `${show(f.path)} = ${JSON.stringify(v)} (a ${f.schema.type} field)`;
    },
    true,
  ],
  // The object itself: spec, metadata, apiVersion and kind of the wrong shape.
  [
    3,
    (c) => {
      const [path, v] = pick(c.r, [
        [['spec'], [{ project: 'x' }]], [['spec'], 'x'], [['spec'], []], [['metadata', 'name'], 5],
        [['metadata', 'labels'], 'x'], [['metadata', 'labels'], { a: 5 }], [['metadata', 'annotations'], { a: true }],
        [['metadata', 'finalizers'], ['example.com/keep']], [['metadata', 'finalizers'], ['Not A Finalizer']],
        [['metadata', 'finalizers'], ['keep', 'example.com/a', 'example.com/a']], [['metadata', 'ownerReferences'], [{ apiVersion: 'v1', kind: 'X', name: 'y', uid: 'z' }]],
        [['apiVersion'], 'platform.envstack.dev/v1beta1'], [['apiVersion'], 'example.com/v1alpha1'],
        [['kind'], 'XPlatformEnvironment'], [['kind'], 'platformenvironment'], [['apiVersion'], 'v1'],
      ] as [Path, Json][]); // prettier-ignore
      set(c.doc, path, v);
      return `${show(path)} = ${JSON.stringify(v)}`;
    },
    false,
  ],
  // Numbers at and beyond their bounds, fractions.
  [
    8,
    (c) => {
      const f = pick(c.r, [...byType('integer'), ...byType('number')]);
      const { minimum: lo, maximum: hi } = f.schema;
      const pool = [-1, 0, 1, 2.5, 2 ** 31, 1e10, 0.5, 1e20, 2 ** 53 + 2, -0, 2 ** 63];
      if (lo !== undefined) pool.push(lo - 1, lo, lo + 0.5);
      if (hi !== undefined) pool.push(hi, hi + 1);
      if (f.schema.enum) pool.push(...(f.schema.enum as number[]), 4);
      const v = pick(c.r, pool);
      set(c.doc, f.path, v);
      return `${show(f.path)} = ${v}`;
    },
    true,
  ],
  // Enums: other members, wrong case, empty.
  [
    5,
    (c) => {
      const f = pick(
        c.r,
        SPEC_FIELDS.filter((x) => x.schema.enum && x.schema.type === 'string'),
      );
      const members = (f.schema.enum ?? []) as string[];
      const v = pick(c.r, [...members, members[0].toUpperCase(), `${members[0]} `, '', 'none', 'Dev']);
      set(c.doc, f.path, v);
      return `${show(f.path)} = ${JSON.stringify(v)}`;
    },
    true,
  ],
  // Strings at their length limits and with characters their patterns refuse.
  [
    8,
    (c) => {
      const f = pick(
        c.r,
        byType('string').filter((x) => !x.schema.enum),
      );
      const v = pick(c.r, stringPool(f.schema));
      set(c.doc, f.path, v);
      return `${show(f.path)} = ${JSON.stringify(v.length > 40 ? `${v.slice(0, 10)}…(${v.length})` : v)}`;
    },
    true,
  ],
  // A field removed (required ones included), or set to null.
  [
    6,
    (c) => {
      const present = SPEC_FIELDS.filter((f) => get(c.doc, f.path) !== undefined);
      const extra: Field[] = c.update
        ? []
        : [
            { path: ['spec'], schema: {} },
            { path: ['metadata', 'name'], schema: {} },
          ];
      const f = pick(c.r, [...present, ...extra]);
      if (c.r() < 0.7) {
        remove(c.doc, f.path);
        return `${show(f.path)} removed`;
      }
      set(c.doc, f.path, null);
      return `${show(f.path)} = null`;
    },
    true,
  ],
  // Required fields removed.
  [
    3,
    (c) => {
      const f = pick(c.r, ['project', 'environment', 'owner', 'region']);
      remove(c.doc, ['spec', f]);
      return `spec.${f} removed`;
    },
    true,
  ],
  // Unknown fields: in spec, deeper, in metadata, status, at the root, under a string field.
  [
    7,
    (c) => {
      const where = pick(c.r, [
        ['spec'], ['spec', 'network'], ['spec', 'database'], ['spec', 'dr'], ['spec', 'compliance', 'budget'],
        ['metadata'], ['status'], [], ['spec', 'loadBalancer', 'domain'], ['spec', 'compute'],
      ] as Path[]); // prettier-ignore
      const key = pick(c.r, ['bogus', 'Project', 'cidrs', 'enable', 'extra-field', 'status']);
      set(c.doc, [...where, key], pick(c.r, [1, 'x', true, {}, { nested: 1 }] as Json[]));
      return `${show([...where, key]) || key} added (not in the schema)`;
    },
    true,
  ],
  // Crossplane's own spec fields: valid in one flavor, unknown in the other.
  [
    6,
    (c) => {
      const op = pick(c.r, [
        ['spec', 'compositionRef', { name: 'aws.xplatformenvironments.platform.envstack.dev' }],
        ['spec', 'compositionRef', {}],
        ['spec', 'compositionSelector', { matchLabels: { provider: 'aws' } }],
        ['spec', 'compositionUpdatePolicy', 'Manual'],
        ['spec', 'compositionUpdatePolicy', 'Sometimes'],
        ['spec', 'compositeDeletePolicy', 'Foreground'],
        ['spec', 'compositeDeletePolicy', 'Never'],
        ['spec', 'writeConnectionSecretToRef', { name: 'payments-conn' }],
        ['spec', 'writeConnectionSecretToRef', { name: 'x', namespace: 'y' }],
        ['spec', 'resourceRef', { apiVersion: 'v1', kind: 'X', name: 'y' }],
        [
          'spec',
          'crossplane',
          { compositionRef: { name: 'aws.platformenvironments.platform.envstack.dev' } },
        ],
        ['spec', 'crossplane', { compositionUpdatePolicy: 'Manual' }],
        ['spec', 'crossplane', { compositionUpdatePolicy: 'Never' }],
        ['spec', 'crossplane', { resourceRefs: [{ apiVersion: 'v1', kind: 'X', name: 'y' }] }],
        ['spec', 'crossplane', { resourceRefs: [{ name: 'y' }] }],
        ['spec', 'crossplane', { bogus: true }],
      ] as [string, string, Json][]);
      set(c.doc, [op[0], op[1]], op[2]);
      return `${op[0]}.${op[1]} = ${JSON.stringify(op[2])}`;
    },
    true,
  ],
  // Names: metadata.name and namespace, labels, annotations, generateName.
  [
    7,
    (c) => {
      const which = pick(c.r, ['name', 'name', 'namespace', 'label', 'annotation', 'generateName']);
      if (which === 'name') {
        const v = pick(c.r, NAMES);
        set(c.doc, ['metadata', 'name'], v);
        return `metadata.name = ${JSON.stringify(v.length > 40 ? `${v.slice(0, 6)}…(${v.length})` : v)}`;
      }
      if (which === 'namespace') {
        const v = pick(c.r, ['team-a', 'Team_A', 'a'.repeat(63), 'a'.repeat(64), 'kube-system', 'a.b']);
        set(c.doc, ['metadata', 'namespace'], v);
        return `metadata.namespace = ${JSON.stringify(v)}`;
      }
      if (which === 'generateName') {
        remove(c.doc, ['metadata', 'name']);
        set(c.doc, ['metadata', 'generateName'], 'payments-');
        return 'metadata.name replaced by generateName';
      }
      const field = which === 'label' ? 'labels' : 'annotations';
      const k = pick(c.r, LABEL_KEYS);
      const v = pick(c.r, which === 'label' ? LABEL_VALUES : ['v', '', 'x'.repeat(300)]);
      set(c.doc, ['metadata', field], { [k]: v });
      return `metadata.${field} = ${JSON.stringify({ [k]: v.length > 20 ? `…(${v.length})` : v })}`;
    },
    false,
  ],
  // CIDRs of the VPC, the DR VPC and the ALB's allowed sources.
  [
    8,
    (c) => {
      const v = pick(c.r, CIDRS);
      const path = pick(c.r, [
        ['spec', 'network', 'cidr'],
        ['spec', 'dr', 'cidr'],
        ['spec', 'loadBalancer', 'allowedCidrs'],
      ] as Path[]);
      if (path[2] === 'allowedCidrs') {
        const n = pick(c.r, [1, 2, 20, 21]);
        const list = Array.from({ length: n }, (_, i) => (i === n - 1 ? v : `10.${i}.0.0/16`));
        set(c.doc, path, list);
        return `${show(path)} = ${n} CIDRs, the last ${JSON.stringify(v)}`;
      }
      set(c.doc, path, v);
      if (path[1] === 'dr' && c.r() < 0.6) set(c.doc, ['spec', 'dr', 'enabled'], true);
      return `${show(path)} = ${JSON.stringify(v)}`;
    },
    true,
  ],
  // Regions and DR: the same region, no region, a region the pattern refuses.
  [
    7,
    (c) => {
      const primary = pick(c.r, REGIONS);
      if (c.r() < 0.4) set(c.doc, ['spec', 'region'], primary);
      const region = get(c.doc, ['spec', 'region']);
      const dr = pick(c.r, [region, undefined, pick(c.r, REGIONS)]);
      set(c.doc, ['spec', 'dr', 'enabled'], c.r() < 0.85);
      if (dr === undefined || dr === null) remove(c.doc, ['spec', 'dr', 'region']);
      else set(c.doc, ['spec', 'dr', 'region'], dr);
      if (c.r() < 0.3) set(c.doc, ['spec', 'dr', 'database'], pick(c.r, ['replica', 'none', 'Replica']));
      if (c.r() < 0.2) set(c.doc, ['spec', 'database', 'enabled'], false);
      return `region ${JSON.stringify(region)}, dr ${JSON.stringify(get(c.doc, ['spec', 'dr']))}`;
    },
    true,
  ],
  // Compute sizes against each other and the profile.
  [
    5,
    (c) => {
      const out: string[] = [];
      for (const k of ['minSize', 'desiredCapacity', 'maxSize']) {
        if (c.r() < 0.6) {
          const v = int(c.r, 0, 7);
          set(c.doc, ['spec', 'compute', k], v);
          out.push(`${k} ${v}`);
        }
      }
      if (c.r() < 0.3) set(c.doc, ['spec', 'environment'], pick(c.r, ['dev', 'staging', 'prod']));
      return `compute ${out.join(', ') || 'profile'} in ${JSON.stringify(get(c.doc, ['spec', 'environment']))}`;
    },
    true,
  ],
  // Database: engine, version, class, Performance Insights.
  [
    6,
    (c) => {
      const db: Obj = {};
      if (c.r() < 0.6) db.engine = pick(c.r, ['postgres', 'aurora-postgresql', 'aurora-mysql']);
      if (c.r() < 0.6) db.version = pick(c.r, VERSIONS);
      if (c.r() < 0.6) db.instanceClass = pick(c.r, CLASSES);
      if (c.r() < 0.6) db.performanceInsights = c.r() < 0.7;
      if (c.r() < 0.2) db.storageGiB = pick(c.r, [19, 20, 65536, 65537]);
      const cur = get(c.doc, ['spec', 'database']);
      set(c.doc, ['spec', 'database'], { ...(isObj(cur) ? cur : {}), ...db });
      if (c.r() < 0.3) set(c.doc, ['spec', 'environment'], pick(c.r, ['dev', 'staging', 'prod']));
      return `database ${JSON.stringify(db)}`;
    },
    true,
  ],
  // Load balancer: certificate or domain, patterns.
  [
    4,
    (c) => {
      const lb: Obj = {};
      if (c.r() < 0.6) lb.certificateArn = pick(c.r, ARNS);
      if (c.r() < 0.6) lb.domain = { name: pick(c.r, DOMAINS), hostedZoneId: pick(c.r, ZONES) };
      if (c.r() < 0.15) lb.domain = { name: pick(c.r, DOMAINS) };
      set(c.doc, ['spec', 'loadBalancer'], lb);
      return `loadBalancer ${JSON.stringify(lb)}`;
    },
    true,
  ],
  // Observability and compliance values.
  [
    5,
    (c) => {
      const which = pick(c.r, ['retention', 'email', 'budget', 'schedule']);
      if (which === 'retention') {
        const v = pick(c.r, RETENTION);
        set(c.doc, ['spec', 'observability', 'logRetentionDays'], v);
        return `observability.logRetentionDays = ${v}`;
      }
      if (which === 'email') {
        const v = pick(c.r, EMAILS);
        set(c.doc, ['spec', 'observability', 'alarmEmail'], v);
        return `observability.alarmEmail = ${JSON.stringify(v)}`;
      }
      if (which === 'schedule') {
        const v = pick(c.r, SCHEDULES);
        set(c.doc, ['spec', 'serverless'], { enabled: true, schedule: v });
        return `serverless.schedule = ${JSON.stringify(v)}`;
      }
      const budget: Obj = {};
      if (c.r() < 0.9) budget.monthlyUsd = pick(c.r, [100, 0, -1, 0.01, 1e6, 2.5]);
      if (c.r() < 0.8) budget.email = pick(c.r, EMAILS);
      set(c.doc, ['spec', 'compliance', 'budget'], budget);
      return `compliance.budget = ${JSON.stringify(budget)}`;
    },
    true,
  ],
  // Project, environment and suffix lengths (the ALB name budget).
  [
    5,
    (c) => {
      const p = pick(c.r, PROJECTS);
      set(c.doc, ['spec', 'project'], p);
      const s = c.r() < 0.7 ? pick(c.r, SUFFIXES) : undefined;
      if (s === undefined) remove(c.doc, ['spec', 'suffix']);
      else set(c.doc, ['spec', 'suffix'], s);
      if (c.r() < 0.5) set(c.doc, ['spec', 'environment'], pick(c.r, ['dev', 'staging', 'prod']));
      return `project ${JSON.stringify(p)}, suffix ${JSON.stringify(s ?? null)}, environment ${JSON.stringify(get(c.doc, ['spec', 'environment']))}`;
    },
    true,
  ],
  // Tags: key and value lengths, non-string values.
  [
    4,
    (c) => {
      const k = pick(c.r, TAG_KEYS);
      const v = pick(c.r, ['x', '', 'v'.repeat(256), 'v'.repeat(257), 5, true, null, { a: 'b' }] as Json[]);
      set(c.doc, ['spec', 'tags'], { [k]: v });
      return `spec.tags = {${JSON.stringify(k.length > 20 ? `…(${k.length})` : k)}: ${JSON.stringify(typeof v === 'string' && v.length > 20 ? `…(${v.length})` : v)}}`;
    },
    true,
  ],
  // A status in the file: dropped on create, but its unknown fields are still refused.
  [
    3,
    (c) => {
      const v = pick(c.r, [
        { phase: 'Ready' }, { phase: 'Nope' }, { phase: 5 }, { bogus: 1 }, { conditions: [{ type: 'Ready' }] },
        { endpoints: { loadBalancer: 'x', other: 'y' } }, { claimConditionTypes: ['a', 'a'] }, 'Ready',
      ] as Json[]); // prettier-ignore
      set(c.doc, ['status'], v);
      return `status = ${JSON.stringify(v)}`;
    },
    true,
  ],
  // YAML that kubectl (YAML 1.1, go-yaml v2) and a YAML 1.2 reader read differently.
  [
    9,
    (c) => {
      const kind = pick(c.r, ['int', 'bool', 'string', 'duplicate']);
      if (kind === 'int') {
        const f = pick(c.r, byType('integer'));
        const token = pick(c.r, [
          '020',
          '0101',
          '010',
          '0144',
          '1_000',
          '0x40',
          '+.5',
          '1e2',
          '100.0',
          '0o20',
          '08',
          '-0',
          '+10',
        ]);
        rawValue(c, f.path, token);
        return `${show(f.path)}: ${token} (YAML)`;
      }
      if (kind === 'bool') {
        const f = pick(c.r, byType('boolean'));
        const token = pick(c.r, ['yes', 'no', 'on', 'off', 'y', 'n', 'True', 'NO', 'Off']);
        rawValue(c, f.path, token);
        return `${show(f.path)}: ${token} (YAML)`;
      }
      if (kind === 'string') {
        const [path, token] = pick(c.r, [
          [['spec', 'owner'], '2024-01-01'], [['spec', 'owner'], '2024-1-2 10:00:00'],
          [['spec', 'owner'], '2001-12-14t21:59:43.10-05:00'], [['spec', 'owner'], '1:30'],
          [['spec', 'owner'], '0x1F'], [['spec', 'owner'], '1e3'], [['spec', 'owner'], 'no'],
          [['spec', 'tags'], '{Build: 2024-06-01}'], [['spec', 'tags'], '{Build: 2024-06-01T10:00:00Z}'],
          [['spec', 'suffix'], '010'], [['spec', 'suffix'], '2024'], [['spec', 'project'], 'no'],
          [['spec', 'database', 'version'], '16.6'], [['spec', 'database', 'version'], '16'],
          [['spec', 'owner'], '!!timestamp 2024-01-01'], [['spec', 'owner'], '.inf'], [['spec', 'owner'], '~'],
          [['spec', 'owner'], '!custom team-a'], [['spec', 'owner'], '!!binary dGVhbS1h'], [['spec', 'tags'], '!!set {a, b}'],
          [['spec', 'owner'], '!!str 2024-01-01'], [['spec', 'compute', 'appPort'], '!!int "8080"'],
        ] as [Path, string][]); // prettier-ignore
        rawValue(c, path, token);
        return `${show(path)}: ${token} (YAML)`;
      }
      const [path, first, last] = pick(c.r, [
        [['spec', 'owner'], 'first-owner', 'second-owner'], [['spec', 'owner'], 'ok', '!!bad'],
        [['spec', 'environment'], 'qa', 'dev'], [['spec', 'environment'], 'dev', 'qa'],
        [['spec', 'region'], 'eu-west-1', 'us-east-1'],
      ] as [Path, string, string][]); // prettier-ignore
      const marker = `rawtoken${rawCounter++}x`;
      set(c.doc, path, marker);
      c.rawLines.set(marker, (indent, key) => `${indent}${key}: ${first}\n${indent}${key}: ${last}`);
      return `${show(path)} given twice: ${first}, then ${last} (YAML)`;
    },
    true,
  ],
];

/** Changes to what an update may not change (CEL transition rules), for the second document of an update. */
const IMMUTABLE: [number, Mutation, boolean][] = [
  [
    12,
    (c) => {
      const [field, values] = pick(c.r, [
        ['project', ['payments', 'billing', 'hello', 'paymentsplatform']],
        ['environment', ['dev', 'staging', 'prod']],
        ['region', ['eu-west-1', 'us-east-1', 'eu-central-1']],
        ['suffix', ['a1', 'b2', 'pr1']],
      ] as [string, string[]][]);
      if (field === 'suffix' && c.r() < 0.35) {
        remove(c.doc, ['spec', 'suffix']);
        return 'spec.suffix removed (update)';
      }
      const v = pick(c.r, values);
      set(c.doc, ['spec', field], v);
      return `spec.${field} = ${JSON.stringify(v)} (update)`;
    },
    true,
  ],
];

function chooseMutation(r: () => number, update: boolean): Mutation {
  const list = update ? [...MUTATIONS.filter(([, , u]) => u), ...IMMUTABLE] : MUTATIONS;
  let x = r() * list.reduce((n, [w]) => n + w, 0);
  for (const [w, m] of list) {
    if ((x -= w) < 0) return m;
  }
  return list[list.length - 1][1];
}

function render(doc: Obj, c: Ctx): string {
  let text = goYamlMarshal(doc);
  for (const [marker, line] of c.rawLines) {
    text = text.replace(new RegExp(`^(\\s*)(\\S+): ${marker}$`, 'm'), (_m, indent: string, key: string) =>
      line(indent, key),
    );
  }
  for (const [marker, token] of c.raw) text = text.replace(marker, token);
  return text;
}

/** COUNT mutants of the base claims, the same for the same SEED. */
export function generateMutants(opts: { count?: number; seed?: number } = {}): Mutant[] {
  const count = opts.count ?? DEFAULT_MUTANTS;
  const seed = opts.seed ?? DEFAULT_SEED;
  const r = rng(seed);
  const bases = baseClaims();
  rawCounter = 0;
  const out: Mutant[] = [];
  for (let i = 0; i < count; i++) {
    const base = pick(r, bases);
    const doc = JSON.parse(JSON.stringify(base.doc)) as Obj;
    const c: Ctx = { r, doc, raw: new Map(), rawLines: new Map(), update: false };
    const n = r() < 0.55 ? 1 : r() < 0.7 ? 2 : 3;
    const ops: string[] = [];
    for (let k = 0; k < n; k++) ops.push(chooseMutation(r, false)(c));
    const name = `${String(i).padStart(3, '0')}-${base.name}.yaml`;
    const header = [
      `# Mutant ${i} of ${base.name} (test/admission/mutants.ts, seed ${seed}):`,
      ...ops.map((o) => `#   ${o.replace(/\n/g, ' ')}`),
    ].join('\n');
    out.push({ name, base: base.name, ops, text: `${header}\n${render(doc, c)}` });
  }
  return out;
}

export const DEFAULT_UPDATES = 40;

/**
 * COUNT updates: files `uNNN-<base>.update.yaml` of two documents, a valid stored claim (a base claim
 * with a name of its own, and a suffix half of the time) and the same claim changed by one or two
 * mutations, immutable fields first among them. The differential creates the first for real and
 * sends the second as an update (dry run), so the CEL transition rules (oldSelf) are exercised.
 */
export function generateUpdates(opts: { count?: number; seed?: number } = {}): Mutant[] {
  const count = opts.count ?? DEFAULT_UPDATES;
  const seed = opts.seed ?? DEFAULT_SEED;
  const r = rng(seed + 1);
  const bases = baseClaims();
  const out: Mutant[] = [];
  for (let i = 0; i < count; i++) {
    const base = pick(r, bases);
    const stored = JSON.parse(JSON.stringify(base.doc)) as Obj;
    set(stored, ['metadata', 'name'], `u${String(i).padStart(3, '0')}-${base.name}`.slice(0, 63));
    if (r() < 0.5 && get(stored, ['spec', 'suffix']) === undefined) set(stored, ['spec', 'suffix'], 'a1');
    const doc = JSON.parse(JSON.stringify(stored)) as Obj;
    const c: Ctx = { r, doc, raw: new Map(), rawLines: new Map(), update: true };
    const ops: string[] = [];
    const n = r() < 0.6 ? 1 : 2;
    // An immutable field changed in most updates; otherwise any mutation that keeps the object's name.
    if (r() < 0.6) ops.push(IMMUTABLE[0][1](c));
    while (ops.length < n) ops.push(chooseMutation(r, true)(c));
    const name = `u${String(i).padStart(3, '0')}-${base.name}.update.yaml`;
    const header = [
      `# Update ${i} of ${base.name} (test/admission/mutants.ts, seed ${seed}): the stored claim, then the update:`,
      ...ops.map((o) => `#   ${o.replace(/\n/g, ' ')}`),
    ].join('\n');
    const plain: Ctx = { r, doc: stored, raw: new Map(), rawLines: new Map(), update: true };
    out.push({
      name,
      base: base.name,
      ops,
      text: `${header}\n${render(stored, plain)}---\n${render(doc, c)}`,
    });
  }
  return out;
}

/** Writes the mutants and the updates into DIR (emptied first); returns their paths. */
export function writeMutants(
  dir: string,
  opts: { count?: number; updates?: number; seed?: number } = {},
): string[] {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const all = [...generateMutants(opts), ...generateUpdates({ count: opts.updates, seed: opts.seed })];
  return all.map((m) => {
    const path = join(dir, m.name);
    writeFileSync(path, m.text);
    return path;
  });
}
