/**
 * The render server's wire format and where its socket lives. bin/envstack.js (the client, plain
 * JavaScript so that it starts without TypeScript tooling) repeats socketPath(); a test keeps the two equal.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Commands whose output is a function of files and arguments alone, so a long-lived process may run them. */
export const SERVED_COMMANDS: ReadonlySet<string> = new Set(['render', 'validate', 'lint', 'graph']);

/** Environment variables the CLI reads; the client sends its own values with every request. */
export const FORWARDED_ENV = ['ENVSTACK_CRDS'] as const;

export interface ServeRequest {
  v: 1;
  argv: string[];
  cwd: string;
  env: Partial<Record<(typeof FORWARDED_ENV)[number], string>>;
}

export type ServeResponse =
  | { code: number; stdout: string; stderr: string }
  /** The server's code or Compositions changed since it started: it is exiting; run in-process instead. */
  | { stale: true };

/** FNV-1a, 32 bits: names the socket after the installation it serves. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** One socket per user and installation, in a folder only that user can enter. */
export function socketPath(root: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.ENVSTACK_SOCKET) return env.ENVSTACK_SOCKET;
  const base = env.XDG_RUNTIME_DIR || tmpdir();
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return join(base, `envstack-${uid}`, `${fnv1a(root)}.sock`);
}

/** Whether a command line can go to the server: a served command that reads nothing from stdin. */
export function isServable(argv: string[]): boolean {
  return SERVED_COMMANDS.has(argv[0] ?? '') && !argv.includes('-');
}
