import { providerApiVersion } from '../../src/platform/compose/flavor.js';

test('flavors map services to cluster-scoped or namespaced provider groups at the newest served version', () => {
  expect(providerApiVersion('ec2', 'VPC', 'claim')).toBe('ec2.aws.upbound.io/v1beta1');
  expect(providerApiVersion('ec2', 'VPC', 'namespaced')).toBe('ec2.aws.m.upbound.io/v1beta1');
  expect(providerApiVersion('s3', 'BucketLifecycleConfiguration', 'claim')).toBe('s3.aws.upbound.io/v1beta2');
  expect(() => providerApiVersion('ec2', 'Nope', 'claim')).toThrow(/no kind Nope/);
});
