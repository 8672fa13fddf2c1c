import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { celFilterInternals } from '../../src/engine/render/celfilter.js';
import type { FnState } from '../../src/engine/render/fnapi.js';
import { rng } from '../support/random.js';

const { compileFast, UNDECIDED, celJs, toProtoState } = celFilterInternals;

const KEYS = ['a', 'b', 'environment', 'network', 'enabled', 'natGateways', 'azCount', 'constructor', 'x'];

function randomValue(next: () => number, depth: number): unknown {
  const pick = <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)];
  switch (Math.floor(next() * 8)) {
    case 0:
      return pick(['prod', 'dev', 'a', 'single', 'perAz', 'none', '', 'x']);
    case 1:
      return pick([2, 3, 2.5, 0, -1, 1e20]);
    case 2:
      return next() < 0.5;
    case 3:
      return null;
    case 4:
      return [1, 'a'];
    default: {
      if (depth <= 0) return 'leaf';
      const o: Record<string, unknown> = {};
      for (const k of KEYS) if (next() < 0.45) o[k] = randomValue(next, depth - 1);
      return o;
    }
  }
}

function randomState(next: () => number): { observed: FnState; desired: FnState; context: unknown } {
  const spec = randomValue(next, 3);
  const observed: FnState = {
    composite: {
      resource: {
        apiVersion: 'x/v1',
        kind: 'XR',
        ...(next() < 0.9 ? { spec: spec as Record<string, unknown> } : {}),
        ...(next() < 0.3 ? { status: { ids: { vpcArn: 'arn' } } } : {}),
      },
      connectionDetails: { user: Buffer.from('admin').toString('base64') },
    },
    resources: next() < 0.5 ? { bucket: { resource: { spec: { a: 'x' } } } } : {},
  };
  const desired: FnState = {
    resources: { queue: { resource: { kind: 'Queue' }, ready: next() < 0.5 ? 'READY_TRUE' : undefined } },
  } as FnState;
  const context = next() < 0.8 ? { flags: randomValue(next, 2) } : {};
  return { observed, desired, context };
}

const PATHS = [
  'observed.composite.resource.spec',
  'observed.composite.resource.spec.a',
  'observed.composite.resource.spec.environment',
  'observed.composite.resource.spec.network.natGateways',
  'observed.composite.resource.spec.network.azCount',
  'observed.composite.resource.spec.enabled',
  'observed.composite.resource.spec.constructor',
  'observed.composite.resource.status.ids.vpcArn',
  "observed.composite.resource['spec'].a",
  'observed.resources.bucket.resource.spec.a',
  "observed.resources['bucket'].resource.spec.a",
  'desired.resources.queue.ready',
  'observed.composite.ready',
  'observed.composite.connection_details',
  'observed.composite',
  'observed.foo',
  'context.flags',
  'context.flags.a',
  'context.flags.enabled',
  'spec.a',
  '(observed.composite.resource).spec.a',
];
const HAS_PATHS = [
  'observed.composite.resource.spec.network',
  'observed.composite.resource.spec.network.natGateways',
  'observed.composite.resource.status',
  'observed.composite.resource.status.ids.vpcArn',
  'observed.resources.nope',
  'observed.resources.bucket',
  'observed.resources.bucket.resource.spec',
  'observed.composite.connection_details',
  'observed.composite',
  'observed',
  'context.flags.a',
  "observed.composite.resource['spec']",
  '(observed.composite.resource).spec',
];
const LITERALS = [
  "'a'",
  "'prod'",
  '"single"',
  "'none'",
  '2',
  '3',
  '0',
  'true',
  'false',
  'null',
  '2.0',
  '-1',
  "'''x'''",
];
const MAPS = [
  "{'dev': 'single', 'staging': 'single', 'prod': 'perAz'}",
  "{'dev': 2, 'staging': 2, 'prod': 3}",
  "{'dev': false, 'prod': true}",
  "{'a': 1, 'b': 'x'}",
  "{'a': 1, 'a': 2}",
  "{'constructor': 1}",
  "{'a': 1,}",
  '{}',
];

function randomExpression(next: () => number, depth: number): string {
  const pick = <T>(xs: T[]): T => xs[Math.floor(next() * xs.length)];
  const r = next();
  if (depth <= 0 || r < 0.2) return pick([...PATHS, ...LITERALS]);
  if (r < 0.3) return `has(${pick(HAS_PATHS)})`;
  if (r < 0.37) return `${pick(MAPS)}[${next() < 0.7 ? pick(PATHS) : pick(LITERALS)}]`;
  if (r < 0.45) return `!${randomExpression(next, depth - 1)}`;
  if (r < 0.55) return `(${randomExpression(next, depth - 1)})`;
  if (r < 0.65) {
    return `${randomExpression(next, depth - 1)} ? ${randomExpression(next, depth - 1)} : ${randomExpression(next, depth - 1)}`;
  }
  const op = pick(['==', '!=', '==', '!=', '&&', '||', '&&', '||', '<', '+', 'in']);
  return `${randomExpression(next, depth - 1)} ${op} ${randomExpression(next, depth - 1)}`;
}

function agree(expression: string, states: ReturnType<typeof randomState>[]): boolean {
  const fast = compileFast(expression);
  if (fast === undefined) return false;
  const checked = celJs(expression, {
    observed: toProtoState(states[0].observed),
    desired: toProtoState(states[0].desired),
    context: states[0].context,
  });
  if (!checked.valid || checked.type !== 'bool') {
    throw new Error(`fast path took ${expression}, cel-js: ${JSON.stringify(checked)}`);
  }
  for (const s of states) {
    const vars = { observed: toProtoState(s.observed), desired: toProtoState(s.desired), context: s.context };
    const got = fast(vars);
    if (got === UNDECIDED) continue;
    const want = celJs(expression, vars);
    if (want.error !== undefined || want.value !== got) {
      throw new Error(
        `${expression} on ${JSON.stringify(s)}: fast ${String(got)}, cel-js ${JSON.stringify(want)}`,
      );
    }
  }
  return true;
}

describe('celFilter fast path', () => {
  const next = rng(7);
  const states = Array.from({ length: 40 }, () => randomState(next));

  it('takes every expression of the Compositions, and agrees with cel-js on them', () => {
    for (const file of ['compositions/claim.yaml', 'compositions/namespaced.yaml']) {
      const comp = load(readFileSync(file, 'utf8')) as {
        spec: { pipeline: { input?: { filters?: { expression: string }[] } }[] };
      };
      const exprs = comp.spec.pipeline.flatMap((s) => s.input?.filters ?? []).map((f) => f.expression);
      expect(exprs.length).toBeGreaterThan(10);
      for (const e of exprs) expect(agree(e, states)).toBe(true);
    }
  });

  it('agrees with cel-js on random expressions: it takes only what cel-js accepts as bool, with its results', () => {
    let taken = 0;
    let decided = 0;
    for (let n = 0; n < 6000; n++) {
      const e = randomExpression(next, 3);
      if (agree(e, states)) taken++;
      const fast = compileFast(e);
      if (
        fast &&
        fast({
          observed: toProtoState(states[0].observed),
          desired: toProtoState(states[0].desired),
          context: states[0].context,
        }) !== UNDECIDED
      )
        decided++;
    }
    expect(taken).toBeGreaterThan(500);
    expect(decided).toBeGreaterThan(200);
  });

  it('leaves syntax it does not know to cel-js', () => {
    for (const e of [
      'observed.composite.resource.spec.a.size() > 1',
      "'a' + 'b' == 'ab'",
      'observed.composite.resource.spec.a in [1, 2]',
      "r'a' == 'a'",
      "'\\n' == 'x'",
      '2.0 == 2.0',
      'null == null',
      '{}["a"] == 1',
      'has(observed)',
      'has(foo.bar)',
      'observed.compsite.resource == 1',
    ]) {
      expect(compileFast(e)).toBeUndefined();
    }
  });
});
