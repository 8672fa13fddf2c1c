/**
 * examples/argocd: the chart Application renders with the real helm and the values it gives, the environments
 * Application syncs real claims after the chart, and argocd-cm carries the chart's health checks.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { argocdConfigMap, environmentKinds, HEALTH_DIR } from '../../src/platform/delivery/index.js';
import { loadAllYaml, loadYaml } from '../../src/engine/render/yaml.js';
import { chartDir, helm, installHelm, repoRoot } from '../delivery/helm.js';
import { installLua, runHealth } from './lua.js';

interface Application {
  kind: string;
  metadata: { name: string; namespace: string; annotations?: Record<string, string>; finalizers?: string[] };
  spec: {
    source: {
      path: string;
      helm?: { releaseName: string; valuesObject: Record<string, unknown> };
      directory?: { recurse: boolean; include: string };
    };
    destination: { namespace: string };
    syncPolicy: { automated?: { prune: boolean }; syncOptions?: string[]; retry?: { limit: number } };
  };
}

const dir = join(repoRoot, 'examples', 'argocd');
const app = (file: string): Application => loadYaml(readFileSync(join(dir, file), 'utf8')) as Application;
const chartApp = app('apps/envstack.yaml');
const envApp = app('apps/environments.yaml');
const wave = (a: Application): number => Number(a.metadata.annotations?.['argocd.argoproj.io/sync-wave']);

describe('the chart Application', () => {
  beforeAll(() => installHelm());

  it('installs charts/envstack with values the chart accepts and renders', () => {
    expect(chartApp.spec.source.path).toBe('charts/envstack');
    const values = join(mkdtempSync(join(tmpdir(), 'envstack-argo-')), 'values.yaml');
    writeFileSync(values, yaml.dump(chartApp.spec.source.helm?.valuesObject));
    const r = helm(['template', chartApp.spec.source.helm?.releaseName ?? '', chartDir, '-f', values]);
    expect(r.stderr).toBe('');
    const kinds = loadAllYaml(r.stdout)
      .filter((o): o is { kind: string } => o !== null)
      .map((o) => o.kind);
    expect(kinds).toEqual(
      expect.arrayContaining(['CompositeResourceDefinition', 'Provider', 'ProviderConfig']),
    );
  });

  it('applies server-side, because a Composition exceeds what client-side apply can annotate', () => {
    const composition = loadYaml(readFileSync(join(repoRoot, 'compositions', 'claim.yaml'), 'utf8'));
    expect(JSON.stringify(composition).length).toBeGreaterThan(262_144);
    expect(chartApp.spec.syncPolicy.syncOptions).toContain('ServerSideApply=true');
  });

  it('retries, and never cascades its deletion to the definitions', () => {
    expect(chartApp.spec.syncPolicy.retry?.limit).toBeGreaterThan(0);
    expect(chartApp.metadata.finalizers ?? []).toEqual([]);
  });
});

describe('the environments Application', () => {
  it('syncs after the chart, tolerating a kind that does not exist yet', () => {
    expect(wave(chartApp)).toBeLessThan(wave(envApp));
    expect(envApp.spec.syncPolicy.syncOptions).toContain('SkipDryRunOnMissingResource=true');
    expect(envApp.spec.syncPolicy.automated?.prune).toBe(false);
  });

  it('points at a folder of PlatformEnvironment claims in namespaces that exist or that it creates', () => {
    const folder = join(repoRoot, envApp.spec.source.path);
    const files = readdirSync(folder).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files)
      for (const doc of loadAllYaml(readFileSync(join(folder, f), 'utf8')) as Application[])
        expect({
          f,
          kind: doc.kind,
          namespaced: ['default', envApp.spec.destination.namespace].includes(doc.metadata.namespace),
        }).toEqual({
          f,
          kind: 'PlatformEnvironment',
          namespaced: true,
        });
  });

  it('is synced by the root app-of-apps together with the chart', () => {
    const root = app('root.yaml');
    expect(readdirSync(join(repoRoot, root.spec.source.path)).sort()).toEqual([
      'environments.yaml',
      'envstack.yaml',
    ]);
  });
});

describe('argocd-cm.yaml', () => {
  const cm = loadYaml(readFileSync(join(dir, 'argocd-cm.yaml'), 'utf8')) as { data: Record<string, string> };

  it('is what synth generates', () => {
    expect(readFileSync(join(dir, 'argocd-cm.yaml'), 'utf8')).toBe(argocdConfigMap(repoRoot));
  });

  it('tracks resources by annotation and checks the health of every environment kind', () => {
    expect(cm.data['application.resourceTrackingMethod']).toBe('annotation');
    expect(environmentKinds()).toEqual([
      'platform.envstack.dev_PlatformEnvironment',
      'platform.envstack.dev_XPlatformEnvironment',
    ]);
    const script = readFileSync(join(repoRoot, HEALTH_DIR, 'environment.lua'), 'utf8');
    for (const kind of environmentKinds())
      expect(cm.data[`resource.customizations.health.${kind}`]).toBe(script);
  });

  it("reports a child Application's own health so that sync waves wait for it", () => {
    installLua();
    const script = join(mkdtempSync(join(tmpdir(), 'envstack-app-')), 'application.lua');
    writeFileSync(script, cm.data['resource.customizations.health.argoproj.io_Application']);
    expect(runHealth(script, { kind: 'Application', status: { health: { status: 'Healthy' } } })).toEqual({
      status: 'Healthy',
      message: '',
    });
    expect(
      runHealth(script, {
        kind: 'Application',
        status: { health: { status: 'Degraded', message: 'Provider unhealthy' } },
      }),
    ).toEqual({ status: 'Degraded', message: 'Provider unhealthy' });
    expect(runHealth(script, { kind: 'Application', metadata: { name: 'envstack' } }).status).toBe(
      'Progressing',
    );
  });
});
