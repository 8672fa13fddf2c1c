import { diffRenders } from './harness.js';

const xr = (extra = ''): string => `---
apiVersion: example.envstack.dev/v1alpha1
kind: XDemo
metadata:
  name: demo
status:
  conditions:
  - lastTransitionTime: "2024-01-01T00:00:00Z"
    message: 'Unready resources: bucket'
    reason: Creating
    status: "False"
    type: Ready
${extra}`;

const bucket = (region = 'eu-west-1', tags = 'Owner: alice'): string => `---
apiVersion: s3.aws.upbound.io/v1beta1
kind: Bucket
metadata:
  annotations:
    crossplane.io/composition-resource-name: bucket
  generateName: demo-
  labels:
    crossplane.io/composite: demo
spec:
  forProvider:
    region: ${region}
    tags:
      ${tags}
`;

const table = `---
apiVersion: dynamodb.aws.upbound.io/v1beta1
kind: Table
metadata:
  annotations:
    crossplane.io/composition-resource-name: table
  generateName: demo-
spec:
  forProvider:
    hashKey: id
    attribute:
    - name: id
      type: S
`;

const result = (message: string): string => `---
apiVersion: render.crossplane.io/v1beta1
kind: Result
message: ${message}
severity: SEVERITY_WARNING
step: patch-and-transform
`;

describe('diffRenders', () => {
  it('finds no difference between identical streams, whatever the key order', () => {
    const reordered = `---
kind: Bucket
apiVersion: s3.aws.upbound.io/v1beta1
spec:
  forProvider:
    tags: {Owner: alice}
    region: eu-west-1
metadata:
  labels: {crossplane.io/composite: demo}
  generateName: demo-
  annotations: {crossplane.io/composition-resource-name: bucket}
`;
    expect(diffRenders(xr() + bucket(), xr() + reordered)).toEqual([]);
  });

  it('ignores lastTransitionTime values but nothing else in conditions', () => {
    const ours = xr().replace('2024-01-01T00:00:00Z', '2031-05-05T10:00:00Z');
    expect(diffRenders(xr(), ours)).toEqual([]);
    const otherReason = xr().replace('reason: Creating', 'reason: Available');
    expect(diffRenders(xr(), otherReason)).toEqual([
      'XR: status.conditions[0].reason: real "Creating" != ours "Available"',
    ]);
  });

  it('reports a missing lastTransitionTime key', () => {
    const ours = xr().replace('  - lastTransitionTime: "2024-01-01T00:00:00Z"\n    message', '  - message');
    expect(diffRenders(xr(), ours)).toEqual([
      'XR: status.conditions[0].lastTransitionTime: only in real = "2024-01-01T00:00:00Z"',
    ]);
  });

  it('names the resource and the field that differs, with annotation keys quoted', () => {
    const diffs = diffRenders(xr() + bucket(), xr() + bucket('us-east-1', 'Owner: bob'));
    expect(diffs).toEqual([
      'resource "bucket": spec.forProvider.region: real "eu-west-1" != ours "us-east-1"',
      'resource "bucket": spec.forProvider.tags.Owner: real "alice" != ours "bob"',
    ]);
    const annotated = bucket().replace(
      'crossplane.io/composition-resource-name: bucket',
      'crossplane.io/composition-resource-name: bucket\n    example.envstack.dev/project: shop',
    );
    expect(diffRenders(xr() + bucket(), xr() + annotated)).toEqual([
      'resource "bucket": metadata.annotations["example.envstack.dev/project"]: only in ours = "shop"',
    ]);
  });

  it('distinguishes a number from a numeric string', () => {
    const diffs = diffRenders(
      xr() + bucket('eu-west-1', 'Count: 3'),
      xr() + bucket('eu-west-1', "Count: '3'"),
    );
    expect(diffs).toEqual(['resource "bucket": spec.forProvider.tags.Count: real 3 != ours "3"']);
  });

  it('reports resources present on one side only', () => {
    expect(diffRenders(xr() + bucket() + table, xr() + bucket())).toEqual([
      'resource "table": only in real (Table)',
    ]);
    expect(diffRenders(xr(), xr() + table)).toEqual(['resource "table": only in ours (Table)']);
  });

  it('compares arrays element by element and reports length changes', () => {
    const longer = table.replace('      type: S\n', '      type: S\n    - name: sk\n      type: N\n');
    expect(diffRenders(xr() + table, xr() + longer)).toEqual([
      'resource "table": spec.forProvider.attribute: array length real 1 != ours 2',
      'resource "table": spec.forProvider.attribute[1]: only in ours = {"name":"sk","type":"N"}',
    ]);
  });

  it('reports a different document order', () => {
    expect(diffRenders(xr() + bucket() + table, xr() + table + bucket())).toEqual([
      'document order differs: real [XR, resource "bucket", resource "table"] vs ours [XR, resource "table", resource "bucket"]',
    ]);
  });

  it('compares the XR as the first document and fields outside metadata/spec/status', () => {
    const real = xr() + bucket();
    const ours = xr('data:\n  extra: "1"\n') + bucket();
    expect(diffRenders(real, ours)).toEqual(['XR: data: only in ours = {"extra":"1"}']);
  });

  it('compares Results by position', () => {
    expect(diffRenders(xr() + result('a') + result('b'), xr() + result('a') + result('c'))).toEqual([
      'Result #1: message: real "b" != ours "c"',
    ]);
    expect(diffRenders(xr() + result('a'), xr())).toEqual(['Result #0: only in real (Result)']);
  });

  it('reports unparsable YAML and duplicate resource names instead of throwing', () => {
    expect(diffRenders(xr(), 'a: [unclosed')[0]).toMatch(/^ours: cannot parse YAML/);
    expect(diffRenders(xr() + bucket() + bucket(), xr() + bucket())).toContain(
      'real: resource "bucket" appears more than once',
    );
  });

  it('treats an empty stream (failed render) as having no XR', () => {
    expect(diffRenders('', xr())).toEqual(['XR: only in ours (XDemo)']);
    expect(diffRenders('', '')).toEqual([]);
  });
});
