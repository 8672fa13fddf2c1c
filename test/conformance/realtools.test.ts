// Exercises the real `crossplane render` and the real functions built by scripts/install-tools.sh.
// Skipped when .tools/bin is not populated, unless ENVSTACK_REQUIRE_TOOLS=1 (CI), which fails instead.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { crossplaneRender } from './crossplane.js';
import { FUNCTIONS, REPO_ROOT, TOOLS_BIN, startFunctions, type RunningFunctions } from './functions.js';
import { diffRenders } from './harness.js';

const binaries = ['crossplane', ...FUNCTIONS.map((f) => f.binary)];
const toolsPresent = binaries.every((b) => existsSync(join(TOOLS_BIN, b)));
const required = process.env.ENVSTACK_REQUIRE_TOOLS === '1';
const describeTools = toolsPresent || required ? describe : describe.skip;

const FIXTURES = join(REPO_ROOT, 'test', 'conformance', 'fixtures');
const GOLDEN = join(REPO_ROOT, 'test', 'conformance', 'golden');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

async function waitUntil(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describeTools('real crossplane render with the real functions', () => {
  let fns: RunningFunctions;

  beforeAll(async () => {
    if (!toolsPresent)
      throw new Error(`missing ${TOOLS_BIN}/{${binaries.join(',')}}: run scripts/install-tools.sh`);
    fns = await startFunctions();
  });

  afterAll(async () => {
    await fns?.stop();
  });

  it('starts each function on its own loopback port and describes it in functions.yaml', async () => {
    const ports = FUNCTIONS.map((f) => fns.ports[f.name]);
    expect(new Set(ports).size).toBe(3);
    for (const port of ports) expect(await accepts(port as number)).toBe(true);
    const text = readFileSync(fns.functionsFile, 'utf8');
    for (const f of FUNCTIONS) {
      expect(text).toContain(`name: ${f.name}\n`);
      expect(text).toContain(
        `render.crossplane.io/runtime-development-target: 127.0.0.1:${fns.ports[f.name]}\n`,
      );
    }
    expect(text.match(/render\.crossplane\.io\/runtime: Development/g)).toHaveLength(3);
  });

  it.each(['pt-transforms', 'pt-patches', 'namespaced-xr', 'cel-filter'])(
    'reproduces the recorded golden render of %s',
    async (name) => {
      const dir = join(FIXTURES, name);
      const observed = join(dir, 'observed.yaml');
      const res = await crossplaneRender({
        xr: { path: join(dir, 'xr.yaml') },
        composition: { path: join(dir, 'composition.yaml') },
        functions: { path: fns.functionsFile },
        observed: existsSync(observed) ? { path: observed } : undefined,
        includeResults: true,
      });
      expect(res.stderr).toBe('');
      expect(res.code).toBe(0);
      expect(diffRenders(readFileSync(join(GOLDEN, `${name}.yaml`), 'utf8'), res.stdout)).toEqual([]);
    },
  );

  it('accepts inline objects and reports a fatal result as exit 1 with the message on stderr', async () => {
    const res = await crossplaneRender({
      xr: {
        apiVersion: 'example.envstack.dev/v1alpha1',
        kind: 'XInline',
        metadata: { name: 'inline' },
        spec: { n: 'x' },
      },
      composition: {
        apiVersion: 'apiextensions.crossplane.io/v1',
        kind: 'Composition',
        metadata: { name: 'inline' },
        spec: {
          compositeTypeRef: { apiVersion: 'example.envstack.dev/v1alpha1', kind: 'XInline' },
          mode: 'Pipeline',
          pipeline: [
            {
              step: 'pt',
              functionRef: { name: 'function-patch-and-transform' },
              input: {
                apiVersion: 'pt.fn.crossplane.io/v1beta1',
                kind: 'Resources',
                resources: [
                  {
                    name: 'r',
                    base: { apiVersion: 'nop.crossplane.io/v1alpha1', kind: 'NopResource' },
                    patches: [
                      {
                        fromFieldPath: 'spec.n',
                        toFieldPath: 'spec.m',
                        transforms: [{ type: 'math', math: { multiply: 2 } }],
                      },
                    ],
                  },
                ],
              },
            },
          ],
        },
      },
      functions: { path: fns.functionsFile },
      includeResults: true,
    });
    expect(res.code).toBe(1);
    expect(res.stdout).toBe('');
    expect(res.stderr).toContain('pipeline step "pt" returned a fatal result');
  });
});

describeTools('function processes are always stopped', () => {
  it('stop() kills every function and frees its port', async () => {
    const fns = await startFunctions();
    const pids = Object.values(fns.pids);
    const ports = Object.values(fns.ports);
    expect(pids.every(alive)).toBe(true);
    await fns.stop();
    expect(pids.some(alive)).toBe(false);
    for (const port of ports) expect(await accepts(port)).toBe(false);
    expect(existsSync(fns.functionsFile)).toBe(false);
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'a %s to the owning process kills the functions',
    async (signal) => {
      const child = spawn(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), ['test/conformance/functions.ts'], {
        cwd: REPO_ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        const line = await new Promise<string>((resolveLine, reject) => {
          let buf = '';
          child.stdout.on('data', (chunk: Buffer) => {
            buf += chunk.toString();
            if (buf.includes('\n')) resolveLine(buf.split('\n')[0] as string);
          });
          child.once('exit', (code) => reject(new Error(`functions.ts exited early (${code})`)));
        });
        const info = JSON.parse(line) as { functionsFile: string; pids: Record<string, number> };
        const pids = Object.values(info.pids);
        expect(pids).toHaveLength(3);
        expect(pids.every(alive)).toBe(true);
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill(signal);
        await exited;
        expect(await waitUntil(() => !pids.some(alive), 5000)).toBe(true);
        expect(existsSync(info.functionsFile)).toBe(false);
      } finally {
        child.kill('SIGKILL');
      }
    },
  );
});
