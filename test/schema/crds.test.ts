import { resolve } from 'node:path';
import {
  formatSchemaError,
  loadCrdIndex,
  validateObject,
  type CrdIndex,
} from '../../src/engine/schema/index.js';

const CRDS = resolve(process.cwd(), '..', 'shared', 'crds');

const vpc = (forProvider: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'ec2.aws.upbound.io/v1beta1',
  kind: 'VPC',
  metadata: { name: 'payments-prod-vpc', labels: { 'envstack.dev/env': 'prod' } },
  spec: { forProvider, ...extra },
});

const composition = (mode: string) => ({
  apiVersion: 'apiextensions.crossplane.io/v1',
  kind: 'Composition',
  metadata: { name: 'xplatformenvironments.platform.envstack.dev' },
  spec: {
    compositeTypeRef: { apiVersion: 'platform.envstack.dev/v1alpha1', kind: 'XPlatformEnvironment' },
    mode,
    pipeline: [
      {
        step: 'patch-and-transform',
        functionRef: { name: 'function-patch-and-transform' },
        input: { apiVersion: 'pt.fn.crossplane.io/v1beta1', kind: 'Resources', resources: [] },
      },
      { step: 'auto-ready', functionRef: { name: 'function-auto-ready' } },
    ],
  },
});

describe('CRD index and validateObject against the real CRDs', () => {
  let index: CrdIndex;
  beforeAll(() => {
    index = loadCrdIndex(CRDS);
  });

  it('indexes every CRD file without parsing it, then parses on lookup', () => {
    const stats = index.stats();
    expect(stats.files).toBeGreaterThan(600);
    expect(stats.kinds).toBe(stats.files);
    const hit = index.get('ec2.aws.upbound.io/v1beta1', 'VPC');
    expect(hit).toMatchObject({
      scope: 'Cluster',
      served: true,
      storage: true,
      deprecated: false,
      servedVersions: ['v1beta1'],
    });
    expect(index.get('ec2.aws.m.upbound.io/v1beta1', 'VPC')?.scope).toBe('Namespaced');
    expect(index.servedVersions('apiextensions.crossplane.io', 'CompositeResourceDefinition')).toEqual([
      'v1',
      'v2',
    ]);
  });

  it('accepts a valid ec2.aws.upbound.io/v1beta1 VPC', () => {
    const r = validateObject(
      index,
      vpc({ region: 'us-east-1', cidrBlock: '10.0.0.0/16', enableDnsHostnames: true, tags: { Name: 'x' } }),
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
  });

  it('rejects an unknown field, a wrong type and a missing region', () => {
    const r = validateObject(index, vpc({ cidrBlock: 10, cidrBlok: '10.0.0.0/16' }));
    expect(r.errors.map(formatSchemaError)).toEqual([
      'spec.forProvider.region: Required value',
      'spec.forProvider.cidrBlock: Invalid value: "integer": spec.forProvider.cidrBlock in body must be of type string: "integer"',
      'spec.forProvider.cidrBlok: field not declared in schema',
    ]);
  });

  it("applies the provider's own x-kubernetes-validations (required parameters of SecurityGroupRule)", () => {
    const sgr = {
      apiVersion: 'ec2.aws.upbound.io/v1beta1',
      kind: 'SecurityGroupRule',
      metadata: { name: 'alb-https' },
      spec: { forProvider: { region: 'us-east-1', type: 'ingress', toPort: 443 } },
    };
    const r = validateObject(index, sgr);
    expect(r.errors.map(formatSchemaError)).toEqual([
      'spec: Invalid value: "object": spec.forProvider.fromPort is a required parameter',
      'spec: Invalid value: "object": spec.forProvider.protocol is a required parameter',
    ]);
    const observeOnly = { ...sgr, spec: { ...sgr.spec, managementPolicies: ['Observe'] } };
    expect(validateObject(index, observeOnly).errors).toEqual([]);
    const viaInit = { ...sgr, spec: { ...sgr.spec, initProvider: { fromPort: 443, protocol: 'tcp' } } };
    expect(validateObject(index, viaInit).errors).toEqual([]);
  });

  it('accepts a Pipeline Composition and rejects a bad mode', () => {
    expect(validateObject(index, composition('Pipeline')).errors).toEqual([]);
    const bad = validateObject(index, composition('Resources'));
    expect(bad.errors.map(formatSchemaError)).toContain(
      'spec.mode: Unsupported value: "Resources": supported values: "Pipeline"',
    );
  });

  it('validates the embedded function input of a pipeline step', () => {
    const c = composition('Pipeline');
    (c.spec.pipeline[0] as { input: Record<string, unknown> }).input = { resources: [] };
    expect(validateObject(index, c).errors.map(formatSchemaError)).toEqual([
      'spec.pipeline[0].input.apiVersion: Required value: must not be empty',
      'spec.pipeline[0].input.kind: Required value: must not be empty',
    ]);
  });

  it('validates XRDs, warns on the deprecated v1 and enforces transition rules on update', () => {
    const xrd = {
      apiVersion: 'apiextensions.crossplane.io/v1',
      kind: 'CompositeResourceDefinition',
      metadata: { name: 'xplatformenvironments.platform.envstack.dev' },
      spec: {
        group: 'platform.envstack.dev',
        names: { kind: 'XPlatformEnvironment', plural: 'xplatformenvironments' },
        claimNames: { kind: 'PlatformEnvironment', plural: 'platformenvironments' },
        versions: [
          {
            name: 'v1alpha1',
            served: true,
            referenceable: true,
            schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object' } } } },
          },
        ],
      },
    };
    const r = validateObject(index, xrd);
    expect(r.errors).toEqual([]);
    expect(r.warnings[0]).toMatch(/deprecated/);
    const renamed = { ...xrd, spec: { ...xrd.spec, group: 'other.envstack.dev' } };
    const upd = validateObject(index, renamed, { oldObj: xrd });
    expect(upd.errors.map((e) => e.kind)).toContain('rule');
    const upperPlural = { ...xrd, spec: { ...xrd.spec, names: { kind: 'X', plural: 'Xs' } } };
    expect(validateObject(index, upperPlural).errors.map(formatSchemaError)).toContain(
      'spec.names: Invalid value: "object": Plural name must be lowercase',
    );
  });

  it('reports unknown kinds and versions clearly, and checks metadata', () => {
    expect(
      validateObject(index, { ...vpc({ region: 'us-east-1' }), apiVersion: 'ec2.aws.upbound.io/v1' }).errors,
    ).toEqual([
      {
        path: 'apiVersion',
        kind: 'version',
        message:
          'no matches for kind "VPC" in version "ec2.aws.upbound.io/v1"; served versions of VPC.ec2.aws.upbound.io: ec2.aws.upbound.io/v1beta1',
      },
    ]);
    expect(validateObject(index, { ...vpc({ region: 'us-east-1' }), kind: 'Vpc' }).errors[0].kind).toBe(
      'unknown-kind',
    );
    expect(validateObject(index, { kind: 'VPC' }).errors.map(formatSchemaError)).toEqual([
      'apiVersion: Required value: apiVersion must be set',
    ]);
    const badName = { ...vpc({ region: 'us-east-1' }), metadata: { name: 'Payments_VPC' } };
    expect(validateObject(index, badName).errors.map((e) => e.path)).toEqual(['metadata.name']);
    const noName = { ...vpc({ region: 'us-east-1' }), metadata: {} };
    expect(validateObject(index, noName).errors.map(formatSchemaError)).toEqual([
      'metadata.name: Required value: name or generateName is required',
    ]);
  });

  it('measures a full load and a lookup-driven lazy load (reported, not asserted)', () => {
    const t0 = performance.now();
    const lazy = loadCrdIndex(CRDS);
    const kinds = lazy
      .kinds()
      .filter((k) => k.group.endsWith('.aws.upbound.io'))
      .slice(0, 30);
    for (const k of kinds) expect(lazy.entry(k.group, k.kind)).toBeDefined();
    const lazyMs = performance.now() - t0;
    const t1 = performance.now();
    const full = loadCrdIndex(CRDS);
    full.loadAll();
    const fullMs = performance.now() - t1;
    expect(full.stats().parsedFiles).toBe(full.stats().files);
    expect(lazy.stats().parsedFiles).toBe(30);
    console.log(`CRD index: lazy (30 kinds) ${lazyMs.toFixed(0)} ms, full load ${fullMs.toFixed(0)} ms`);
  });
});
