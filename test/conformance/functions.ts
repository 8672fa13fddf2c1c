import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const TOOLS_BIN = join(REPO_ROOT, '.tools', 'bin');

export interface FunctionSpec {
  name: string;
  binary: string;
  packageRef: string;
}

// Package references are informational for the Development runtime (nothing is pulled); set
// ENVSTACK_XPKG_REGISTRY to prefix them with a registry host.
const registryPrefix = process.env.ENVSTACK_XPKG_REGISTRY ? `${process.env.ENVSTACK_XPKG_REGISTRY}/` : '';

export const FUNCTIONS: readonly FunctionSpec[] = [
  {
    name: 'function-patch-and-transform',
    binary: 'function-patch-and-transform',
    packageRef: `${registryPrefix}crossplane-contrib/function-patch-and-transform:v0.10.9`,
  },
  {
    name: 'function-cel-filter',
    binary: 'function-cel-filter',
    packageRef: `${registryPrefix}crossplane-contrib/function-cel-filter:v0.2.0`,
  },
  {
    name: 'function-auto-ready',
    binary: 'function-auto-ready',
    packageRef: `${registryPrefix}crossplane-contrib/function-auto-ready:v0.7.0`,
  },
];

export interface RunningFunctions {
  /** Path of the generated functions.yaml (pkg.crossplane.io/v1 Function objects). */
  functionsFile: string;
  /** The same content, as YAML text. */
  functionsYaml: string;
  ports: Record<string, number>;
  pids: Record<string, number>;
  /** Captured stdout+stderr of each function, for diagnosing failures. */
  logs: Record<string, string[]>;
  stop(): Promise<void>;
}

export interface StartOptions {
  binDir?: string;
  /** Directory that receives functions.yaml; a temporary one (removed on stop) when omitted. */
  workDir?: string;
  debug?: boolean;
  readyTimeoutMs?: number;
}

interface Started {
  spec: FunctionSpec;
  child: ChildProcess;
  port: number;
}

const MAX_LOG_CHUNKS = 200;
const live = new Set<ChildProcess>();
const tempDirs = new Set<string>();
let hooksInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  const cleanUp = (): void => {
    for (const child of live) killGroup(child, 'SIGKILL');
    for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  };
  process.on('exit', cleanUp);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      cleanUp();
      process.kill(process.pid, signal);
    });
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('could not allocate a loopback port'));
        return;
      }
      server.close(() => resolvePort(address.port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => {
      socket.destroy();
      done(false);
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitForPort(started: Started, logs: string[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { child } = started;
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${started.spec.name} exited (${child.exitCode ?? child.signalCode}) before listening on ` +
          `127.0.0.1:${started.port}:\n${logs.join('')}`,
      );
    }
    if (await canConnect(started.port)) return;
    await sleep(25);
  }
  throw new Error(`${started.spec.name} did not listen on 127.0.0.1:${started.port} within ${timeoutMs} ms`);
}

export function functionsYamlFor(
  ports: Record<string, number>,
  specs: readonly FunctionSpec[] = FUNCTIONS,
): string {
  return specs
    .map((spec) =>
      [
        '---',
        'apiVersion: pkg.crossplane.io/v1',
        'kind: Function',
        'metadata:',
        `  name: ${spec.name}`,
        '  annotations:',
        '    render.crossplane.io/runtime: Development',
        `    render.crossplane.io/runtime-development-target: 127.0.0.1:${ports[spec.name]}`,
        'spec:',
        `  package: ${spec.packageRef}`,
        '',
      ].join('\n'),
    )
    .join('');
}

async function stopAll(children: Started[], graceMs = 3000): Promise<void> {
  await Promise.all(
    children.map(async ({ child }) => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
        live.delete(child);
        return;
      }
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      killGroup(child, 'SIGTERM');
      const timedOut = await Promise.race([exited.then(() => false), sleep(graceMs).then(() => true)]);
      if (timedOut) {
        killGroup(child, 'SIGKILL');
        await exited;
      }
      live.delete(child);
    }),
  );
}

/**
 * Starts P&T, cel-filter and auto-ready with --insecure on free loopback ports, waits until each
 * accepts connections and writes a functions.yaml pointing `crossplane render` at them.
 * Always call stop() (try/finally); the processes are also killed if this process exits.
 */
export async function startFunctions(options: StartOptions = {}): Promise<RunningFunctions> {
  installExitHooks();
  const binDir = options.binDir ?? TOOLS_BIN;
  const ownsWorkDir = options.workDir === undefined;
  const workDir = options.workDir ?? mkdtempSync(join(tmpdir(), 'envstack-fns-'));
  if (ownsWorkDir) tempDirs.add(workDir);
  const started: Started[] = [];
  const logs: Record<string, string[]> = {};
  const ports: Record<string, number> = {};
  const pids: Record<string, number> = {};
  const stop = async (): Promise<void> => {
    await stopAll(started);
    if (ownsWorkDir) {
      rmSync(workDir, { recursive: true, force: true });
      tempDirs.delete(workDir);
    }
  };

  try {
    for (const spec of FUNCTIONS) {
      const out: string[] = [];
      logs[spec.name] = out;
      let lastError: unknown;
      for (let attempt = 0; attempt < 3; attempt++) {
        const port = await freePort();
        const args = ['--insecure', `--address=127.0.0.1:${port}`, ...(options.debug ? ['--debug'] : [])];
        const child = spawn(join(binDir, spec.binary), args, {
          detached: true,
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        live.add(child);
        const capture = (chunk: Buffer): void => {
          out.push(chunk.toString());
          if (out.length > MAX_LOG_CHUNKS) out.splice(0, out.length - MAX_LOG_CHUNKS);
        };
        child.stdout?.on('data', capture);
        child.stderr?.on('data', capture);
        const spawnError = new Promise<never>((_, reject) =>
          child.once('error', (err) => reject(new Error(`cannot start ${spec.name}: ${err.message}`))),
        );
        spawnError.catch(() => undefined);
        const entry: Started = { spec, child, port };
        started.push(entry);
        try {
          await Promise.race([waitForPort(entry, out, options.readyTimeoutMs ?? 20000), spawnError]);
          ports[spec.name] = port;
          pids[spec.name] = child.pid ?? -1;
          lastError = undefined;
          break;
        } catch (err) {
          lastError = err;
          await stopAll([entry]);
          if (err instanceof Error && err.message.startsWith('cannot start')) break;
        }
      }
      if (lastError !== undefined) throw lastError;
    }
    const functionsYaml = functionsYamlFor(ports);
    const functionsFile = join(workDir, 'functions.yaml');
    writeFileSync(functionsFile, functionsYaml);
    return { functionsFile, functionsYaml, ports, pids, logs, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

// `tsx test/conformance/functions.ts [--debug]` starts the functions, prints
// {"functionsFile","ports","pids"} as one JSON line and keeps them running until SIGINT/SIGTERM.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  startFunctions({ debug: process.argv.includes('--debug') })
    .then((fns) => {
      console.log(JSON.stringify({ functionsFile: fns.functionsFile, ports: fns.ports, pids: fns.pids }));
      setInterval(() => undefined, 1 << 30);
    })
    .catch((err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    });
}
