import { readFileSync } from 'node:fs';
import { buildGraph, toDot, toMermaid } from '../../src/platform/graph/index.js';
import type { Unstructured } from '../../src/engine/render/fnapi.js';
import { convergeClaim } from '../../src/platform/render/converge.js';
import { loadAllYaml } from '../../src/engine/render/yaml.js';

const mr = (
  name: string,
  component: string,
  kind: string,
  forProvider: Record<string, unknown> = {},
): Unstructured => ({
  apiVersion: 'ec2.aws.upbound.io/v1beta1',
  kind,
  metadata: {
    annotations: { 'crossplane.io/composition-resource-name': name },
    labels: { 'envstack.dev/resource': name, 'envstack.dev/component': component },
  },
  spec: { forProvider },
});
const sel = (name: string) => ({ matchControllerRef: true, matchLabels: { 'envstack.dev/resource': name } });

const fixture = [
  mr('vpc', 'network', 'VPC'),
  mr('subnet-a', 'network', 'Subnet', { vpcIdSelector: sel('vpc') }),
  mr('sg-app', 'security', 'SecurityGroup', { vpcIdSelector: sel('vpc') }),
  mr('lt', 'compute', 'LaunchTemplate', {
    vpcSecurityGroupIdSelector: sel('sg-app'),
    iamInstanceProfile: { arnSelector: sel('profile') },
  }),
];

describe('buildGraph', () => {
  test('nodes carry their component; selectors become edges; a selector matching nothing is dangling', () => {
    const g = buildGraph(fixture);
    expect(g.nodes.map((n) => `${n.component}/${n.id}`)).toEqual([
      'compute/lt',
      'security/sg-app',
      'network/subnet-a',
      'network/vpc',
    ]);
    expect(g.edges).toEqual([
      { from: 'lt', to: 'sg-app', fields: ['vpcSecurityGroupId'] },
      { from: 'sg-app', to: 'vpc', fields: ['vpcId'] },
      { from: 'subnet-a', to: 'vpc', fields: ['vpcId'] },
    ]);
    expect(g.dangling).toEqual(['lt iamInstanceProfile.arn']);
  });

  test('the output does not depend on the order of the input', () => {
    const reversed = [...fixture].reverse();
    expect(toMermaid(buildGraph(reversed))).toBe(toMermaid(buildGraph(fixture)));
    expect(toDot(buildGraph(reversed))).toBe(toDot(buildGraph(fixture)));
  });
});

describe('formats', () => {
  test('mermaid: one subgraph per component, one labelled arrow per reference', () => {
    const text = toMermaid(buildGraph(fixture));
    const lines = text.trim().split('\n');
    expect(lines[0]).toBe('flowchart LR');
    expect(lines.filter((l) => l.trimStart().startsWith('subgraph '))).toEqual([
      '  subgraph r_component_compute["compute"]',
      '  subgraph r_component_network["network"]',
      '  subgraph r_component_security["security"]',
    ]);
    expect(lines.filter((l) => l.trim() === 'end')).toHaveLength(3);
    expect(lines).toContain('    r_subnet_a["subnet-a<br/>Subnet"]');
    expect(lines).toContain('  r_subnet_a -->|vpcId| r_vpc');
    expect(lines.filter((l) => l.includes('-->'))).toHaveLength(3);
  });

  test('dot: clusters per component and quoted edges', () => {
    const text = toDot(buildGraph(fixture));
    expect(text.startsWith('digraph envstack {')).toBe(true);
    expect(text).toContain('subgraph "cluster_network" {');
    expect(text).toContain('"subnet-a" [label="subnet-a\\nSubnet"];');
    expect(text).toContain('"subnet-a" -> "vpc" [label="vpcId"];');
    expect(text.trim().endsWith('}')).toBe(true);
  });
});

test('the prod example draws every resource, and every reference resolves', async () => {
  const claim = loadAllYaml(readFileSync(new URL('../../examples/prod.yaml', import.meta.url), 'utf8')).find(
    (d) => (d as Unstructured).kind === 'PlatformEnvironment',
  ) as Unstructured;
  const { result } = await convergeClaim({ claim, flavor: 'claim' });
  const g = buildGraph(result.composed);
  expect(g.nodes).toHaveLength(result.composed.length);
  expect(g.dangling).toEqual([]);
  expect(g.edges.length).toBeGreaterThan(result.composed.length / 2);
  const mermaid = toMermaid(g);
  for (const n of g.nodes) expect(mermaid).toContain(`["${n.id}<br/>${n.kind}"]`);
});
