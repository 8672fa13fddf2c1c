/**
 * The controller's Dockerfile, checked statically (there is no container engine here): its stages, what reaches
 * the runtime image, the user it runs as (the chart's), and that `npm run build` produces its entrypoint.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTROLLER_UID } from '../../src/platform/delivery/index.js';
import { installHelm, repoRoot, template } from './helm.js';

interface Instruction {
  op: string;
  args: string;
}
interface Stage {
  image: string;
  name: string;
  steps: Instruction[];
}

/** Instructions grouped by stage, with line continuations joined and comments dropped. */
function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const lines = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of lines) {
    const [, op, rest] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
    const instruction = { op: (op ?? line).toUpperCase(), args: rest ?? '' };
    if (instruction.op === 'FROM') {
      const [, image, name] = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args) ?? [];
      stages.push({ image, name: name ?? String(stages.length), steps: [] });
    } else if (stages.length === 0 && instruction.op === 'ARG') {
      const [k, v] = instruction.args.split('=');
      args.set(k, v ?? '');
    } else {
      stages.at(-1)?.steps.push(instruction);
    }
  }
  return { args, stages };
}

const dockerfile = parseDockerfile(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'));
const stage = (name: string): Stage => {
  const s = dockerfile.stages.find((x) => x.name === name);
  if (!s) throw new Error(`no stage ${name}`);
  return s;
};
const runs = (s: Stage): string[] => s.steps.filter((i) => i.op === 'RUN').map((i) => i.args);
const copies = (s: Stage): Array<{ from?: string; sources: string[]; dest: string }> =>
  s.steps
    .filter((i) => i.op === 'COPY')
    .map((i) => {
      const words = i.args.split(/\s+/);
      const from = words.find((w) => w.startsWith('--from='))?.slice('--from='.length);
      const paths = words.filter((w) => !w.startsWith('--'));
      return { from, sources: paths.slice(0, -1), dest: paths[paths.length - 1] };
    });

describe('Dockerfile', () => {
  const runtime = dockerfile.stages[dockerfile.stages.length - 1];

  it('builds in three stages from one pinned Node.js base', () => {
    expect(dockerfile.stages.map((s) => s.name)).toEqual(['build', 'deps', 'runtime']);
    expect(new Set(dockerfile.stages.map((s) => s.image))).toEqual(new Set(['${NODE_IMAGE}']));
    expect(dockerfile.args.get('NODE_IMAGE')).toMatch(/^node:20[.-]/);
    expect(dockerfile.args.get('NODE_IMAGE')).not.toMatch(/latest/);
    const engines = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).engines.node as string;
    expect(engines).toMatch(/^>=20\./);
  });

  it('compiles with the dev dependencies in the build stage', () => {
    const build = runs(stage('build'));
    expect(build.some((r) => /^npm ci\b/.test(r) && !r.includes('--omit=dev'))).toBe(true);
    expect(build.at(-1)).toBe('npm run build');
  });

  it('ships production dependencies only, and nothing of the build stage but dist/', () => {
    expect(runs(stage('deps')).some((r) => /^npm ci\b.*--omit=dev/.test(r))).toBe(true);
    expect(runs(runtime)).toEqual([]);
    const c = copies(runtime);
    expect(c.filter((x) => x.from === 'build')).toEqual([
      { from: 'build', sources: ['/src/dist'], dest: './dist' },
    ]);
    expect(c.filter((x) => x.from === 'deps')).toEqual([
      { from: 'deps', sources: ['/app/node_modules'], dest: './node_modules' },
    ]);
    const fromContext = c.filter((x) => !x.from).flatMap((x) => x.sources);
    expect(fromContext.sort()).toEqual(['compositions', 'package.json']);
  });

  it('places the Compositions where the compiled renderer looks for them', () => {
    const workdir = runtime.steps.find((i) => i.op === 'WORKDIR')?.args;
    expect(workdir).toBe('/app');
    // dist/render/service.js resolves ../../compositions, i.e. <workdir>/compositions.
    expect(copies(runtime).find((x) => x.sources.includes('compositions'))?.dest).toBe('./compositions');
  });

  it('runs as the numeric non-root user the chart declares', () => {
    installHelm();
    const users = runtime.steps.filter((i) => i.op === 'USER').map((i) => i.args);
    expect(users).toEqual([`${CONTROLLER_UID}:${CONTROLLER_UID}`]);
    const deployment = template().find((o) => o.kind === 'Deployment') as unknown as {
      spec: { template: { spec: { containers: Array<{ securityContext: Record<string, unknown> }> } } };
    };
    expect(deployment.spec.template.spec.containers[0].securityContext).toMatchObject({
      runAsUser: CONTROLLER_UID,
      runAsGroup: CONTROLLER_UID,
      runAsNonRoot: true,
    });
  });

  it('starts the controller through the compiled CLI', () => {
    expect(runtime.steps.filter((i) => i.op === 'ENTRYPOINT').map((i) => JSON.parse(i.args))).toEqual([
      ['node', 'dist/cli/main.js', 'controller'],
    ]);
  });

  it('has a build context holding exactly what the COPY instructions read', () => {
    const ignore = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(ignore[0]).toBe('**');
    const included = ignore.filter((l) => l.startsWith('!')).map((l) => l.slice(1).replace(/\/\*\*$/, ''));
    const read = dockerfile.stages.flatMap((s) =>
      copies(s)
        .filter((x) => !x.from)
        .flatMap((x) => x.sources),
    );
    expect(new Set(included)).toEqual(new Set(read.map((p) => p.replace(/^\.\//, ''))));
    for (const p of included)
      expect({ path: p, exists: existsSync(join(repoRoot, p)) }).toEqual({ path: p, exists: true });
  });

  it('produces the entrypoint with `npm run build` (tsc -p tsconfig.build.json)', () => {
    const out = mkdtempSync(join(tmpdir(), 'envstack-dist-'));
    const scripts = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).scripts as Record<
      string,
      string
    >;
    expect(scripts.build).toBe('tsc -p tsconfig.build.json');
    execFileSync(
      process.execPath,
      [
        join(repoRoot, 'node_modules', 'typescript', 'bin', 'tsc'),
        '-p',
        'tsconfig.build.json',
        '--outDir',
        out,
      ],
      { cwd: repoRoot, stdio: 'pipe' },
    );
    expect(existsSync(join(out, 'cli', 'main.js'))).toBe(true);
    expect(existsSync(join(out, 'platform', 'render', 'service.js'))).toBe(true);
    expect(existsSync(join(out, 'platform', 'delivery'))).toBe(true);
  }, 180_000);
});
