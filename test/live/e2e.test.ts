// The user's first path on real Crossplane: the chart installed, a claim applied with kubectl,
// Crossplane core composing it through the real functions into a real kube-apiserver (where the
// provider CRDs validate every composed resource), the provider stand-in playing AWS, our controller
// writing status, and the claim turning Ready. What Crossplane composed must equal
// `envstack render --converge` resource by resource.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jsYaml from 'js-yaml';
import { readFileSync } from 'node:fs';
import type { Unstructured } from '../../src/render/fnapi.js';
import { checkClaim, composedOf, liveComposite, type CheckResult } from '../../src/sandbox/check.js';
import { runHealth } from '../argocd/lua.js';
import { startSandbox, waitFor, type Sandbox } from '../../src/sandbox/sandbox.js';
import type { FaultSpec } from '../../src/sandbox/standin.js';
import { describeWithTools } from '../support/kube.js';

const TOOLS = [
  'etcd',
  'kube-apiserver',
  'kubectl',
  'helm',
  'crossplane-core',
  'function-patch-and-transform',
  'function-cel-filter',
  'function-auto-ready',
  'gopher-lua',
];
const repo = new URL('../..', import.meta.url).pathname;
const HEALTH = join(repo, 'charts', 'envstack', 'files', 'health', 'environment.lua');

function example(name: string, namespace: string, claimName: string): Unstructured {
  const [doc] = jsYaml.loadAll(
    readFileSync(join(repo, 'examples', `${name}.yaml`), 'utf8'),
  ) as Unstructured[];
  return { ...doc, metadata: { ...(doc.metadata ?? {}), name: claimName, namespace } };
}

interface DriftView {
  count?: number;
  cloud?: number;
  items?: { resource: string; type: string; field: string }[];
}

interface ClaimView {
  ready: boolean;
  phase?: string;
  blockingError?: { resource?: string; kind?: string; message?: string };
  componentsReady?: string;
}

/** The claim (claim flavor) or namespaced XR: both are `platformenvironments` in the claim's namespace. */
function claimView(sb: Sandbox, claim: Unstructured): ClaimView | undefined {
  const plural = 'platformenvironments';
  try {
    const out = sb.kubectl([
      'get',
      plural,
      claim.metadata?.name ?? '',
      '-n',
      claim.metadata?.namespace ?? '',
      '-o',
      'json',
    ]);
    const obj = JSON.parse(out) as {
      status?: Record<string, unknown> & { conditions?: { type: string; status: string }[] };
    };
    const s = obj.status ?? {};
    return {
      ready: (s.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True'),
      phase: s.phase as string | undefined,
      blockingError: s.blockingError as ClaimView['blockingError'],
      componentsReady: s.componentsReady as string | undefined,
    };
  } catch {
    return undefined;
  }
}

for (const flavor of ['claim', 'namespaced'] as const) {
  describeWithTools(TOOLS, `live path on real Crossplane (${flavor} flavor)`, () => {
    let sb: Sandbox;
    beforeAll(async () => {
      // Crossplane's XR circuit breaker (burst 100 events, 1/s refill) opens under one dev claim's own
      // ~140 resources as the stand-in reports them, and then lets events through only periodically;
      // bench/live.ts measures that with the defaults. Here a larger burst keeps the suite's time down.
      sb = await startSandbox({
        flavor,
        tiedToParent: true,
        circuitBreaker: { burst: 2000, refillRate: 50 },
      });
    }, 240_000);
    afterAll(async () => {
      await sb?.stop();
    });
    const dumpOnFailure = async <T>(fn: () => Promise<T>): Promise<T> => {
      try {
        return await fn();
      } catch (err) {
        process.stderr.write(`\n==== sandbox logs (${flavor}) ====\n${sb.logs(40)}\n`);
        throw err;
      }
    };

    test(
      'kubectl apply of the dev example: composed, accepted, equal to render --converge, Ready',
      () =>
        dumpOnFailure(async () => {
          const claim = example('dev', 'team-payments', 'payments-dev');
          sb.kubectl(['create', 'namespace', 'team-payments']);
          sb.kubectl(['apply', '-f', '-'], JSON.stringify(claim));
          // Resources gated on observed values appear only after the ones they wait on report them, so
          // Crossplane's Ready can come and go while the environment grows: wait for the final shape.
          let last: CheckResult | undefined;
          await waitFor(
            'the composed resources to equal render --converge and the claim to be Ready',
            async () => {
              const v = claimView(sb, claim);
              if (!v?.ready || v.phase !== 'Ready') return false;
              last = await checkClaim(sb.kc, flavor, claim);
              return last.equal ? last : false;
            },
            420_000,
            2000,
          ).catch((err: unknown) => {
            throw new Error(
              `${String(err)}\nlast comparison: ${JSON.stringify(last?.differences ?? [], null, 1)}`,
            );
          });
          expect(last?.differences).toEqual([]);
          expect(last?.live).toBe(last?.predicted);
          expect(last?.live).toBeGreaterThan(100);
          const xr = await liveComposite(sb.kc, flavor, claim);
          const composed = await composedOf(sb.kc, flavor, xr as Unstructured);
          expect(composed).toHaveLength(last?.live ?? -1);
          const live: unknown = JSON.parse(
            sb.kubectl(['get', 'platformenvironments', 'payments-dev', '-n', 'team-payments', '-o', 'json']),
          );
          for (const interpreter of ['lua5.1', 'gopher-lua'] as const)
            expect(runHealth(HEALTH, live, interpreter).status).toBe('Healthy');
        }),
      600_000,
    );

    test("kubectl get shows the printer columns with the controller's values", () => {
      const out = sb.kubectl(['get', 'platformenvironments', '-n', 'team-payments']);
      const [header, row] = out.trim().split('\n');
      expect(header.split(/\s+/)).toEqual(
        expect.arrayContaining(['NAME', 'PHASE', 'COMPONENTS', 'DRIFT', 'ENDPOINT', 'READY']),
      );
      expect(row).toMatch(/^payments-dev\s+Ready\s+(\d+)\/\1\s+0\s+\S+\.elb\.amazonaws\.com/);
    });

    test(
      'an injected provider error names the blocking resource and its message; health says Degraded',
      () =>
        dumpOnFailure(async () => {
          const claim = example('dev', 'team-payments', 'payments-dev');
          const faults: FaultSpec[] = [
            {
              resource: 'vpc',
              syncError:
                'api error UnauthorizedOperation: You are not authorized to perform this operation. RequestID: 0a1b2c3d',
            },
          ];
          writeFileSync(sb.state.faultsFile, JSON.stringify(faults));
          const view = await waitFor(
            'the claim to name the blocking resource',
            () => {
              const v = claimView(sb, claim);
              return v?.blockingError?.message?.includes('UnauthorizedOperation') ? v : false;
            },
            120_000,
            1000,
          );
          expect(view.blockingError?.kind).toBe('VPC');
          const live: unknown = JSON.parse(
            sb.kubectl(['get', 'platformenvironments', 'payments-dev', '-n', 'team-payments', '-o', 'json']),
          );
          for (const interpreter of ['lua5.1', 'gopher-lua'] as const)
            expect(runHealth(HEALTH, live, interpreter).status).toBe('Degraded');
          writeFileSync(sb.state.faultsFile, '[]');
          await waitFor(
            'the blocking error to clear',
            () => !claimView(sb, claim)?.blockingError?.message,
            120_000,
            1000,
          );
        }),
      300_000,
    );

    test(
      'AWS changing a field behind our back shows up as cloud drift in the claim',
      () =>
        dumpOnFailure(async () => {
          const faults: FaultSpec[] = [{ resource: 'vpc', atProvider: { enableDnsHostnames: false } }];
          writeFileSync(sb.state.faultsFile, JSON.stringify(faults));
          const drift = await waitFor(
            'cloud drift on the VPC',
            () => {
              const out = sb.kubectl([
                'get',
                'platformenvironments',
                'payments-dev',
                '-n',
                'team-payments',
                '-o',
                'json',
              ]);
              const d = (JSON.parse(out) as { status?: { drift?: DriftView } }).status?.drift;
              return d?.items?.some((i) => i.field.includes('enableDnsHostnames') && i.type === 'cloud')
                ? d
                : false;
            },
            120_000,
            1000,
          );
          expect(drift.cloud).toBeGreaterThanOrEqual(1);
          writeFileSync(sb.state.faultsFile, '[]');
          await waitFor(
            'the drift to clear',
            () => {
              const out = sb.kubectl([
                'get',
                'platformenvironments',
                'payments-dev',
                '-n',
                'team-payments',
                '-o',
                'json',
              ]);
              return (
                ((JSON.parse(out) as { status?: { drift?: DriftView } }).status?.drift?.cloud ?? 0) === 0
              );
            },
            120_000,
            1000,
          );
        }),
      300_000,
    );
  });
}
