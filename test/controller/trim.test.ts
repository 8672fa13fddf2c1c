import { Interned, internDeep, trimManaged } from '../../src/ops/controller/trim.js';
import type { KObject } from '../../src/ops/controller/object.js';
import { trimDesired } from '../../src/ops/controller/status.js';
import { desiredOf, mr } from './fixtures.js';

const tags = () => ({ Project: 'payments', Environment: 'prod' });
const served = (name: string): KObject => {
  const o = mr(name, {
    forProvider: { region: 'eu-west-1', cidrBlock: '10.0.0.0/16', tags: tags() },
    atProvider: { id: `vpc-${name}`, cidrBlock: '10.0.0.0/16', tags: tags(), tagsAll: tags() },
  });
  return {
    ...o,
    metadata: {
      ...o.metadata,
      uid: `uid-${name}`,
      resourceVersion: '7',
      managedFields: [{ manager: 'provider-aws' }],
      annotations: { ...o.metadata?.annotations, 'kubectl.kubernetes.io/last-applied-configuration': '{}' },
    },
    spec: { ...o.spec, initProvider: { x: 1 }, providerConfigRef: { name: 'default' } },
  };
};

test('the cache keeps what is read, and holds once what atProvider repeats and condition lists many share', () => {
  const raw = served('a');
  // Each value its own copy, as JSON.parse gives them.
  const a = trimManaged(JSON.parse(JSON.stringify(raw)) as KObject);
  const b = trimManaged(JSON.parse(JSON.stringify(served('b'))) as KObject);
  expect(a).toEqual({
    apiVersion: raw.apiVersion,
    kind: raw.kind,
    metadata: {
      name: raw.metadata?.name,
      resourceVersion: '7',
      labels: raw.metadata?.labels,
      annotations: { 'crossplane.io/composition-resource-name': 'a' },
    },
    spec: { forProvider: raw.spec?.forProvider },
    status: raw.status,
  });
  const at = a.status?.atProvider as Record<string, unknown>;
  const fp = a.spec?.forProvider as Record<string, unknown>;
  expect(at.tags).toBe(fp.tags);
  expect(at.tagsAll).toBe(fp.tags);
  expect(b.status?.conditions).toBe(a.status?.conditions);
  // A value the cloud reports differently stays its own.
  const drifted = served('c');
  (drifted.status?.atProvider as Record<string, unknown>).tags = { Project: 'other' };
  const c = trimManaged(drifted);
  expect((c.status?.atProvider as Record<string, unknown>).tags).toEqual({ Project: 'other' });
  expect((c.status?.atProvider as Record<string, unknown>).tagsAll).toEqual(tags());
});

test('a cached render keeps names, component, kind and forProvider, sharing what equals the live resource', () => {
  const live = trimManaged(served('a'));
  const rendered = {
    ...desiredOf(live, { region: 'eu-west-1', cidrBlock: '10.1.0.0/16', tags: tags() }),
    metadata: {
      name: 'env-a-a',
      generateName: 'env-a-',
      labels: { ...live.metadata?.labels, other: 'x' },
      annotations: { ...live.metadata?.annotations, other: 'y' },
      ownerReferences: [{ name: 'env-a' }],
    },
  };
  const kept = trimDesired(rendered, [live]);
  expect(kept).toEqual({
    apiVersion: live.apiVersion,
    kind: live.kind,
    metadata: {
      name: 'env-a-a',
      labels: { 'envstack.dev/resource': 'a', 'envstack.dev/component': 'network' },
      annotations: { 'crossplane.io/composition-resource-name': 'a' },
    },
    spec: { forProvider: { region: 'eu-west-1', cidrBlock: '10.1.0.0/16', tags: tags() } },
  });
  const fp = kept.spec?.forProvider as Record<string, unknown>;
  expect(fp.tags).toBe((live.spec?.forProvider as Record<string, unknown>).tags);
  expect(trimDesired(rendered)).toEqual(kept);
});

test('Interned keeps what keeps coming back when it fills up, and forgets what does not', () => {
  const held = new Interned<object>(2);
  const first = { v: 'a' };
  expect(held.get('a', first)).toBe(first);
  held.get('b', {});
  held.get('c', {}); // the young generation was full: a and b are now old
  expect(held.get('a', { v: 'a again' })).toBe(first); // found in the old one, and kept
  held.get('d', {});
  held.get('e', {}); // c and a old again; b is gone
  expect(held.get('a', {})).toBe(first);
  const other = { v: 'b again' };
  expect(held.get('b', other)).toBe(other);
});

test('internDeep keeps every value as it was, in place, and leaves frozen objects alone', () => {
  const parsed = JSON.parse('{"region":"eu-west-1","tags":{"Team":"payments"},"ids":["a",1,null]}') as Record<
    string,
    unknown
  >;
  const tagsBefore = parsed.tags;
  expect(internDeep(parsed)).toBe(parsed);
  expect(parsed.tags).toBe(tagsBefore);
  expect(parsed).toEqual({ region: 'eu-west-1', tags: { Team: 'payments' }, ids: ['a', 1, null] });
  const frozen = Object.freeze({ s: 'x', inner: { t: 'y' } });
  expect(internDeep(frozen)).toBe(frozen);
  expect(internDeep('z')).toBe('z');
  expect(internDeep(null)).toBeNull();
});
