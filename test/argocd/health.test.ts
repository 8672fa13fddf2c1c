/**
 * The Argo CD health check of envstack environments (charts/envstack/files/health/environment.lua) run by a
 * real Lua 5.1 against status objects shaped like the controller's: hand-written fixtures (test/argocd/fixtures,
 * each validated against the API's status schema) and statuses computed by the controller's own code.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { statusSchema } from '../../src/platform/api/schema.js';
import { computeStatus } from '../../src/ops/controller/status.js';
import type { KObject } from '../../src/ops/controller/object.js';
import { loadYaml } from '../../src/engine/render/yaml.js';
import { repoRoot } from '../delivery/helm.js';
import { GOPHER_LUA, installLua, runHealth } from './lua.js';

const script = join(repoRoot, 'charts', 'envstack', 'files', 'health', 'environment.lua');
const fixturesDir = join(repoRoot, 'test', 'argocd', 'fixtures');

const condition = z
  .object({
    type: z.string(),
    status: z.enum(['True', 'False', 'Unknown']),
    reason: z.string().optional(),
    message: z.string().optional(),
    lastTransitionTime: z.string().optional(),
  })
  .strict();
const liveStatus = statusSchema.extend({ conditions: z.array(condition).optional() }).strict();

const fixture = z
  .object({
    description: z.string(),
    expect: z
      .object({ health: z.enum(['Healthy', 'Progressing', 'Degraded']), message: z.string() })
      .strict(),
    object: z
      .object({
        apiVersion: z.literal('platform.envstack.dev/v1alpha1'),
        kind: z.enum(['PlatformEnvironment', 'XPlatformEnvironment']),
        metadata: z.object({ name: z.string() }).loose(),
        status: liveStatus.optional(),
      })
      .loose(),
  })
  .strict();

const fixtures = readdirSync(fixturesDir)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => ({ file: f, ...fixture.parse(loadYaml(readFileSync(join(fixturesDir, f), 'utf8'))) }));

beforeAll(() => installLua());

describe('environment health (fixtures)', () => {
  it('covers every outcome and the cases Argo CD users hit', () => {
    expect(new Set(fixtures.map((f) => f.expect.health))).toEqual(
      new Set(['Healthy', 'Progressing', 'Degraded']),
    );
    expect(fixtures.map((f) => f.file)).toEqual(
      expect.arrayContaining(['missing-status.yaml', 'ready-not-synced.yaml', 'deleting.yaml']),
    );
  });

  it.each(fixtures)('$file: $description', ({ object, expect: want }) => {
    const hs = runHealth(script, object);
    expect(hs.status).toBe(want.health);
    expect(hs.message).toMatch(new RegExp(want.message));
  });
});

// The same fixtures in gopher-lua, the interpreter Argo CD itself embeds. Skipped with a note when it is not
// built (npm run tools:install); CI requires it.
const haveGopherLua = existsSync(GOPHER_LUA);
if (!haveGopherLua && process.env.ENVSTACK_REQUIRE_TOOLS !== '1')
  process.stderr.write(
    `skipping gopher-lua health checks: ${GOPHER_LUA} is missing (npm run tools:install)\n`,
  );
(haveGopherLua || process.env.ENVSTACK_REQUIRE_TOOLS === '1' ? describe : describe.skip)(
  'environment health in gopher-lua (fixtures)',
  () => {
    it.each(fixtures)('$file: $description', ({ object, expect: want }) => {
      const hs = runHealth(script, object, 'gopher-lua');
      expect(hs).toEqual(runHealth(script, object, 'lua5.1'));
      expect(hs.status).toBe(want.health);
    });
  },
);

const NOW = new Date('2026-11-22T12:00:00Z');
const cond = (type: string, status: string, reason?: string, message?: string): Record<string, string> => ({
  type,
  status,
  ...(reason ? { reason } : {}),
  ...(message ? { message } : {}),
});

function mr(
  name: string,
  kind: string,
  component: string,
  conditions: Array<Record<string, string>>,
  extra = {},
): KObject {
  return {
    apiVersion: 'ec2.aws.upbound.io/v1beta1',
    kind,
    metadata: {
      name: `payments-prod-x7k2p-${name}`,
      labels: { 'crossplane.io/composite': 'payments-prod-x7k2p', 'envstack.dev/component': component },
      annotations: { 'crossplane.io/composition-resource-name': name },
    },
    spec: { forProvider: { region: 'eu-west-1' } },
    status: { conditions, atProvider: { region: 'eu-west-1' } },
    ...extra,
  } as KObject;
}

/** The claim as Argo CD sees it: Crossplane's conditions plus the status the controller computed. */
function claimWith(mrs: KObject[], xrConditions: Array<Record<string, string>>): Record<string, unknown> {
  const xr: KObject = {
    apiVersion: 'platform.envstack.dev/v1alpha1',
    kind: 'XPlatformEnvironment',
    metadata: { name: 'payments-prod-x7k2p', generation: 2 },
    status: { conditions: xrConditions },
  } as KObject;
  const computed = computeStatus({ xr, mrs, now: NOW });
  const status = { conditions: xrConditions, ...computed };
  liveStatus.parse(status);
  return {
    apiVersion: 'platform.envstack.dev/v1alpha1',
    kind: 'PlatformEnvironment',
    metadata: { name: 'payments-prod', namespace: 'team-payments' },
    status,
  };
}

const ok = [cond('Synced', 'True', 'ReconcileSuccess'), cond('Ready', 'True', 'Available')];

describe('environment health (statuses computed by the controller)', () => {
  beforeAll(() => installLua());

  it('is Healthy when every managed resource is ready and in sync', () => {
    const hs = runHealth(
      script,
      claimWith([mr('vpc', 'VPC', 'network', ok), mr('igw', 'InternetGateway', 'network', ok)], ok),
    );
    expect(hs).toEqual({ status: 'Healthy', message: 'Ready (2/2 resources ready)' });
  });

  it('is Degraded with the provider message when a resource cannot be reconciled', () => {
    const failing = mr('nat-a', 'NATGateway', 'network', [
      cond(
        'Synced',
        'False',
        'ReconcileError',
        'create failed: NatGatewayLimitExceeded: The maximum number of NAT gateways has been reached.',
      ),
      cond('Ready', 'False', 'Creating'),
    ]);
    const hs = runHealth(script, claimWith([mr('vpc', 'VPC', 'network', ok), failing], ok));
    expect(hs.status).toBe('Degraded');
    expect(hs.message).toBe(
      'Blocked by NATGateway nat-a: ReconcileError: create failed: NatGatewayLimitExceeded: The maximum number of NAT gateways has been reached.',
    );
  });

  it('is Progressing while resources are still being created', () => {
    const creating = mr('subnet-a', 'Subnet', 'network', [
      cond('Synced', 'True'),
      cond('Ready', 'False', 'Creating'),
    ]);
    const hs = runHealth(
      script,
      claimWith(
        [mr('vpc', 'VPC', 'network', ok), creating],
        [cond('Synced', 'True'), cond('Ready', 'False', 'Creating')],
      ),
    );
    expect(hs).toEqual({ status: 'Progressing', message: 'Provisioning (1/2 resources ready): Creating' });
  });

  it('is Degraded when AWS no longer matches what the composition set', () => {
    const drifted = mr('vpc', 'VPC', 'network', ok, {
      spec: { forProvider: { region: 'eu-west-1', enableDnsHostnames: true } },
      status: { conditions: ok, atProvider: { region: 'eu-west-1', enableDnsHostnames: false } },
    });
    const hs = runHealth(script, claimWith([drifted], ok));
    expect(hs.status).toBe('Degraded');
    expect(hs.message).toBe(
      '1 drifted fields (1 cloud), more than the 0 allowed; first: VPC vpc enableDnsHostnames',
    );
  });
});

describe('environment.lua', () => {
  it('uses nothing outside what Argo CD gives health scripts', () => {
    const code = readFileSync(script, 'utf8').replace(/--.*$/gm, '');
    expect(code).not.toMatch(/\b(os|io|debug|package)\.|\b(require|dofile|loadfile|loadstring|load)\s*\(/);
    expect(code.trimEnd().endsWith('return hs')).toBe(true);
  });
});
