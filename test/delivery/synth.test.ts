import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flavors } from '../../src/platform/compose/flavor.js';
import {
  ARGOCD_CM,
  chartTemplates,
  GENERATED_DIR,
  HEALTH_DIR,
  HelmTemplate,
  synthChart,
} from '../../src/platform/delivery/index.js';
import { loadAllYaml } from '../../src/engine/render/yaml.js';
import { installHelm, repoRoot, template } from './helm.js';

describe('synthChart', () => {
  it('matches the committed chart templates (run `npm run synth` when this fails)', () => {
    const dir = join(repoRoot, GENERATED_DIR);
    const expected = chartTemplates(repoRoot);
    expect(readdirSync(dir).sort()).toEqual(Object.keys(expected).sort());
    for (const [file, text] of Object.entries(expected))
      expect({ file, text: readFileSync(join(dir, file), 'utf8') }).toEqual({ file, text });
  });

  it('writes the generated templates from the synthesized YAML under a root and removes stale ones', () => {
    const root = mkdtempSync(join(tmpdir(), 'envstack-chart-'));
    cpSync(join(repoRoot, 'xrds'), join(root, 'xrds'), { recursive: true });
    cpSync(join(repoRoot, 'compositions'), join(root, 'compositions'), { recursive: true });
    cpSync(join(repoRoot, HEALTH_DIR), join(root, HEALTH_DIR), { recursive: true });
    const first = synthChart(root);
    expect(first).toContain(ARGOCD_CM);
    expect(first).toContain(join(GENERATED_DIR, 'definition.yaml'));
    expect(first).toContain(join(GENERATED_DIR, 'controller-deployment.yaml'));
    writeFileSync(join(root, GENERATED_DIR, 'old.yaml'), 'stale');
    expect(synthChart(root)).toEqual(first);
    expect(existsSync(join(root, GENERATED_DIR, 'old.yaml'))).toBe(false);
  });

  it('fails with a clear message when the synthesized YAML is missing', () => {
    const root = mkdtempSync(join(tmpdir(), 'envstack-chart-'));
    expect(() => synthChart(root)).toThrow(/\.yaml is missing: run 'npm run synth' first/);
  });
});

describe('HelmTemplate', () => {
  it('replaces scalar and block sentinels and escapes template delimiters in the data', () => {
    const h = new HelmTemplate();
    const text = h.render([
      {
        kind: 'X',
        metadata: { name: h.value('.Release.Name'), [h.withYaml('labels', '.Values.labels')]: null },
        data: { go: 'Hello {{ .Name }}', mixed: `prefix-${h.value('.Values.suffix')}` },
      },
    ]);
    expect(text).toBe(
      [
        'kind: X',
        'metadata:',
        '  name: {{ .Release.Name }}',
        '  {{- with .Values.labels }}',
        '  labels:',
        '    {{- toYaml . | nindent 4 }}',
        '  {{- end }}',
        'data:',
        '  go: Hello {{ "{{" }} .Name }}',
        '  mixed: prefix-{{ .Values.suffix }}',
        '',
      ].join('\n'),
    );
  });
});

describe('the chart carries the synthesized definitions unchanged', () => {
  beforeAll(() => installHelm());

  it.each(flavors)(
    '%s: XRD and Composition equal xrds/ and compositions/ apart from chart metadata',
    (flavor) => {
      const objs = template({ flavor });
      const strip = (o: Record<string, unknown>): Record<string, unknown> => {
        const { metadata, ...rest } = o;
        const { name } = metadata as { name: string };
        return { ...rest, name };
      };
      for (const [kind, file] of [
        ['CompositeResourceDefinition', join('xrds', `${flavor}.yaml`)],
        ['Composition', join('compositions', `${flavor}.yaml`)],
      ]) {
        const synthesized = loadAllYaml(readFileSync(join(repoRoot, file), 'utf8'))[0] as Record<
          string,
          unknown
        >;
        const rendered = objs.find((o) => o.kind === kind);
        expect(rendered && strip(rendered)).toEqual(strip(synthesized));
        const labels = (synthesized.metadata as { labels?: Record<string, string> }).labels ?? {};
        expect(rendered?.metadata.labels).toMatchObject({
          ...labels,
          'app.kubernetes.io/managed-by': 'Helm',
        });
      }
    },
  );
});
