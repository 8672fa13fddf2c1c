import { validateClaim } from '../../src/platform/validate/index.js';
import type { Unstructured } from '../../src/engine/render/fnapi.js';

const base = {
  project: 'payments',
  environment: 'dev',
  owner: 'team-payments',
  region: 'eu-west-1',
};

function claim(spec: Record<string, unknown>): Unstructured {
  return {
    apiVersion: 'platform.envstack.dev/v1alpha1',
    kind: 'PlatformEnvironment',
    metadata: { name: 'x', namespace: 'n' },
    spec: { ...base, ...spec },
  };
}

function messages(spec: Record<string, unknown>, old?: Record<string, unknown>): string[] {
  return validateClaim(claim(spec), old ? { old: claim(old) } : {}).map((p) => `${p.path}: ${p.message}`);
}

const cases: Array<{
  rule: string;
  accept: Record<string, unknown>;
  reject: Record<string, unknown>;
  message: RegExp;
}> = [
  {
    rule: 'cidr is a private /16',
    accept: { network: { cidr: '172.20.0.0/16' } },
    reject: { network: { cidr: '8.8.0.0/16' } },
    message: /private \/16/,
  },
  {
    rule: 'cidr is a /16, not a /24',
    accept: { network: { cidr: '192.168.0.0/16' } },
    reject: { network: { cidr: '10.1.2.0/24' } },
    message: /private \/16/,
  },
  {
    rule: 'DR region set and different',
    accept: { dr: { enabled: true, region: 'eu-central-1' } },
    reject: { dr: { enabled: true, region: 'eu-west-1' } },
    message: /dr.region must be set, and differ from region/,
  },
  {
    rule: 'DR region required when on',
    accept: { dr: { enabled: false } },
    reject: { dr: { enabled: true } },
    message: /dr.region must be set/,
  },
  {
    rule: 'DR CIDR differs',
    accept: { dr: { enabled: true, region: 'us-east-2', cidr: '10.30.0.0/16' } },
    reject: {
      network: { cidr: '10.30.0.0/16' },
      dr: { enabled: true, region: 'us-east-2', cidr: '10.30.0.0/16' },
    },
    message: /dr.cidr must differ/,
  },
  {
    rule: 'DR replica needs the database',
    accept: { database: { enabled: false }, dr: { enabled: true, region: 'us-east-2', database: 'none' } },
    reject: { database: { enabled: false }, dr: { enabled: true, region: 'us-east-2' } },
    message: /replica needs database.enabled/,
  },
  {
    rule: 'Performance Insights not on micro (explicit class)',
    accept: { database: { instanceClass: 'db.t4g.small', performanceInsights: true } },
    reject: { database: { instanceClass: 'db.t4g.micro', performanceInsights: true } },
    message: /not supported on \*\.micro/,
  },
  {
    rule: 'Performance Insights not on micro (profile class)',
    accept: { environment: 'staging', database: { performanceInsights: true } },
    reject: { database: { performanceInsights: true } },
    message: /not supported on \*\.micro/,
  },
  {
    rule: 'min <= desired <= max with profile defaults',
    accept: { compute: { minSize: 1, desiredCapacity: 2, maxSize: 2 } },
    reject: { environment: 'prod', compute: { maxSize: 1 } },
    message: /minSize <= desiredCapacity <= maxSize/,
  },
  {
    rule: 'certificate and domain exclusive',
    accept: { loadBalancer: { domain: { name: 'app.example.com', hostedZoneId: 'Z123ABC' } } },
    reject: {
      loadBalancer: {
        certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc-123',
        domain: { name: 'app.example.com', hostedZoneId: 'Z123ABC' },
      },
    },
    message: /exclusive/,
  },
  {
    rule: 'log retention CloudWatch accepts',
    accept: { observability: { logRetentionDays: 14 } },
    reject: { observability: { logRetentionDays: 10 } },
    message: /CloudWatch Logs accepts/,
  },
  {
    rule: 'budget > 0',
    accept: { compliance: { budget: { monthlyUsd: 100, email: 'a@example.com' } } },
    reject: { compliance: { budget: { monthlyUsd: 0, email: 'a@example.com' } } },
    message: /greater than 0/,
  },
  {
    rule: 'derived names fit ALB 32 characters',
    accept: { project: 'paymentsplatform', environment: 'prod', suffix: 'pr1234' },
    reject: { project: 'paymentsplatform', environment: 'staging', suffix: 'pr123456' },
    message: /too long/,
  },
];

describe.each(cases)('admission rule: $rule', ({ accept, reject, message }) => {
  test('accepts a claim that keeps it', () => {
    expect(messages(accept)).toEqual([]);
  });
  test('rejects a claim that breaks it, with a message a person understands', () => {
    const got = messages(reject);
    expect(got.some((m) => message.test(m))).toBe(true);
  });
});

describe('immutable fields', () => {
  test.each([
    ['project', { project: 'billing' }],
    ['environment', { environment: 'prod' }],
    ['region', { region: 'us-east-1' }],
  ])('%s cannot change once set', (field, change) => {
    expect(messages(base, base)).toEqual([]);
    const got = messages({ ...base, ...change }, base);
    expect(got.some((m) => m.includes(`${field} is immutable`))).toBe(true);
  });

  test('suffix cannot be added, removed or changed', () => {
    expect(messages({ suffix: 'a1' }, { suffix: 'a1' })).toEqual([]);
    expect(messages({ suffix: 'b2' }, { suffix: 'a1' }).join()).toMatch(/suffix is immutable/);
    expect(messages({}, { suffix: 'a1' }).join()).toMatch(/suffix is immutable/);
    expect(messages({ suffix: 'a1' }, {}).join()).toMatch(/suffix is immutable/);
  });
});

describe('schema shape', () => {
  test('names the field and the fix for a bad project', () => {
    expect(messages({ project: 'Payments' }).join()).toMatch(/^spec\.project: .*should match/);
  });
  test('requires project, environment, owner and region', () => {
    const got = validateClaim({
      apiVersion: 'platform.envstack.dev/v1alpha1',
      kind: 'PlatformEnvironment',
      metadata: { name: 'x' },
      spec: {},
    });
    // '' is the apiserver's root error: the CEL rules are not evaluated after a Required value.
    expect(got.map((p) => p.path).sort()).toEqual([
      '',
      'spec.environment',
      'spec.owner',
      'spec.project',
      'spec.region',
    ]);
  });
  test('rejects unknown fields instead of pruning them silently', () => {
    expect(messages({ netwrk: {} }).join()).toMatch(/spec\.netwrk: .*not declared/);
  });
  test('rejects a wrong kind or apiVersion', () => {
    const got = validateClaim({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    expect(got.map((p) => p.path)).toEqual(['apiVersion', 'kind']);
  });
});
