import { spawn, type ChildProcess } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface Proc {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Resolves with the exit code (or null after a signal) once the process has exited. */
  readonly exited: Promise<number | null>;
  running(): boolean;
}

export interface SupervisorOptions {
  /**
   * When true (tests), a watchdog kills every process started here as soon as this Node process
   * dies, however it dies. When false (`envstack sandbox up`), the processes outlive this one and
   * are stopped later from their pid files.
   */
  tiedToParent?: boolean;
}

/**
 * Starts the sandbox's processes, each in its own process group, with output in DIR/logs/NAME.log
 * and its pid in DIR/pids/NAME.pid, and stops them all (TERM, then KILL after a grace period).
 */
export class Supervisor {
  readonly logsDir: string;
  readonly pidsDir: string;
  private readonly procs = new Map<string, { proc: Proc; child: ChildProcess }>();
  private watchdog?: ChildProcess;

  constructor(
    readonly dir: string,
    private readonly options: SupervisorOptions = {},
  ) {
    this.logsDir = join(dir, 'logs');
    this.pidsDir = join(dir, 'pids');
    mkdirSync(this.logsDir, { recursive: true });
    mkdirSync(this.pidsDir, { recursive: true });
  }

  start(name: string, command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Proc {
    if (this.procs.get(name)?.proc.running()) throw new Error(`${name} is already running`);
    if (this.options.tiedToParent !== false) this.ensureWatchdog();
    const logPath = join(this.logsDir, `${name}.log`);
    const fd = openSync(logPath, 'a');
    const child = spawn(command, args, {
      cwd: this.dir,
      env: { ...process.env, ...env },
      stdio: ['ignore', fd, fd],
      detached: true,
    });
    closeSync(fd);
    if (child.pid === undefined) throw new Error(`could not start ${name} (${command})`);
    const pid = child.pid;
    writeFileSync(join(this.pidsDir, `${name}.pid`), `${pid}\n`);
    let done = false;
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => {
        done = true;
        rmSync(join(this.pidsDir, `${name}.pid`), { force: true });
        resolve(code);
      }),
    );
    child.once('error', () => undefined);
    const proc: Proc = { name, pid, logPath, exited, running: () => !done };
    this.procs.set(name, { proc, child });
    return proc;
  }

  /** Lets this Node process exit while the processes keep running (`envstack sandbox up`). */
  detach(): void {
    for (const { child } of this.procs.values()) child.unref();
  }

  get(name: string): Proc | undefined {
    return this.procs.get(name)?.proc;
  }

  /** The last lines of a process's log, for error messages. */
  logTail(name: string, lines = 40): string {
    return tailOf(join(this.logsDir, `${name}.log`), lines);
  }

  async stop(name: string, graceMs = 5000): Promise<void> {
    const entry = this.procs.get(name);
    if (!entry) return;
    await stopPid(entry.proc.pid, graceMs, entry.proc.exited);
    this.procs.delete(name);
  }

  /** Stops every process, the last started first. */
  async stopAll(graceMs = 5000): Promise<void> {
    for (const name of [...this.procs.keys()].reverse()) await this.stop(name, graceMs);
    if (this.watchdog?.pid !== undefined) {
      try {
        process.kill(this.watchdog.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    this.watchdog = undefined;
  }

  private ensureWatchdog(): void {
    if (this.watchdog) return;
    // A shell that outlives us only to kill what we started: it polls our pid and, once we are gone,
    // kills the process group of every pid file still present.
    const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done
for f in "$1"/*.pid; do [ -f "$f" ] && kill -KILL -"$(cat "$f")" 2>/dev/null; done
exit 0`;
    this.watchdog = spawn('sh', ['-c', script, 'envstack-watchdog', this.pidsDir], {
      detached: true,
      stdio: 'ignore',
    });
    this.watchdog.unref();
  }
}

/** Stops the processes recorded in DIR/pids (a sandbox started by another process). */
export async function stopFromPidFiles(
  dir: string,
  order: readonly string[] = [],
  graceMs = 5000,
): Promise<string[]> {
  const pidsDir = join(dir, 'pids');
  if (!existsSync(pidsDir)) return [];
  const names = readdirSync(pidsDir)
    .filter((f) => f.endsWith('.pid'))
    .map((f) => f.slice(0, -4));
  const rank = (n: string) => {
    const i = order.indexOf(n);
    return i < 0 ? -1 : i;
  };
  names.sort((a, b) => rank(a) - rank(b));
  const stopped: string[] = [];
  for (const name of names) {
    const file = join(pidsDir, `${name}.pid`);
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
      await stopPid(pid, graceMs);
      stopped.push(name);
    }
    rmSync(file, { force: true });
  }
  return stopped;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function stopPid(pid: number, graceMs: number, exited?: Promise<unknown>): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      try {
        process.kill(pid, s);
      } catch {
        // already gone
      }
    }
  };
  if (!alive(pid)) return;
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  const gone = exited
    ? Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)])
    : (async () => {
        while (Date.now() < deadline) {
          if (!alive(pid)) return true;
          await sleep(50);
        }
        return false;
      })();
  if (!(await gone)) {
    signal('SIGKILL');
    if (exited) await Promise.race([exited, sleep(2000)]);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function tailOf(path: string, lines: number): string {
  if (!existsSync(path)) return '';
  // Only the last 64 KiB: a function's log grows to hundreds of MB in a long sandbox session.
  const size = statSync(path).size;
  const length = Math.min(size, 64 * 1024);
  const buf = Buffer.alloc(length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, buf, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  const all = buf.toString('utf8').split('\n');
  if (length < size) all.shift(); // a partial first line
  return all.slice(-lines - 1).join('\n');
}

/** A free TCP port on 127.0.0.1 (picked by the kernel, then released for the caller to bind). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}
