/**
 * `envstack serve`: keeps the CLI loaded — modules compiled, Compositions parsed, CEL programs built — and
 * runs render, validate, lint and graph for the envstack command, one request at a time, on a loopback
 * port announced in a file only its user can read (see protocol.ts).
 * A request's answer is what the same command prints when run in-process: the server runs the CLI's own
 * main() in the client's working directory and returns its stdout, stderr and exit code.
 *
 * It never answers from stale code: it watches its code and the Compositions (inotify through fs.watch,
 * or, where watching is refused, their modification times re-read before each request), and once either
 * changed it answers `stale` and exits, so the client falls back to running in-process.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  watch,
  writeFileSync,
  type FSWatcher,
} from 'node:fs';
import { createConnection, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Console } from 'node:console';
import { dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import {
  decodeRequest,
  encodeResponse,
  FORWARDED_ENV,
  isServable,
  MAX_REQUEST_BYTES,
  type ServeRequest,
  type ServeResponse,
} from './protocol.js';

export interface ServeOptions {
  /** Where to announce `PORT TOKEN` (addressFile() in protocol.ts). */
  addressFile: string;
  /** Runs one CLI command line and returns its exit code (the CLI's main). */
  run: (argv: string[]) => Promise<number>;
  /** Folders and files whose modification makes the server stale (its code, the Compositions). */
  watched: string[];
  /** Command lines run (output discarded) before listening, so that the first requests find the code optimized. */
  warmUp?: { argv: string[]; rounds: number }[];
  /** false: re-read modification times before each request instead of watching (what a refused watch falls back to). */
  watch?: boolean;
  /** Exit after this long without a request; 0 never does. */
  idleMs?: number;
  log?: (line: string) => void;
}

export interface RunningServer {
  addressFile: string;
  port: number;
  token: string;
  /** Resolves when the server has stopped and removed its address file. */
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

/**
 * Calls onChange at the first change under the paths (every folder is watched, so new, replaced and
 * removed files count). Undefined when the system refuses a watch (e.g. out of inotify watches).
 */
function watchForChanges(paths: string[], onChange: () => void): { close(): void } | undefined {
  const watchers: FSWatcher[] = [];
  const close = () => watchers.forEach((w) => w.close());
  const add = (p: string): void => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    const w = watch(p, { persistent: false }, onChange);
    w.on('error', onChange);
    watchers.push(w);
    if (st.isDirectory())
      for (const e of readdirSync(p, { withFileTypes: true })) if (e.isDirectory()) add(join(p, e.name));
  };
  try {
    paths.forEach(add);
  } catch {
    close();
    return undefined;
  }
  return { close };
}

/** The address file's folder must belong to this user and be closed to everyone else. */
function privateFolder(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  const uid = typeof process.getuid === 'function' ? process.getuid() : st.uid;
  if (!st.isDirectory() || st.uid !== uid) {
    throw new Error(
      `${dir} is not a folder owned by this user; set ENVSTACK_SERVE_FILE to a path of your own`,
    );
  }
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** The port a live server announced in the file, if one answers there. */
async function liveServerPort(file: string): Promise<number | undefined> {
  let port: number;
  try {
    port = Number(readFileSync(file, 'utf8').split(' ')[0]);
  } catch {
    return undefined;
  }
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return undefined;
  return new Promise((resolve) => {
    const c = createConnection({ host: '127.0.0.1', port });
    c.once('connect', () => {
      c.destroy();
      resolve(port);
    });
    c.once('error', () => resolve(undefined));
  });
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
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

export async function serve(opts: ServeOptions): Promise<RunningServer> {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  privateFolder(dirname(opts.addressFile));
  const live = await liveServerPort(opts.addressFile);
  if (live !== undefined)
    throw new Error(`a server is already running on port ${live} (${opts.addressFile}); stop it first`);
  const token = randomBytes(32).toString('hex');

  let changed = false;
  const watcher = opts.watch === false ? undefined : watchForChanges(opts.watched, () => (changed = true));
  const started = watcher ? '' : stamp(opts.watched);
  for (const { argv, rounds } of opts.warmUp ?? []) {
    for (let i = 0; i < rounds; i++) {
      const r = await inRequestContext({ token, argv, cwd: process.cwd(), env: {} }, () => opts.run(argv));
      if ('code' in r && r.code !== 0) {
        watcher?.close();
        throw new Error(`warm-up "envstack ${argv.join(' ')}" failed: ${r.stderr.trim()}`);
      }
    }
  }
  /** A change made before the request was sent has been reported by the time the check phase runs. */
  const isStale = async (): Promise<boolean> => {
    if (!watcher) return stamp(opts.watched) !== started;
    await new Promise((r) => setImmediate(r));
    return changed;
  };
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
    watcher?.close();
    if (why) log(`envstack serve: stopping (${why})`);
    server.close(() => {
      try {
        // another server may have taken the file over since
        if (readFileSync(opts.addressFile, 'utf8').includes(token)) unlinkSync(opts.addressFile);
      } catch {
        // already removed
      }
      closedResolve();
    });
    return closed;
  };

  function answer(conn: Socket, rsp: ServeResponse): void {
    conn.end(encodeResponse(rsp));
  }

  const refuse = (conn: Socket, why: string) => answer(conn, { refused: why });

  function handle(conn: Socket): void {
    const chunks: Buffer[] = [];
    let size = 0;
    conn.on('error', () => conn.destroy());
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        conn.off('data', onData);
        return refuse(conn, `request is longer than ${MAX_REQUEST_BYTES} bytes`);
      }
      const req = decodeRequest(chunks.length === 1 ? chunk : Buffer.concat(chunks));
      if (req === undefined) return;
      conn.off('data', onData);
      if (typeof req === 'string') return refuse(conn, req);
      if (!sameToken(req.token, token)) return refuse(conn, `wrong token: read it from ${opts.addressFile}`);
      if (!isServable(req.argv))
        return refuse(conn, `"${req.argv.join(' ')}" is not served; run it in-process`);
      queue = queue
        .then(async () => {
          if (stopping || (await isStale())) {
            answer(conn, { stale: true });
            void close('code or Compositions changed since it started');
            return;
          }
          answer(conn, await inRequestContext(req, () => opts.run(req.argv)));
          armIdle();
        })
        .catch((e: unknown) => {
          // one broken connection must not stop the queue
          log(`envstack serve: ${e instanceof Error ? e.message : String(e)}`);
          conn.destroy();
        });
    };
    conn.on('data', onData);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const tmp = `${opts.addressFile}.${process.pid}.tmp`;
  writeFileSync(tmp, `${port} ${token}\n`, { mode: 0o600 });
  renameSync(tmp, opts.addressFile);
  armIdle();
  return { addressFile: opts.addressFile, port, token, closed, close: () => close() };
}
