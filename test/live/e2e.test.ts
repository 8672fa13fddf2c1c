// The user's first path on real Crossplane: the chart installed, a claim applied with kubectl,
// Crossplane core composing it through the real functions into a real kube-apiserver (where the
// provider CRDs validate every composed resource), the provider stand-in playing AWS, our controller
// writing status, and the claim turning Ready. What Crossplane composed must equal
// `envstack render --converge` resource by resource.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import jsYaml from 'js-yaml';
import { readFileSync } from 'node:fs';
import type { Flavor } from '../../src/compose/flavor.js';
import type { Unstructured } from '../../src/render/fnapi.js';
import { checkClaim, composedOf, liveComposite } from '../../src/sandbox/check.js';
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
];
const repo = new URL('../..', import.meta.url).pathname;

function example(name: string, namespace: string, claimName: string): Unstructured {
  const [doc] = jsYaml.loadAll(
    readFileSync(join(repo, 'examples', `${name}.yaml`), 'utf8'),
  ) as Unstructured[];
  return { ...doc, metadata: { ...(doc.metadata ?? {}), name: claimName, namespace } };
}

interface ClaimView {
  ready: boolean;
  phase?: string;
  blockingError?: { resource?: string; kind?: string; message?: string };
  componentsReady?: string;
}

function claimView(sb: Sandbox, flavor: Flavor, claim: Unstructured): ClaimView | undefined {
  const plural = flavor === 'claim' ? 'platformenvironments' : 'platformenvironments';
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
          const view = await waitFor(
            'the claim to be Ready',
            () => {
              const v = claimView(sb, flavor, claim);
              return v?.ready ? v : false;
            },
            240_000,
            1000,
          );
          expect(view.ready).toBe(true);
          const xr = await liveComposite(sb.kc, flavor, claim);
          expect(xr).toBeDefined();
          const composed = await composedOf(sb.kc, flavor, xr as Unstructured);
          expect(composed.length).toBeGreaterThan(50);
          const result = await checkClaim(sb.kc, flavor, claim);
          expect(result.differences).toEqual([]);
          expect(result.live).toBe(result.predicted);
        }),
      600_000,
    );

    test(
      'an injected provider error names the blocking resource and its message',
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
              const v = claimView(sb, flavor, claim);
              return v?.blockingError?.message?.includes('UnauthorizedOperation') ? v : false;
            },
            120_000,
            1000,
          );
          expect(view.blockingError?.kind).toBe('VPC');
          writeFileSync(sb.state.faultsFile, '[]');
        }),
      300_000,
    );
  });
}
