/**
 * `envstack serve`: keeps the CLI loaded — modules compiled, Compositions parsed, CEL programs built — and
 * runs render, validate, lint and graph for bin/envstack.js over a Unix socket, one request at a time.
 * A request's answer is what the same command prints when run in-process: the server runs the CLI's own
 * main() in the client's working directory and returns its stdout, stderr and exit code.
 *
 * It never answers from stale code: before each request it re-reads the modification times of its code
 * and the Compositions, and when either changed it answers `stale` and exits, so the client falls back
 * to running in-process.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync, unlinkSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { Console } from 'node:console';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { FORWARDED_ENV, isServable, type ServeRequest, type ServeResponse } from './protocol.js';

export interface ServeOptions {
  socket: string;
  /** Runs one CLI command line and returns its exit code (the CLI's main). */
  run: (argv: string[]) => Promise<number>;
  /** Folders and files whose modification makes the server stale (its code, the Compositions). */
  watched: string[];
  /** Exit after this long without a request; 0 never does. */
  idleMs?: number;
  log?: (line: string) => void;
}

export interface RunningServer {
  socket: string;
  /** Resolves when the server has stopped and removed its socket. */
  closed: Promise<void>;
  close(): Promise<void>;
}

/** Newest modification time and file count under the given paths: changes when any file does. */
export function stamp(paths: string[]): string {
  let newest = 0;
  let files = 0;
  const visit = (p: string): void => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) visit(join(p, name));
    } else {
      files++;
      newest = Math.max(newest, st.mtimeMs);
    }
  };
  for (const p of paths) visit(p);
  return `${files}:${newest}`;
}

/** The socket's folder must belong to this user and be closed to everyone else. */
function privateFolder(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  const uid = typeof process.getuid === 'function' ? process.getuid() : st.uid;
  if (!st.isDirectory() || st.uid !== uid) {
    throw new Error(`${dir} is not a folder owned by this user; set ENVSTACK_SOCKET to a path of your own`);
  }
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

function listening(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const c = createConnection(socket);
    c.once('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.once('error', () => resolve(false));
  });
}

type Write = typeof process.stdout.write;

const sink = (into: string[]): Writable =>
  new Writable({
    decodeStrings: false,
    write(chunk: string | Buffer, _encoding, done) {
      into.push(typeof chunk === 'string' ? chunk : chunk.toString('utf8'));
      done();
    },
  });

/**
 * Runs fn with process output (and the global console, which may not write through process.stdout),
 * working directory and forwarded variables set for one request.
 */
async function inRequestContext(req: ServeRequest, fn: () => Promise<number>): Promise<ServeResponse> {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const collect =
    (into: string[]): Write =>
    (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
      into.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const done = rest.find((r): r is () => void => typeof r === 'function');
      done?.();
      return true;
    };
  const saved = {
    console: globalThis.console,
    out: process.stdout.write,
    err: process.stderr.write,
    cwd: process.cwd(),
    env: Object.fromEntries(FORWARDED_ENV.map((k) => [k, process.env[k]])),
  };
  process.stdout.write = collect(stdout);
  process.stderr.write = collect(stderr);
  globalThis.console = new Console({ stdout: sink(stdout), stderr: sink(stderr) });
  let code: number;
  try {
    process.chdir(req.cwd);
    for (const k of FORWARDED_ENV) {
      if (req.env[k] === undefined) delete process.env[k];
      else process.env[k] = req.env[k];
    }
    code = await fn();
  } catch (e) {
    stderr.push(`envstack: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    code = 70;
  } finally {
    process.stdout.write = saved.out;
    process.stderr.write = saved.err;
    globalThis.console = saved.console;
    process.chdir(saved.cwd);
    for (const k of FORWARDED_ENV) {
      if (saved.env[k] === undefined) delete process.env[k];
      else process.env[k] = saved.env[k];
    }
  }
  return { code, stdout: stdout.join(''), stderr: stderr.join('') };
}

/** A request line, checked: anything else gets exit code 2 and a message naming the problem. */
function parseRequest(line: string): ServeRequest | string {
  let req: unknown;
  try {
    req = JSON.parse(line);
  } catch {
    return 'request is not JSON';
  }
  if (typeof req !== 'object' || req === null) return 'request is not a JSON object';
  const r = req as Partial<ServeRequest>;
  if (r.v !== 1) return `request version ${String(r.v)} is not supported (want 1)`;
  if (!Array.isArray(r.argv) || !r.argv.every((a) => typeof a === 'string'))
    return 'request.argv must be a list of strings';
  if (!isServable(r.argv)) return `"${r.argv.join(' ')}" is not served; run it in-process`;
  if (typeof r.cwd !== 'string') return 'request.cwd must be a string';
  if (typeof r.env !== 'object' || r.env === null) return 'request.env must be an object';
  return r as ServeRequest;
}

export async function serve(opts: ServeOptions): Promise<RunningServer> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  privateFolder(dirname(opts.socket));
  if (await listening(opts.socket)) throw new Error(`a server is already listening on ${opts.socket}`);
  try {
    unlinkSync(opts.socket);
  } catch {
    // no socket left behind by an earlier server
  }

  const started = stamp(opts.watched);
  let queue: Promise<void> = Promise.resolve();
  let idle: NodeJS.Timeout | undefined;
  let stopping = false;
  const server: Server = createServer((conn) => handle(conn));

  const armIdle = (): void => {
    if (idle) clearTimeout(idle);
    if (opts.idleMs) idle = setTimeout(() => void close('idle'), opts.idleMs).unref();
  };

  let closedResolve!: () => void;
  const closed = new Promise<void>((r) => (closedResolve = r));
  const close = async (why?: string): Promise<void> => {
    if (stopping) return closed;
    stopping = true;
    if (idle) clearTimeout(idle);
    if (why) log(`envstack serve: stopping (${why})`);
    server.close(() => {
      try {
        unlinkSync(opts.socket);
      } catch {
        // already removed
      }
      closedResolve();
    });
    return closed;
  };

  function answer(conn: Socket, rsp: ServeResponse): void {
    conn.end(`${JSON.stringify(rsp)}\n`);
  }

  function handle(conn: Socket): void {
    let buf = '';
    conn.setEncoding('utf8');
    conn.on('error', () => conn.destroy());
    conn.on('data', (chunk: string) => {
      buf += chunk;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      const line = buf.slice(0, nl);
      conn.removeAllListeners('data');
      const req = parseRequest(line);
      if (typeof req === 'string')
        return answer(conn, { code: 2, stdout: '', stderr: `envstack serve: ${req}\n` });
      queue = queue.then(async () => {
        if (stopping || stamp(opts.watched) !== started) {
          answer(conn, { stale: true });
          void close('code or Compositions changed since it started');
          return;
        }
        answer(conn, await inRequestContext(req, () => opts.run(req.argv)));
        armIdle();
      });
    });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.socket, () => {
      server.off('error', reject);
      resolve();
    });
  });
  chmodSync(opts.socket, 0o600);
  armIdle();
  return { socket: opts.socket, closed, close: () => close() };
}
