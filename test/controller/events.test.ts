import { EventRecorder, normalizeMessage } from '../../src/ops/controller/events.js';
import type { KubeClient } from '../../src/ops/controller/kube.js';
import { ApiError } from '../../src/ops/controller/errors.js';

describe('normalizeMessage', () => {
  it('strips AWS request ids, host ids and timestamps, and leaves other messages alone', () => {
    const aws = (id: string) =>
      `create failed: operation error EC2: CreateVpc, https response error StatusCode: 400, RequestID: ${id}, api error VpcLimitExceeded: The maximum number of VPCs has been reached.`;
    expect(normalizeMessage(aws('1c2d3e4f-aaaa-bbbb-cccc-1234567890ab'))).toBe(
      'create failed: operation error EC2: CreateVpc, https response error StatusCode: 400, api error VpcLimitExceeded: The maximum number of VPCs has been reached.',
    );
    expect(normalizeMessage(aws('1'.repeat(36)))).toBe(normalizeMessage(aws('2'.repeat(36))));
    expect(
      normalizeMessage(
        'refresh failed: AccessDenied: Access Denied\n\tstatus code: 403, request id: 5B9D1E7A3F2C, host id: Zm9vYmFy+/=',
      ),
    ).toBe('refresh failed: AccessDenied: Access Denied\n\tstatus code: 403');
    expect(normalizeMessage('throttled at 2026-01-02T03:04:05.123456Z, retrying')).toBe(
      normalizeMessage('throttled at 2026-05-06T07:08:09Z, retrying'),
    );
    expect(normalizeMessage('error at 2026-01-02 03:04:05.123 +0000 UTC: x')).toBe('error at: x');
    expect(normalizeMessage('plain: message (with) things.')).toBe('plain: message (with) things.');
  });
});

interface Call {
  method: string;
  path: string;
  body: Record<string, unknown>;
}

function fakeClient(failPatchWith?: number): { client: KubeClient; calls: Call[] } {
  const calls: Call[] = [];
  const client = {
    request: (method: string, path: string, options: { body?: unknown } = {}) => {
      calls.push({ method, path, body: options.body as Record<string, unknown> });
      if (method === 'PATCH' && failPatchWith)
        return Promise.reject(new ApiError(failPatchWith, {}, method, path));
      return Promise.resolve({});
    },
  } as unknown as KubeClient;
  return { client, calls };
}

const target = {
  namespace: 'team-a',
  name: 'env-a',
  ref: {
    apiVersion: 'platform.envstack.dev/v1alpha1',
    kind: 'PlatformEnvironment',
    name: 'env-a',
    namespace: 'team-a',
  },
};

describe('EventRecorder', () => {
  it('counts an identical event on the Event already recorded (count, lastTimestamp, series)', async () => {
    const { client, calls } = fakeClient();
    let now = new Date('2026-01-01T00:00:00Z');
    const rec = new EventRecorder(client, { component: 'c', instance: 'i', clock: () => now });
    const msg = (id: string) => `Subnet a: failed, RequestID: ${id}, api error X`;
    await rec.record(target, { reason: 'Blocked', type: 'Warning', message: msg('aaaa-1111') });
    now = new Date('2026-01-01T00:01:00Z');
    await rec.record(target, { reason: 'Blocked', type: 'Warning', message: msg('bbbb-2222') });
    await rec.record(target, { reason: 'Blocked', type: 'Warning', message: msg('cccc-3333') });
    expect(calls.map((c) => c.method)).toEqual(['POST', 'PATCH', 'PATCH']);
    const name = (calls[0].body.metadata as { name: string }).name;
    expect(calls[1].path).toBe(`/api/v1/namespaces/team-a/events/${name}`);
    expect(calls[0].body).toMatchObject({
      count: 1,
      message: 'Subnet a: failed, api error X',
      firstTimestamp: '2026-01-01T00:00:00Z',
    });
    expect(calls[2].body).toMatchObject({
      count: 3,
      lastTimestamp: '2026-01-01T00:01:00Z',
      series: { count: 3, lastObservedTime: '2026-01-01T00:01:00.000000Z' },
    });
  });

  it('combines many different messages for one object and reason into one Event', async () => {
    const { client, calls } = fakeClient();
    const rec = new EventRecorder(client, { component: 'c', instance: 'i', maxSimilar: 3 });
    for (let i = 0; i < 8; i++)
      await rec.record(target, { reason: 'DriftDetected', type: 'Warning', message: `drift ${i}` });
    expect(calls.filter((c) => c.method === 'POST')).toHaveLength(4);
    const combined = calls.slice(3);
    expect(combined[0].body.message).toBe('(combined from similar events): drift 3');
    expect(combined.slice(1).every((c) => c.method === 'PATCH')).toBe(true);
    expect(combined.at(-1)?.body).toMatchObject({
      count: 5,
      message: '(combined from similar events): drift 7',
    });
  });

  it('creates the Event again when the one it counted on has expired', async () => {
    const { client, calls } = fakeClient(404);
    const rec = new EventRecorder(client, { component: 'c', instance: 'i' });
    await rec.record(target, { reason: 'Blocked', type: 'Warning', message: 'x' });
    await rec.record(target, { reason: 'Blocked', type: 'Warning', message: 'x' });
    expect(calls.map((c) => c.method)).toEqual(['POST', 'PATCH', 'POST']);
  });
});
