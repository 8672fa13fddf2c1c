import { validateBuiltin } from './k8s-schema.js';

const deployment = (container: Record<string, unknown>, replicas: unknown = 1): Record<string, unknown> => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'x' },
  spec: {
    replicas,
    selector: { matchLabels: { app: 'x' } },
    template: { metadata: { labels: { app: 'x' } }, spec: { containers: [container] } },
  },
});

describe('validateBuiltin', () => {
  it('accepts a valid Deployment', async () => {
    expect(
      await validateBuiltin(deployment({ name: 'c', image: 'i', securityContext: { runAsNonRoot: true } })),
    ).toEqual([]);
  });

  it('rejects wrong types and missing required fields', async () => {
    const problems = await validateBuiltin(
      deployment({ image: 'i', securityContext: { runAsNonRoot: 'yes' } }, 'two'),
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'spec.replicas: must be integer',
        'spec.template.spec.containers[0]: must have required property name',
        'spec.template.spec.containers[0].securityContext.runAsNonRoot: must be boolean',
      ]),
    );
  });

  it('rejects unknown fields as kubectl --validate=strict does', async () => {
    const problems = await validateBuiltin(
      deployment({ name: 'c', image: 'i', securityContext: { readOnlyRootFileSystem: true }, resource: {} }),
    );
    expect(problems).toEqual([
      'spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem: unknown field',
      'spec.template.spec.containers[0].resource: unknown field',
    ]);
  });

  it('checks label maps and rule lists of RBAC objects', async () => {
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'r', labels: { a: 'b' } },
      rules: [{ apiGroups: [''], resources: ['events'], verb: ['create'] }],
    };
    expect(await validateBuiltin(role)).toEqual([
      'rules[0]: must have required property verbs',
      'rules[0].verb: unknown field',
    ]);
  });

  it('says so when it knows no schema for a kind', async () => {
    expect(
      await validateBuiltin({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }),
    ).toEqual([expect.stringMatching(/^no Kubernetes schema known for example.com\/v1/)]);
  });
});
