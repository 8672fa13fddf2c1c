// The schema bundle that ships with the package (schemas/crds.bundle.json.gz): fresh against the pinned
// CRDs, complete for the Compositions, as strict as the full CRDs; and `validate --crds-from-cluster`.
import { jest } from '@jest/globals';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadAllObjects, loadCrdIndex, type JSONSchemaProps } from '../../src/engine/index.js';
import {
  BUNDLE_PATH,
  buildCrdBundle,
  bundledCrds,
  composedKinds,
  compositionFiles,
  decodeCrdBundle,
  encodeCrdBundle,
  withoutDocs,
} from '../../src/platform/validate/bundle.js';
import { bundledCrdIndex, validateRendered } from '../../src/platform/validate/index.js';
import { renderClaim } from '../../src/platform/render/service.js';
import { crdsFromCluster, validateCrdIndex, type CrdReader } from '../../src/cli/cluster-crds.js';
import { ApiError } from '../../src/ops/controller/errors.js';
import { main } from '../../src/cli/main.js';
import type { Unstructured } from '../../src/core/json.js';

const SHARED_CRDS = resolve(process.cwd(), '..', 'shared', 'crds');
const haveShared = existsSync(SHARED_CRDS);
if (!haveShared)
  console.warn(`skipping the bundle freshness checks: no pinned CRDs at ${SHARED_CRDS} (../shared/crds)`);

const bundle = bundledCrds();

describe('the shipped bundle', () => {
  (haveShared ? test : test.skip)(
    'is what scripts/bundle-crds.ts cuts from ../shared/crds today (else run: npx tsx scripts/bundle-crds.ts)',
    () => {
      expect(buildCrdBundle(SHARED_CRDS)).toEqual(bundle);
    },
  );

  test('holds exactly the kinds and versions the Compositions compose, each with a schema', () => {
    const want = composedKinds(compositionFiles())
      .map((k) => `${k.apiVersion} ${k.kind}`)
      .sort();
    const have = bundle.crds
      .flatMap((c) => c.spec.versions.map((v) => `${c.spec.group}/${v.name} ${c.spec.names.kind}`))
      .sort();
    expect(have).toEqual(want);
    expect(want.length).toBeGreaterThan(100);
    for (const c of bundle.crds)
      for (const v of c.spec.versions) expect(v.schema?.openAPIV3Schema).toBeDefined();
    expect(bundle.sources).toEqual(expect.arrayContaining([expect.stringMatching(/^provider-aws-v/)]));
  });

  test('is small: no descriptions, gzipped', () => {
    const data = readFileSync(join(process.cwd(), BUNDLE_PATH));
    expect(data.length).toBeLessThan(200 * 1024);
    expect(JSON.stringify(bundle)).not.toContain('"description":"');
    expect(decodeCrdBundle(encodeCrdBundle(bundle))).toEqual(bundle);
  });

  test('withoutDocs drops documentation keys at every depth but keeps fields so named', () => {
    const schema: JSONSchemaProps = {
      type: 'object',
      description: 'doc',
      properties: {
        description: { type: 'string', description: 'a field called description' },
        list: {
          type: 'array',
          items: { type: 'object', title: 't', properties: { a: { type: 'integer' } } },
        },
        map: { type: 'object', additionalProperties: { type: 'string', example: 'x' } },
      },
      anyOf: [{ required: ['list'], description: 'd' }],
      'x-kubernetes-validations': [{ rule: 'self.list.size() > 0', message: 'description must stay' }],
    };
    expect(withoutDocs(schema)).toEqual({
      type: 'object',
      properties: {
        description: { type: 'string' },
        list: { type: 'array', items: { type: 'object', properties: { a: { type: 'integer' } } } },
        map: { type: 'object', additionalProperties: { type: 'string' } },
      },
      anyOf: [{ required: ['list'] }],
      'x-kubernetes-validations': [{ rule: 'self.list.size() > 0', message: 'description must stay' }],
    });
  });
});

async function renderedProdDr(flavor: 'claim' | 'namespaced'): Promise<Unstructured[]> {
  const [claim] = loadAllObjects(readFileSync('examples/prod-dr.yaml', 'utf8'));
  return (await renderClaim({ claim, flavor })).composed;
}

describe('validation against the bundle', () => {
  test.each(['claim', 'namespaced'] as const)(
    '%s: the prod-dr render is valid, and a broken resource is reported',
    async (flavor) => {
      const objects = await renderedProdDr(flavor);
      expect(validateRendered(objects, bundledCrdIndex())).toEqual([]);
      const vpc = structuredClone(objects.find((o) => o.kind === 'VPC') as Unstructured);
      const forProvider = (vpc.spec as { forProvider: Record<string, unknown> }).forProvider;
      forProvider.enableDnsSupport = 'yes';
      forProvider.noSuchField = 1;
      const problems = validateRendered([vpc], bundledCrdIndex()).map((p) => `${p.path}: ${p.message}`);
      expect(problems.join('\n')).toMatch(/spec\.forProvider\.enableDnsSupport.*boolean/);
      expect(problems.join('\n')).toMatch(/noSuchField/);
      if (haveShared) {
        const full = loadCrdIndex(SHARED_CRDS);
        expect(validateRendered([vpc], full)).toEqual(validateRendered([vpc], bundledCrdIndex()));
      }
    },
  );
});

/** A fake cluster: the bundle's CRDs by name, less those in `absent`. */
function fakeCluster(absent: ReadonlySet<string> = new Set()): CrdReader & { paths: string[] } {
  const byName = new Map(bundle.crds.map((c) => [c.metadata.name, c]));
  const paths: string[] = [];
  return {
    server: 'https://cluster.test',
    paths,
    async request<T>(method: string, path: string): Promise<T> {
      paths.push(`${method} ${path}`);
      const name = decodeURIComponent(path.split('/').pop() ?? '');
      const crd = byName.get(name);
      if (!crd || absent.has(name)) throw new ApiError(404, { reason: 'NotFound' }, method, path);
      return structuredClone(crd) as T;
    },
  };
}

describe('--crds-from-cluster', () => {
  test('reads each CRD the Compositions use by name, and lists those the cluster lacks', async () => {
    const gone = bundle.crds[0].metadata.name;
    const cluster = fakeCluster(new Set([gone]));
    const got = await crdsFromCluster(cluster);
    expect(got.missing).toEqual([gone]);
    expect(got.crds).toHaveLength(bundle.crds.length - 1);
    expect(cluster.paths).toHaveLength(bundle.crds.length);
    expect(cluster.paths[0]).toBe(`GET /apis/apiextensions.k8s.io/v1/customresourcedefinitions/${gone}`);
  });

  test('an error other than NotFound stops it with the server named', async () => {
    const broken: CrdReader = {
      server: 'https://cluster.test',
      request: () => Promise.reject(new ApiError(403, { message: 'forbidden' }, 'GET', '/x')),
    };
    await expect(crdsFromCluster(broken, ['a.b'])).rejects.toThrow(
      /cannot read CRD a\.b from the cluster at https:\/\/cluster\.test: .*HTTP 403: forbidden/,
    );
  });

  test('validate checks against what the cluster has; --crds excludes it; a failed read is an error', async () => {
    const objects = await renderedProdDr('namespaced');
    const vpc = objects.find((o) => o.kind === 'VPC') as Unstructured;
    const crdName = bundle.crds.find(
      (c) => c.spec.group === 'ec2.aws.m.upbound.io' && c.spec.names.kind === 'VPC',
    )?.metadata.name as string;
    const error = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const full = await validateCrdIndex({ fromCluster: true }, () => crdsFromCluster(fakeCluster()));
      if ('error' in full) throw new Error(full.error);
      expect(validateRendered(objects, full.index())).toEqual([]);

      const lacking = await validateCrdIndex({ fromCluster: true }, () =>
        crdsFromCluster(fakeCluster(new Set([crdName]))),
      );
      if ('error' in lacking) throw new Error(lacking.error);
      expect(validateRendered([vpc], lacking.index()).length).toBeGreaterThan(0);
      expect(error.mock.calls.flat().join('\n')).toContain(
        `not installed there (their resources are reported): ${crdName}`,
      );

      expect(await validateCrdIndex({ fromCluster: true, crds: '/x' })).toEqual({
        error: '--crds and --crds-from-cluster exclude each other',
      });
      expect(
        await validateCrdIndex({ fromCluster: true }, () =>
          Promise.reject(new Error('connect ECONNREFUSED')),
        ),
      ).toEqual({ error: '--crds-from-cluster: connect ECONNREFUSED' });
    } finally {
      error.mockRestore();
    }
  });

  describe('through the kubeconfig, against an API server on loopback', () => {
    let server: Server;
    let kubeconfig: string;
    const requested: string[] = [];
    const absent = new Set<string>();
    const before = process.env.KUBECONFIG;

    beforeAll(async () => {
      const byName = new Map(bundle.crds.map((c) => [c.metadata.name, c]));
      server = createServer((req, res) => {
        requested.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
        const name = decodeURIComponent((req.url ?? '').split('/').pop() ?? '');
        const crd = byName.get(name);
        res.setHeader('Content-Type', 'application/json');
        if (!crd || absent.has(name)) {
          res.statusCode = 404;
          res.end(JSON.stringify({ kind: 'Status', reason: 'NotFound', code: 404 }));
        } else res.end(JSON.stringify(crd));
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      const { port } = server.address() as AddressInfo;
      kubeconfig = join(mkdtempSync(join(tmpdir(), 'envstack-kubeconfig-')), 'config');
      writeFileSync(
        kubeconfig,
        [
          'apiVersion: v1',
          'kind: Config',
          'clusters:',
          `- name: loop\n  cluster:\n    server: http://127.0.0.1:${port}\n    insecure-skip-tls-verify: true`,
          'users:',
          '- name: me\n  user:\n    token: secret-token',
          'contexts:',
          '- name: loop\n  context:\n    cluster: loop\n    user: me',
          'current-context: loop',
          '',
        ].join('\n'),
      );
      process.env.KUBECONFIG = kubeconfig;
    });
    afterAll(async () => {
      if (before === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = before;
      await new Promise((done) => server.close(done));
    });

    async function validate(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
      const out: string[] = [];
      const err: string[] = [];
      const log = jest
        .spyOn(console, 'log')
        .mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
      const error = jest
        .spyOn(console, 'error')
        .mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
      try {
        const code = await main(['validate', ...argv]);
        return { code, out: out.join('\n'), err: err.join('\n') };
      } finally {
        log.mockRestore();
        error.mockRestore();
      }
    }

    test('envstack validate --crds-from-cluster: valid when the cluster has the CRDs, reported when not', async () => {
      const ok = await validate('examples/dev.yaml', '--flavor', 'namespaced', '--crds-from-cluster');
      expect(ok.err).toContain(`${bundle.crds.length} CRDs read from http://127.0.0.1:`);
      expect(ok.err).toContain('examples/dev.yaml: valid');
      expect(ok.code).toBe(0);
      expect(requested).toContain(
        `GET /apis/apiextensions.k8s.io/v1/customresourcedefinitions/vpcs.ec2.aws.m.upbound.io Bearer secret-token`,
      );

      absent.add('vpcs.ec2.aws.m.upbound.io');
      const lacking = await validate('examples/dev.yaml', '--flavor', 'namespaced', '--crds-from-cluster');
      expect(lacking.code).toBe(1);
      expect(lacking.err).toContain(
        'not installed there (their resources are reported): vpcs.ec2.aws.m.upbound.io',
      );
      expect(lacking.out).toMatch(/examples\/dev\.yaml: \[namespaced\] .*\(VPC\)/);
    });
  });
});
