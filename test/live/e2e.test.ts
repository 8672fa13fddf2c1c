// The user's first path on real Crossplane: the chart installed, a claim applied with kubectl,
// Crossplane core composing it through the real functions into a real kube-apiserver (where the
// provider CRDs validate every composed resource), the provider stand-in playing AWS, our controller
// writing status, and the claim turning Ready. What Crossplane composed must equal
// `envstack render --converge` resource by resource.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jsYaml from 'js-yaml';
import type { Unstructured } from '../../src/engine/render/fnapi.js';
import { checkClaim, composedOf, liveComposite, type CheckResult } from '../../src/ops/sandbox/check.js';
import { runHealth } from '../argocd/lua.js';
import { startSandbox, waitFor, type Sandbox } from '../../src/ops/sandbox/sandbox.js';
import type { CloudRecord, FaultSpec } from '../../src/ops/sandbox/standin.js';
import { describeWithTools, SANDBOX_TOOLS } from '../support/kube.js';

const TOOLS = [...SANDBOX_TOOLS, 'gopher-lua'];
const repo = new URL('../..', import.meta.url).pathname;
const HEALTH = join(repo, 'charts', 'envstack', 'files', 'health', 'environment.lua');

function example(name: string, namespace: string, claimName: string): Unstructured {
  const [doc] = jsYaml.loadAll(
    readFileSync(join(repo, 'examples', `${name}.yaml`), 'utf8'),
  ) as Unstructured[];
  return { ...doc, metadata: { ...(doc.metadata ?? {}), name: claimName, namespace } };
}

const RESOURCE_NAME = 'crossplane.io/composition-resource-name';
const RESOURCE_LABEL = 'envstack.dev/resource';
const resourceName = (u: Unstructured): string => u.metadata?.annotations?.[RESOURCE_NAME] ?? '';

/** kubectl's way to name one object: `plural.group name [-n namespace]`. */
function kubectlRef(u: Unstructured, plural: string): string[] {
  const group = (u.apiVersion ?? '').split('/')[0];
  const ns = u.metadata?.namespace;
  return [`${plural}.${group}`, u.metadata?.name ?? '', ...(ns ? ['-n', ns] : [])];
}

/** Whether the provider keeps the external resource when this managed resource is deleted. */
function orphans(u: Unstructured): boolean {
  const spec = (u.spec ?? {}) as { deletionPolicy?: string; managementPolicies?: string[] };
  if (spec.deletionPolicy === 'Orphan') return true;
  const policies = spec.managementPolicies ?? ['*'];
  return !policies.includes('*') && !policies.includes('Delete');
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
      // The sandbox's own circuit breaker (SANDBOX_CIRCUIT_BREAKER), wide enough not to open under
      // these claims; bench/live.ts measures Crossplane's defaults.
      sb = await startSandbox({ flavor, tiedToParent: true });
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
          // The claim's status is copied from the XR by Crossplane and written by our controller: give
          // both a moment to agree before Argo CD's view is read.
          const health = await waitFor(
            'Argo CD health to say Healthy',
            () => {
              const obj: unknown = JSON.parse(
                sb.kubectl([
                  'get',
                  'platformenvironments',
                  'payments-dev',
                  '-n',
                  'team-payments',
                  '-o',
                  'json',
                ]),
              );
              const got = (['lua5.1', 'gopher-lua'] as const).map((i) => runHealth(HEALTH, obj, i).status);
              return got.every((g) => g === 'Healthy') ? got : false;
            },
            60_000,
            1000,
          );
          expect(health).toEqual(['Healthy', 'Healthy']);
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

    const driftOf = (): DriftView | undefined => {
      const out = sb.kubectl([
        'get',
        'platformenvironments',
        'payments-dev',
        '-n',
        'team-payments',
        '-o',
        'json',
      ]);
      return (JSON.parse(out) as { status?: { drift?: DriftView } }).status?.drift;
    };

    test(
      'AWS changing a field behind our back shows up as cloud drift in the claim',
      () =>
        dumpOnFailure(async () => {
          const faults: FaultSpec[] = [{ resource: 'vpc', atProvider: { enableDnsHostnames: false } }];
          writeFileSync(sb.state.faultsFile, JSON.stringify(faults));
          const drift = await waitFor(
            'cloud drift on the VPC',
            () => {
              const d = driftOf();
              return d?.items?.some((i) => i.field.includes('enableDnsHostnames') && i.type === 'cloud')
                ? d
                : false;
            },
            120_000,
            1000,
          );
          expect(drift.cloud).toBeGreaterThanOrEqual(1);
          writeFileSync(sb.state.faultsFile, '[]');
          await waitFor('the drift to clear', () => (driftOf()?.cloud ?? 0) === 0, 120_000, 1000);
        }),
      300_000,
    );

    /** Crossplane's XR circuit breaker counters (opens, closes, events by result). */
    const breakerMetrics = async (): Promise<string> => {
      try {
        const text = await (await fetch(sb.state.crossplaneMetrics)).text();
        return text
          .split('\n')
          .filter((l) => l.startsWith('circuit_breaker_'))
          .join('\n');
      } catch (err) {
        return `(metrics unreadable: ${String(err)})`;
      }
    };

    const xrRef = (xr: Unstructured): string[] =>
      flavor === 'claim'
        ? ['xplatformenvironments', xr.metadata?.name ?? '']
        : ['platformenvironments', xr.metadata?.name ?? '', '-n', 'team-payments'];

    test(
      'a hand edit of a managed resource is spec drift while the XR is paused; resumed, Crossplane puts it back',
      () =>
        dumpOnFailure(async () => {
          const claim = example('dev', 'team-payments', 'payments-dev');
          const xr = (await liveComposite(sb.kc, flavor, claim)) as Unstructured;
          const vpc = (await composedOf(sb.kc, flavor, xr)).find((u) => resourceName(u) === 'vpc');
          expect(vpc).toBeDefined();
          const vpcRef = kubectlRef(vpc as Unstructured, 'vpcs');
          const dnsSupport = () =>
            (
              JSON.parse(sb.kubectl(['get', ...vpcRef, '-o', 'json'])) as Unstructured & {
                spec: { forProvider: { enableDnsSupport?: boolean } };
              }
            ).spec.forProvider.enableDnsSupport;
          expect(dnsSupport()).toBe(true);
          sb.kubectl(['annotate', ...xrRef(xr), 'crossplane.io/paused=true', '--overwrite']);
          try {
            // A reconcile already running would still apply the Composition: wait for Crossplane to say paused.
            await waitFor(
              'Crossplane to pause the XR',
              () => {
                const live = JSON.parse(sb.kubectl(['get', ...xrRef(xr), '-o', 'json'])) as {
                  status?: { conditions?: { type: string; reason?: string }[] };
                };
                return (live.status?.conditions ?? []).some(
                  (c) => c.type === 'Synced' && c.reason === 'ReconcilePaused',
                );
              },
              120_000,
              1000,
            );
            sb.kubectl([
              'patch',
              ...vpcRef,
              '--type',
              'merge',
              '-p',
              JSON.stringify({ spec: { forProvider: { enableDnsSupport: false } } }),
            ]);
            const drift = await waitFor(
              'spec drift on the VPC',
              () => {
                const d = driftOf();
                return d?.items?.some((i) => i.type === 'spec' && i.field.includes('enableDnsSupport'))
                  ? d
                  : false;
              },
              120_000,
              1000,
            );
            expect(drift.items?.filter((i) => i.type === 'spec').map((i) => i.resource)).toEqual(['vpc']);
            // Paused, Crossplane leaves the edit alone; resumed, it applies the Composition's value again.
            expect(dnsSupport()).toBe(false);
          } finally {
            sb.kubectl(['annotate', ...xrRef(xr), 'crossplane.io/paused-']);
          }
          await waitFor(
            'Crossplane to revert the edit and the drift to clear',
            () => dnsSupport() === true && (driftOf()?.count ?? 0) === 0,
            120_000,
            1000,
          ).catch(async (err: unknown) => {
            const live = JSON.parse(sb.kubectl(['get', ...xrRef(xr), '-o', 'json'])) as Unstructured;
            throw new Error(
              `${String(err)}\nXR annotations: ${JSON.stringify(live.metadata?.annotations ?? {})}` +
                `\nXR conditions: ${JSON.stringify((live.status as { conditions?: unknown })?.conditions ?? [])}` +
                `\nVPC enableDnsSupport: ${String(dnsSupport())}, drift: ${JSON.stringify(driftOf())}` +
                `\nCrossplane's circuit breaker:\n${await breakerMetrics()}`,
            );
          });
        }),
      300_000,
    );

    // The claim as edited below, in two steps; the deletion test depends on the second.
    const scaled = (): Unstructured => {
      const claim = example('dev', 'team-payments', 'payments-dev');
      const spec = claim.spec as Record<string, unknown>;
      return {
        ...claim,
        spec: { ...spec, compute: { minSize: 2, maxSize: 4, desiredCapacity: 2 }, deletionPolicy: 'Orphan' },
      };
    };
    const edited = (): Unstructured => {
      const claim = scaled();
      return {
        ...claim,
        spec: { ...(claim.spec as Record<string, unknown>), serverless: { enabled: false } },
      };
    };
    /** Applies the claim and waits until what Crossplane composed equals render --converge of it. */
    const applyAndCompare = async (claim: Unstructured, timeoutMs: number): Promise<CheckResult> => {
      const started = Date.now();
      sb.kubectl(['apply', '-f', '-'], JSON.stringify(claim));
      let last: CheckResult | undefined;
      const result = await waitFor(
        'the composed resources to equal render --converge of the edited claim',
        async () => {
          last = await checkClaim(sb.kc, flavor, claim);
          return last.equal ? last : false;
        },
        timeoutMs,
        3000,
      ).catch(async (err: unknown) => {
        const xr = await liveComposite(sb.kc, flavor, claim);
        const synced = JSON.stringify(
          (xr as { status?: { conditions?: unknown[] } } | undefined)?.status?.conditions ?? [],
        );
        throw new Error(
          `${String(err)}\nXR conditions: ${synced}\nlast comparison: ${JSON.stringify(last?.differences ?? [], null, 1)}`,
        );
      });
      process.stderr.write(`[${flavor}] edit composed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      return result;
    };

    test(
      'editing the claim (scale compute, orphan data stores on deletion): Crossplane updates exactly what render --converge predicts',
      () =>
        dumpOnFailure(async () => {
          const before = await checkClaim(sb.kc, flavor, example('dev', 'team-payments', 'payments-dev'));
          expect(before.differences).toEqual([]);
          const after = await applyAndCompare(scaled(), 300_000);
          expect(after.predicted).toBe(before.predicted);
          const xr = (await liveComposite(sb.kc, flavor, scaled())) as Unstructured;
          const composed = await composedOf(sb.kc, flavor, xr);
          const asg = composed.find((u) => resourceName(u) === 'app-asg');
          // Desired capacity is the ASG's own once created (initProvider), so scaling policies are not fought.
          const asgSpec = (asg?.spec ?? {}) as Record<string, Record<string, unknown> | undefined>;
          expect(asgSpec.forProvider).toMatchObject({ minSize: 2, maxSize: 4 });
          expect(asgSpec.initProvider).toMatchObject({ desiredCapacity: 2 });
          expect(composed.filter(orphans).length).toBeGreaterThan(0);
        }),
      420_000,
    );

    test(
      'switching a component off (serverless): Crossplane deletes exactly what render --converge predicts',
      () =>
        dumpOnFailure(async () => {
          const before = await checkClaim(sb.kc, flavor, scaled());
          expect(before.differences).toEqual([]);
          // Deleting resources that others use waits on Crossplane's Usages, retried with backoff.
          const after = await applyAndCompare(edited(), 720_000);
          expect(after.predicted).toBeLessThan(before.predicted);
          const xr = (await liveComposite(sb.kc, flavor, edited())) as Unstructured;
          const composed = await composedOf(sb.kc, flavor, xr);
          // composedOf also sees resources still being deleted: none of the serverless ones may remain.
          expect(composed.filter((u) => (u.apiVersion ?? '').startsWith('lambda.'))).toEqual([]);
          expect(composed.filter((u) => (u.apiVersion ?? '').startsWith('dynamodb.'))).toEqual([]);
          await waitFor(
            'the claim to be Ready again',
            () => claimView(sb, edited())?.phase === 'Ready',
            120_000,
            1000,
          );
        }),
      900_000,
    );

    // Depends on the edits above: the environment deleted is the edited one.
    test(
      'deleting the claim: users go before what they use, data stores are orphaned in AWS, nothing is left',
      () =>
        dumpOnFailure(async () => {
          const claim = edited();
          const xr = (await liveComposite(sb.kc, flavor, claim)) as Unstructured;
          const xrName = xr.metadata?.name ?? '';
          const composed = await composedOf(sb.kc, flavor, xr);
          const provider = composed.filter((u) => (u.apiVersion ?? '').includes('.upbound.io/'));
          const usages = composed.filter((u) => /Usage$/.test(u.kind ?? ''));
          expect(usages.length).toBeGreaterThan(0);
          const keep = provider.filter(orphans).map(resourceName).sort();
          const cloudOf = (): CloudRecord[] =>
            (JSON.parse(readFileSync(sb.state.cloudFile, 'utf8')) as CloudRecord[]).filter(
              (r) => r.composite === xrName,
            );
          expect(keep.length).toBeGreaterThan(0);
          // What the stand-in's "AWS" records from here on is this deletion (the serverless edit above
          // already deleted its own resources).
          const startSeq = Math.max(0, ...cloudOf().map((r) => r.seq));
          sb.kubectl([
            'delete',
            'platformenvironments',
            'payments-dev',
            '-n',
            'team-payments',
            '--wait=false',
          ]);
          await waitFor(
            'the claim, its XR and every composed resource to be gone',
            async () =>
              claimView(sb, claim) === undefined &&
              (await liveComposite(sb.kc, flavor, claim)) === undefined &&
              (await composedOf(sb.kc, flavor, xr)).length === 0 &&
              cloudOf().every((r) => r.state !== 'exists'),
            420_000,
            3000,
          ).catch(async (err: unknown) => {
            const left = (await composedOf(sb.kc, flavor, xr)).map(
              (u) => `${u.kind}/${resourceName(u)}${u.metadata?.deletionTimestamp ? ' (deleting)' : ''}`,
            );
            const inAws = cloudOf()
              .filter((r) => r.state === 'exists')
              .map((r) => `${r.kind}/${r.resource}`);
            throw new Error(
              `${String(err)}\nstill in the cluster: ${left.join(', ') || 'none'}\nstill in "AWS": ${inAws.join(', ') || 'none'}`,
            );
          });
          const cloud = cloudOf().filter((r) => r.seq > startSeq);
          expect(cloud.map((r) => r.resource).sort()).toEqual(provider.map(resourceName).sort());
          expect(
            cloud
              .filter((r) => r.state === 'orphaned')
              .map((r) => r.resource)
              .sort(),
          ).toEqual(keep);
          // Every Usage held: the resource using another was gone from AWS before the one it uses.
          const seq = new Map(cloud.map((r) => [r.resource, r.seq]));
          const label = (ref: unknown) =>
            (ref as { resourceSelector?: { matchLabels?: Record<string, string> } }).resourceSelector
              ?.matchLabels?.[RESOURCE_LABEL] ?? '';
          const order = usages.map((u) => {
            const spec = u.spec as { of: unknown; by: unknown };
            return {
              by: label(spec.by),
              of: label(spec.of),
              byFirst: (seq.get(label(spec.by)) ?? Infinity) < (seq.get(label(spec.of)) ?? -Infinity),
            };
          });
          expect(order.filter((o) => !o.byFirst)).toEqual([]);
        }),
      480_000,
    );
  });
}
