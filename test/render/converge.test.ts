import { readdirSync, readFileSync } from 'node:fs';
import type { Flavor } from '../../src/platform/compose/flavor.js';
import {
  CONVERGE_ACCOUNT_ID,
  convergeClaim,
  convergeFailed,
  formatConvergeReport,
  readFieldPath,
  renderConverged,
} from '../../src/platform/render/converge.js';
import type { JsonObject, Unstructured } from '../../src/engine/render/fnapi.js';
import { loadComposition } from '../../src/platform/render/service.js';
import { loadAllYaml } from '../../src/engine/render/yaml.js';

const dir = new URL('../../examples/', import.meta.url);
const examples = readdirSync(dir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort()
  .flatMap((file) =>
    loadAllYaml(readFileSync(new URL(file, dir), 'utf8'))
      .filter((d): d is Unstructured => (d as Unstructured | null)?.kind === 'PlatformEnvironment')
      .flatMap((claim) =>
        (['claim', 'namespaced'] as Flavor[]).map(
          (flavor) => [`${file} [${flavor}]`, claim, flavor] as const,
        ),
      ),
  );

const NAME = 'crossplane.io/composition-resource-name';

/** XR status fields each composed resource's To*Composite patches fill. */
function statusTargets(composition: Unstructured, present: Set<string>): string[] {
  const step = (composition.spec!.pipeline as JsonObject[]).find(
    (s) => (s.input as JsonObject)?.kind === 'Resources',
  );
  const resources = ((step!.input as JsonObject).resources ?? []) as Array<{
    name: string;
    patches?: JsonObject[];
  }>;
  return resources
    .filter((r) => present.has(r.name))
    .flatMap((r) =>
      (r.patches ?? []).filter((p) => p.type === 'ToCompositeFieldPath').map((p) => String(p.toFieldPath)),
    );
}

describe.each(examples)('%s', (_label, claim, flavor) => {
  test('converges, every status patch resolves, everything ends ready, every endpoint is filled', async () => {
    const { result, report } = await convergeClaim({ claim, flavor });
    expect(formatConvergeReport(report).slice(1)).toEqual([]);
    expect(report.converged).toBe(true);
    expect(report.rounds).toBeLessThanOrEqual(10);
    expect(convergeFailed(report)).toBe(false);
    const ready = (result.composite.status!.conditions as JsonObject[]).find((c) => c.type === 'Ready');
    expect(ready).toMatchObject({ status: 'True' });

    const present = new Set(result.composed.map((r) => r.metadata!.annotations![NAME]));
    const targets = statusTargets(await loadComposition(flavor), present);
    expect(targets.length).toBeGreaterThan(0);
    for (const t of targets) {
      const value = readFieldPath(result.composite, t);
      expect([t, typeof value === 'number' ? String(value) : value]).toEqual([
        t,
        expect.stringMatching(/.+/),
      ]);
    }
    const endpoints = targets.filter((t) => t.startsWith('status.endpoints.'));
    for (const e of endpoints) expect(readFieldPath(result.composite, e)).toBeTruthy();
    // Resources that wait for the account id (policies) appear only once the VPC reports its ARN.
    expect(report.history[0].length).toBeLessThan(report.history[report.history.length - 1].length);
    expect(String(readFieldPath(result.composite, 'status.ids.vpcArn'))).toContain(
      `:${CONVERGE_ACCOUNT_ID}:vpc/vpc-`,
    );
  });
});

const claim: Unstructured = {
  apiVersion: 'platform.envstack.dev/v1alpha1',
  kind: 'PlatformEnvironment',
  metadata: { name: 'shop-dev', namespace: 'team' },
  spec: {
    project: 'shop',
    environment: 'dev',
    owner: 'team',
    region: 'eu-west-1',
    network: { cidr: '10.0.0.0/16' },
  },
};

function composition(resources: JsonObject[], autoReady = true): Unstructured {
  return {
    apiVersion: 'apiextensions.crossplane.io/v1',
    kind: 'Composition',
    metadata: { name: 'test' },
    spec: {
      compositeTypeRef: { apiVersion: 'platform.envstack.dev/v1alpha1', kind: 'XPlatformEnvironment' },
      mode: 'Pipeline',
      pipeline: [
        {
          step: 'compose',
          functionRef: { name: 'function-patch-and-transform' },
          input: { apiVersion: 'pt.fn.crossplane.io/v1beta1', kind: 'Resources', resources },
        },
        ...(autoReady ? [{ step: 'ready', functionRef: { name: 'function-auto-ready' } }] : []),
      ],
    },
  };
}

const vpc = (patches: JsonObject[], extra: JsonObject = {}): JsonObject => ({
  name: 'vpc',
  base: {
    apiVersion: 'ec2.aws.upbound.io/v1beta1',
    kind: 'VPC',
    metadata: { labels: { 'envstack.dev/resource': 'vpc' } },
    spec: { forProvider: { region: 'eu-west-1', cidrBlock: '10.0.0.0/16' } },
  },
  patches,
  ...extra,
});

describe('converge reports what never resolves', () => {
  test('a status patch reading a field the provider never reports, and an XR field nobody writes', async () => {
    const { report } = await convergeClaim({
      claim,
      flavor: 'claim',
      composition: composition([
        vpc([
          {
            type: 'ToCompositeFieldPath',
            fromFieldPath: 'status.atProvider.arn',
            toFieldPath: 'status.ids.vpcArn',
          },
          {
            type: 'ToCompositeFieldPath',
            fromFieldPath: 'status.atProvider.arnn',
            toFieldPath: 'status.ids.typo',
          },
          {
            type: 'FromCompositeFieldPath',
            fromFieldPath: 'status.ids.never',
            toFieldPath: 'spec.forProvider.tags.X',
          },
        ]),
      ]),
    });
    expect(report.converged).toBe(true);
    expect(report.unresolved).toEqual([
      expect.objectContaining({
        resource: 'vpc',
        fromFieldPath: 'status.atProvider.arnn',
        source: 'composed',
      }),
      expect.objectContaining({ resource: 'vpc', fromFieldPath: 'status.ids.never', source: 'composite' }),
    ]);
    expect(convergeFailed(report)).toBe(true);
  });

  test('a readiness check on a field that never appears leaves the resource never ready', async () => {
    const { result, report } = await convergeClaim({
      claim,
      flavor: 'claim',
      // Without function-auto-ready, which would mark it ready from the observed Ready condition.
      composition: composition(
        [vpc([], { readinessChecks: [{ type: 'NonEmpty', fieldPath: 'status.atProvider.nothingHere' }] })],
        false,
      ),
    });
    expect(report.neverReady).toEqual(['vpc']);
    expect((result.composite.status!.conditions as JsonObject[])[0]).toMatchObject({ status: 'False' });
  });

  test('observed state is plausible: ARNs in the account, the VPC owner, resolved selectors', async () => {
    const subnet = {
      name: 'subnet',
      base: {
        apiVersion: 'ec2.aws.upbound.io/v1beta1',
        kind: 'Subnet',
        metadata: { labels: { 'envstack.dev/resource': 'subnet' } },
        spec: {
          forProvider: {
            region: 'eu-west-1',
            vpcIdSelector: { matchControllerRef: true, matchLabels: { 'envstack.dev/resource': 'vpc' } },
          },
        },
      },
      patches: [
        {
          type: 'ToCompositeFieldPath',
          fromFieldPath: 'spec.forProvider.vpcId',
          toFieldPath: 'status.ids.subnetVpc',
        },
      ],
    };
    const { result, report } = await convergeClaim({
      claim,
      flavor: 'claim',
      composition: composition([
        vpc([
          {
            type: 'ToCompositeFieldPath',
            fromFieldPath: 'status.atProvider.arn',
            toFieldPath: 'status.ids.vpcArn',
          },
          {
            type: 'ToCompositeFieldPath',
            fromFieldPath: 'status.atProvider.ownerId',
            toFieldPath: 'status.ids.owner',
          },
          {
            type: 'ToCompositeFieldPath',
            fromFieldPath: 'status.atProvider.id',
            toFieldPath: 'status.ids.vpc',
          },
        ]),
        subnet,
      ]),
    });
    expect(report.unresolved).toEqual([]);
    const ids = result.composite.status!.ids as Record<string, string>;
    expect(ids.vpcArn).toBe(`arn:aws:ec2:eu-west-1:${CONVERGE_ACCOUNT_ID}:vpc/${ids.vpc}`);
    expect(ids.vpc).toMatch(/^vpc-0[0-9a-f]{16}$/);
    expect(ids.owner).toBe(CONVERGE_ACCOUNT_ID);
    expect(ids.subnetVpc).toBe(ids.vpc);
    expect(result.composed.every((r) => typeof r.metadata?.name === 'string')).toBe(true);
  });

  test('a render that keeps changing is reported after the bound', async () => {
    // The XR's counter goes into a tag, and the observed tag comes back with one more "+".
    const { report } = await convergeClaim({
      claim,
      flavor: 'claim',
      maxRounds: 3,
      composition: composition([
        vpc([
          {
            type: 'FromCompositeFieldPath',
            fromFieldPath: 'spec.project',
            toFieldPath: 'spec.forProvider.tags.Counter',
          },
          {
            type: 'FromCompositeFieldPath',
            fromFieldPath: 'status.ids.counter',
            toFieldPath: 'spec.forProvider.tags.Counter',
          },
          {
            type: 'ToCompositeFieldPath',
            fromFieldPath: 'spec.forProvider.tags.Counter',
            toFieldPath: 'status.ids.counter',
            transforms: [{ type: 'string', string: { type: 'Format', fmt: '%s+' } }],
          },
        ]),
      ]),
    });
    expect(report.converged).toBe(false);
    expect(report.rounds).toBe(4);
    expect(formatConvergeReport(report)[0]).toMatch(/did not converge within 4 renders/);
  });
});

test('renderConverged prints the final render and a clean report', async () => {
  const out = await renderConverged({ claim, flavor: 'claim' });
  expect(out.code).toBe(0);
  expect(out.stderr).toEqual([expect.stringMatching(/^converged after \d+ renders$/)]);
  const docs = loadAllYaml(out.stdout) as Unstructured[];
  expect(docs[0].kind).toBe('XPlatformEnvironment');
  expect(docs.slice(1).every((d) => typeof d.metadata?.name === 'string')).toBe(true);
});
