import {
  computeStatus,
  driftMemo,
  MAX_DRIFT_ITEMS,
  MAX_MESSAGE_LENGTH,
  MAX_VALUE_LENGTH,
  NO_LIMITS,
  ownedStatus,
  statusEquals,
} from '../../src/ops/controller/status.js';
import { diffLeaves, sameValue } from '../../src/ops/controller/drift.js';
import { cond, desiredOf, mr, ready, T0, T1, xr } from './fixtures.js';

const vpc = () => mr('vpc', { forProvider: { cidrBlock: '10.0.0.0/16', region: 'eu-west-1' } });
const subnet = () => mr('subnet-a', { kind: 'Subnet' });
const key = () =>
  mr('kms-key', { kind: 'Key', apiVersion: 'kms.aws.upbound.io/v1beta1', component: 'encryption' });

describe('phase and components', () => {
  it('is Ready when every expected resource is Ready and Synced', () => {
    const mrs = [vpc(), subnet(), key()];
    const s = computeStatus({ xr: xr('env-a', {}, mrs), mrs, now: T0 });
    expect(s.phase).toBe('Ready');
    expect(s.componentsReady).toBe('3/3');
    expect(s.components).toEqual({ network: { ready: 2, total: 2 }, encryption: { ready: 1, total: 1 } });
    expect(Object.keys(s.components)).toEqual(['network', 'encryption']);
    expect(s.blockingError).toBeUndefined();
    expect(s.observedGeneration).toBe(3);
  });

  it('shows a Synced=False under Ready=True as Degraded with the provider message', () => {
    const broken = mr('subnet-a', {
      kind: 'Subnet',
      conditions: [
        cond('Ready', 'True', 'Available'),
        cond(
          'Synced',
          'False',
          'ReconcileError',
          'update failed: UnauthorizedOperation: not allowed',
          '2026-01-01T00:05:00Z',
        ),
      ],
    });
    const mrs = [vpc(), broken, key()];
    const s = computeStatus({ xr: xr('env-a', {}, mrs), mrs, now: T1 });
    expect(s.phase).toBe('Degraded');
    expect(s.componentsReady).toBe('3/3');
    expect(s.blockingError).toEqual({
      resource: 'subnet-a',
      kind: 'Subnet',
      reason: 'ReconcileError',
      message: 'update failed: UnauthorizedOperation: not allowed',
      since: '2026-01-01T00:05:00Z',
    });
  });

  it('picks the first blocking error in component order, then name', () => {
    const fail = (r: string, component: string, msg: string) =>
      mr(r, { component, conditions: [cond('Ready', 'False', 'Unavailable', msg), cond('Synced', 'True')] });
    const mrs = [
      fail('zz-kms', 'encryption', 'kms'),
      fail('b-sub', 'network', 'b'),
      fail('a-sub', 'network', 'a'),
    ];
    const s = computeStatus({ xr: xr(), mrs, now: T0 });
    expect(s.blockingError?.resource).toBe('a-sub');
    expect(s.blockingError?.message).toBe('a');
    const reversed = computeStatus({ xr: xr(), mrs: [...mrs].reverse(), now: T0 });
    expect(reversed).toEqual(s);
  });

  it('treats LastAsyncOperation=False as blocking and Ready=False/Creating as provisioning', () => {
    const creating = mr('vpc', { conditions: [cond('Ready', 'False', 'Creating'), cond('Synced', 'True')] });
    expect(computeStatus({ xr: xr(), mrs: [creating], now: T0 }).phase).toBe('Provisioning');
    const asyncFail = mr('vpc', {
      conditions: [
        cond('Ready', 'False', 'Creating'),
        cond('Synced', 'True'),
        cond('LastAsyncOperation', 'False', 'ApplyFailure', 'quota exceeded'),
      ],
    });
    const s = computeStatus({ xr: xr(), mrs: [asyncFail], now: T0 });
    expect(s.phase).toBe('Degraded');
    expect(s.blockingError?.message).toBe('quota exceeded');
    expect(s.blockingError?.since).toBe(T0.toISOString());
    const later = computeStatus({ xr: xr(), mrs: [asyncFail], now: T1, previous: s });
    expect(later.blockingError?.since).toBe(T0.toISOString());
  });

  it('counts missing resources from resourceRefs and the render as Provisioning', () => {
    const all = [vpc(), subnet(), key()];
    const live = [vpc()];
    const s = computeStatus({ xr: xr('env-a', {}, all), mrs: live, now: T0 });
    expect(s.phase).toBe('Provisioning');
    expect(s.componentsReady).toBe('1/3');
    const rendered = computeStatus({ xr: xr(), mrs: live, desired: all.map((m) => desiredOf(m)), now: T0 });
    expect(rendered.componentsReady).toBe('1/3');
    expect(rendered.components).toEqual({
      network: { ready: 1, total: 2 },
      encryption: { ready: 0, total: 1 },
    });
  });

  it('is Provisioning with nothing composed yet, and Deleting once the XR is being deleted', () => {
    expect(computeStatus({ xr: xr(), mrs: [], now: T0 }).phase).toBe('Provisioning');
    const gone = xr('env-a', { metadata: { name: 'env-a', deletionTimestamp: T0.toISOString() } });
    expect(computeStatus({ xr: gone, mrs: [vpc()], now: T0 }).phase).toBe('Deleting');
  });

  it('surfaces the XR own Synced=False when no resource explains it', () => {
    const x = xr('env-a', {
      status: { conditions: [cond('Synced', 'False', 'ReconcileError', 'cannot compose resources: boom')] },
    });
    const s = computeStatus({ xr: x, mrs: [vpc()], now: T0 });
    expect(s.phase).toBe('Degraded');
    expect(s.blockingError).toMatchObject({
      resource: 'env-a',
      kind: 'XPlatformEnvironment',
      message: 'cannot compose resources: boom',
    });
  });
});

describe('drift', () => {
  it('reports cloud drift leaf by leaf, normalising forms and ignoring what the cloud does not report', () => {
    const db = mr('db', {
      kind: 'Instance',
      component: 'database',
      forProvider: {
        port: 5432,
        allocatedStorage: '20',
        vpcSecurityGroupIds: ['sg-1', 'sg-2'],
        tags: { Name: 'db', Team: 'a' },
        dbSubnetGroupNameSelector: { matchControllerRef: true },
        instanceClass: 'db.t4g.micro',
        multiAz: true,
      },
      atProvider: {
        port: '5432',
        allocatedStorage: 20,
        vpcSecurityGroupIds: ['sg-2', 'sg-1'],
        tags: { Name: 'db', Team: 'b' },
        tagsAll: { Name: 'db', Team: 'b', Extra: 'x' },
        instanceClass: 'db.t4g.large',
        engineVersion: '16.3',
      },
    });
    const s = computeStatus({ xr: xr(), mrs: [db], now: T0 });
    expect(s.drift.items).toEqual([
      {
        resource: 'db',
        kind: 'Instance',
        type: 'cloud',
        field: 'instanceClass',
        want: 'db.t4g.micro',
        have: 'db.t4g.large',
        since: T0.toISOString(),
      },
      {
        resource: 'db',
        kind: 'Instance',
        type: 'cloud',
        field: 'tags.Team',
        want: 'a',
        have: 'b',
        since: T0.toISOString(),
      },
    ]);
    expect(s.drift).toMatchObject({ count: 2, cloud: 2, spec: 0 });
  });

  it('limits cloud drift to the fields the composition sets when the render is known', () => {
    const live = mr('vpc', {
      forProvider: { cidrBlock: '10.0.0.0/16', enableDnsSupport: true },
      atProvider: { cidrBlock: '10.0.0.0/16', enableDnsSupport: false },
    });
    const desired = desiredOf(live, { cidrBlock: '10.0.0.0/16' });
    const s = computeStatus({ xr: xr(), mrs: [live], desired: [desired], now: T0 });
    expect(s.drift.count).toBe(0);
    const without = computeStatus({ xr: xr(), mrs: [live], now: T0 });
    expect(without.drift.items?.map((i) => i.field)).toEqual(['enableDnsSupport']);
  });

  it('reports spec drift between the live spec and what the composition renders now', () => {
    const live = mr('vpc', { forProvider: { cidrBlock: '10.9.0.0/16', region: 'eu-west-1', extra: 'kept' } });
    const desired = desiredOf(live, { cidrBlock: '10.0.0.0/16', region: 'eu-west-1', tags: { Name: 'x' } });
    const s = computeStatus({ xr: xr(), mrs: [live], desired: [desired], now: T0 });
    expect(s.drift.items).toEqual([
      {
        resource: 'vpc',
        kind: 'VPC',
        type: 'spec',
        field: 'cidrBlock',
        want: '10.0.0.0/16',
        have: '10.9.0.0/16',
        since: T0.toISOString(),
      },
      { resource: 'vpc', kind: 'VPC', type: 'spec', field: 'tags.Name', want: 'x', since: T0.toISOString() },
    ]);
    expect(s.drift).toMatchObject({ count: 2, spec: 2, cloud: 0 });
  });

  it('keeps since for drift still present and stamps new drift with now', () => {
    const a = mr('vpc', {
      forProvider: { cidrBlock: '10.0.0.0/16', enableDnsSupport: true },
      atProvider: { cidrBlock: '10.1.0.0/16', enableDnsSupport: true },
    });
    const first = computeStatus({ xr: xr(), mrs: [a], now: T0 });
    const b = mr('vpc', {
      forProvider: { cidrBlock: '10.0.0.0/16', enableDnsSupport: true },
      atProvider: { cidrBlock: '10.1.0.0/16', enableDnsSupport: false },
    });
    const second = computeStatus({ xr: xr(), mrs: [b], now: T1, previous: first });
    expect(second.drift.items?.map((i) => [i.field, i.since])).toEqual([
      ['cidrBlock', T0.toISOString()],
      ['enableDnsSupport', T1.toISOString()],
    ]);
  });

  it('with a memo: the same drift as without, and a replaced object or desired state compared again', () => {
    const memo = driftMemo();
    const live = mr('vpc', {
      forProvider: { cidrBlock: '10.9.0.0/16', enableDnsSupport: true },
      atProvider: { cidrBlock: '10.9.0.0/16', enableDnsSupport: false },
    });
    const desired = desiredOf(live, { cidrBlock: '10.0.0.0/16', enableDnsSupport: true });
    const plain = computeStatus({ xr: xr(), mrs: [live], desired: [desired], now: T0 });
    expect(plain.drift).toMatchObject({ count: 2, spec: 1, cloud: 1 });
    const input = { xr: xr(), mrs: [live], desired: [desired], now: T0, memo };
    expect(computeStatus(input)).toEqual(plain);
    expect(computeStatus(input)).toEqual(plain);
    // The provider reports the console change undone: a new object, compared again.
    const fixed = {
      ...live,
      status: { ...live.status, atProvider: { cidrBlock: '10.9.0.0/16', enableDnsSupport: true } },
    };
    expect(computeStatus({ ...input, mrs: [fixed] }).drift).toMatchObject({ count: 1, spec: 1, cloud: 0 });
    // A new render that wants what the resource has: no spec drift left.
    const now = desiredOf(fixed, { cidrBlock: '10.9.0.0/16', enableDnsSupport: true });
    expect(computeStatus({ ...input, mrs: [fixed], desired: [now] }).drift.count).toBe(0);
    // Without a render, the same live object is compared against its own forProvider.
    expect(computeStatus({ ...input, mrs: [live], desired: undefined }).drift).toMatchObject({
      count: 1,
      cloud: 1,
    });
  });

  it('compares tolerant forms', () => {
    expect(sameValue('5432', 5432)).toBe(true);
    expect(sameValue('5432.0', 5432)).toBe(true);
    expect(sameValue('true', true)).toBe(true);
    expect(sameValue('db.t4g.micro', 'db.t4g.large')).toBe(false);
    expect(sameValue(5432, 5433)).toBe(false);
    expect(sameValue(['b', 'a'], ['a', 'b'])).toBe(true);
    expect(sameValue('{"a":1,"b":[1,2]}', '{ "b": [1,2], "a": 1 }')).toBe(true);
    expect(sameValue(['a'], ['a', 'b'])).toBe(false);
    expect(
      diffLeaves({ rules: [{ port: 1, cidr: 'x' }] }, { rules: [{ port: '2' }] }, { requireHave: true }),
    ).toEqual([{ field: 'rules[0].port', want: '1', have: '2' }]);
  });
});

describe('determinism', () => {
  it('gives a deep-equal status for the same inputs whatever the order, and detects change', () => {
    const mrs = [vpc(), subnet(), key()];
    const a = computeStatus({ xr: xr('env-a', {}, mrs), mrs, now: T0 });
    const b = computeStatus({ xr: xr('env-a', {}, mrs), mrs: [...mrs].reverse(), now: T1, previous: a });
    expect(statusEquals(a, b)).toBe(true);
    const withStatus = xr(
      'env-a',
      { status: { ...JSON.parse(JSON.stringify(a)), endpoints: { api: 'x' }, conditions: ready() } },
      mrs,
    );
    expect(statusEquals(ownedStatus(withStatus), b)).toBe(true);
    const changed = computeStatus({ xr: xr('env-a', {}, mrs), mrs: mrs.slice(1), now: T0 });
    expect(statusEquals(a, changed)).toBe(false);
  });
});

describe('bounds', () => {
  it('keeps at most MAX_DRIFT_ITEMS items and cuts long values, saying by how much; count tells all', () => {
    const long = 'v'.repeat(5000);
    const mrs = Array.from({ length: 80 }, (_, i) =>
      mr(`r${String(i).padStart(2, '0')}`, {
        forProvider: { policy: `{"a":"${long}"}`, region: 'eu-west-1' },
        atProvider: { policy: `{"a":"other"}` },
      }),
    );
    const s = computeStatus({ xr: xr(), mrs, now: T0 });
    expect(s.drift.count).toBe(80);
    expect(s.drift.items).toHaveLength(MAX_DRIFT_ITEMS);
    const want = s.drift.items?.[0].want ?? '';
    expect(want.length).toBeLessThanOrEqual(MAX_VALUE_LENGTH);
    expect(want).toMatch(/… \(\d+ more characters\)$/);
    expect(want.indexOf('…') + Number(/\((\d+) more/.exec(want)?.[1])).toBe(`{"a":"${long}"}`.length);
    expect(JSON.stringify(s).length).toBeLessThan(MAX_DRIFT_ITEMS * 700);
    const all = computeStatus({ xr: xr(), mrs, now: T0, limits: NO_LIMITS });
    expect(all.drift.items).toHaveLength(80);
    expect(all.drift.items?.[0].want).toBe(`{"a":"${long}"}`);
  });

  it('cuts a long provider message and drops its request id, so retries do not change the status', () => {
    const failing = (id: string) =>
      mr('vpc', {
        conditions: [
          cond('Ready', 'True'),
          cond('Synced', 'False', 'ReconcileError', `boom, RequestID: ${id}, ${'x'.repeat(3000)}`),
        ],
      });
    const a = computeStatus({ xr: xr(), mrs: [failing('1111-aaaa')], now: T0 });
    const b = computeStatus({ xr: xr(), mrs: [failing('2222-bbbb')], now: T1, previous: a });
    expect(a.blockingError?.message.length).toBeLessThanOrEqual(MAX_MESSAGE_LENGTH);
    expect(a.blockingError?.message.startsWith('boom, xxx')).toBe(true);
    expect(statusEquals(a, b)).toBe(true);
  });
});
