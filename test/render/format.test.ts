import { render } from '../../src/engine/render/engine.js';
import { formatRenderOutput } from '../../src/engine/render/format.js';
import { goNumberText, goYamlMarshal, goYamlSortKeys } from '../../src/engine/render/goyaml.js';
import type { CompositionFunction, Unstructured } from '../../src/engine/render/fnapi.js';

// Expected texts below were produced by go.yaml.in/yaml/v2 v2.4.2 through sigs.k8s.io/yaml's JSONToYAML steps.
describe('Go YAML marshalling quirks', () => {
  it('quotes strings that YAML 1.1 would read as something else', () => {
    expect(
      goYamlMarshal({
        b: 'true',
        a: '',
        c: '1',
        yes: 'yes',
        n: null,
        t: '~',
        o: 'on',
        date: '2024-01-01T00:00:00Z',
        oct: '0755',
        hex: '0x1F',
        f: '1.5',
        e: '1e3',
        base60: '1:20',
      }),
    ).toBe(
      [
        'a: ""',
        'b: "true"',
        'base60: "1:20"',
        'c: "1"',
        'date: "2024-01-01T00:00:00Z"',
        'e: "1e3"',
        'f: "1.5"',
        'hex: "0x1F"',
        '"n": null',
        'o: "on"',
        'oct: "0755"',
        't: "~"',
        '"yes": "yes"',
        '',
      ].join('\n'),
    );
  });

  it('single-quotes strings that cannot be plain, double-quotes specials, literal-blocks multi-line text', () => {
    expect(
      goYamlMarshal({
        d: 'x: y',
        h: 'a #b',
        s: ' lead',
        star: '*x',
        tab: 'a\tb',
        emoji: '😀',
        m: 'a\nb',
        m2: 'a\nb\n',
        dash: '-a',
        colon: 'a:b',
      }),
    ).toBe(
      [
        'colon: a:b',
        "d: 'x: y'",
        'dash: -a',
        'emoji: "\\U0001F600"',
        "h: 'a #b'",
        'm: |-',
        '  a',
        '  b',
        'm2: |',
        '  a',
        '  b',
        "s: ' lead'",
        "star: '*x'",
        'tab: "a\\tb"',
        '',
      ].join('\n'),
    );
  });

  it('folds long scalars at column 80 with the value indent', () => {
    const words = Array.from({ length: 30 }, () => 'word').join(' ');
    expect(goYamlMarshal({ spec: { long: words } })).toBe(
      'spec:\n  long: word word word word word word word word word word word word word word word\n    word word word word word word word word word word word word word word word\n',
    );
  });

  it('sorts keys the way yaml.v2 does (numbers inside keys compare numerically)', () => {
    expect(goYamlSortKeys(['k10', 'k9', 'a_b', 'aB', 'Z', 'a-b', 'apiVersion', 'kind', 'metadata'])).toEqual([
      'Z',
      'a-b',
      'a_b',
      'aB',
      'apiVersion',
      'k9',
      'k10',
      'kind',
      'metadata',
    ]);
  });

  it('prints numbers as encoding/json then yaml.v2 would', () => {
    expect(
      [1, -0, 2.5, 1234567.5, 0.00001, 1e-7, 1e20, 1e21, 2 ** 63, 2 ** 64, 100000.5].map(goNumberText),
    ).toEqual([
      '1',
      '0',
      '2.5',
      '1.2345675e+06',
      '1e-05',
      '1e-07',
      '1e+20',
      '1e+21',
      '9223372036854776000',
      '1.8446744073709552e+19',
      '100000.5',
    ]);
  });

  it('uses indentless sequences and flow style for empty collections', () => {
    expect(goYamlMarshal({ arr: [{ x: 1, y: [] }, [1, []], {}] })).toBe(
      'arr:\n- x: 1\n  "y": []\n- - 1\n  - []\n- {}\n',
    );
    expect(goYamlMarshal(null)).toBe('null\n');
  });
});

describe('formatRenderOutput', () => {
  const xr: Unstructured = {
    apiVersion: 'example.org/v1',
    kind: 'XNet',
    metadata: { name: 'net', uid: '' },
    spec: { region: 'us-east-1' },
  };
  const comp: Unstructured = {
    apiVersion: 'apiextensions.crossplane.io/v1',
    kind: 'Composition',
    metadata: { name: 'c' },
    spec: {
      compositeTypeRef: { apiVersion: 'example.org/v1', kind: 'XNet' },
      mode: 'Pipeline',
      pipeline: [{ step: 'make', functionRef: { name: 'f' } }],
    },
  };
  const f: CompositionFunction = (req) => ({
    desired: {
      composite: { resource: { status: { id: '1' } } },
      resources: {
        vpc: {
          resource: {
            apiVersion: 'ec2.aws.upbound.io/v1beta1',
            kind: 'VPC',
            spec: { forProvider: { cidrBlock: '10.0.0.0/16', enableDnsSupport: true } },
          },
        },
      },
    },
    results: [{ severity: 'SEVERITY_NORMAL', message: 'made a vpc' }],
    context: req.context,
  });
  const out = render({ composite: xr, composition: comp, functions: { f } });

  it('prints the XR then composed resources, each after ---', () => {
    expect(formatRenderOutput(out)).toBe(
      [
        '---',
        'apiVersion: example.org/v1',
        'kind: XNet',
        'metadata:',
        '  name: net',
        'status:',
        '  conditions:',
        '  - lastTransitionTime: "2024-01-01T00:00:00Z"',
        "    message: 'Unready resources: vpc'",
        '    reason: Creating',
        '    status: "False"',
        '    type: Ready',
        '  id: "1"',
        '---',
        'apiVersion: ec2.aws.upbound.io/v1beta1',
        'kind: VPC',
        'metadata:',
        '  annotations:',
        '    crossplane.io/composition-resource-name: vpc',
        '  generateName: net-',
        '  labels:',
        '    crossplane.io/composite: net',
        '  ownerReferences:',
        '  - apiVersion: example.org/v1',
        '    blockOwnerDeletion: true',
        '    controller: true',
        '    kind: XNet',
        '    name: net',
        '    uid: ""',
        'spec:',
        '  forProvider:',
        '    cidrBlock: 10.0.0.0/16',
        '    enableDnsSupport: true',
        '',
      ].join('\n'),
    );
  });

  it('appends results with -r and the context with -c', () => {
    const text = formatRenderOutput(out, { includeFunctionResults: true, includeContext: true });
    expect(
      text.endsWith(
        [
          '---',
          'apiVersion: render.crossplane.io/v1beta1',
          'kind: Result',
          'message: made a vpc',
          'severity: SEVERITY_NORMAL',
          'step: make',
          '---',
          'apiVersion: render.crossplane.io/v1beta1',
          'fields: null',
          'kind: Context',
          '',
        ].join('\n'),
      ),
    ).toBe(true);
  });

  it('copies the input spec and metadata with -x', () => {
    const text = formatRenderOutput(out, { includeFullXR: true });
    expect(
      text.startsWith(
        '---\napiVersion: example.org/v1\nkind: XNet\nmetadata:\n  name: net\n  uid: ""\nspec:\n  region: us-east-1\nstatus:\n',
      ),
    ).toBe(true);
  });
});
