/**
 * The render server's wire format and where it announces itself. Two clients speak it: bin/envstack (bash,
 * so that a served command costs no Node start-up) and bin/server-client.js (for `node bin/envstack.js`).
 * Both repeat addressFile(); tests keep the three in step.
 *
 * The server listens on 127.0.0.1 and writes `PORT TOKEN` into its address file, which only its user can
 * read; a request without that token is refused.
 *
 * Request: NUL-terminated fields — `envstack/1`, the token, the working directory, the number of
 * forwarded variables and each as NAME=VALUE, the number of arguments and each argument.
 * Response: a header line, `{"code":N,"stderr":BYTES}` followed by that many bytes of stderr, then
 * stdout until the connection closes; or `{"stale":true}` or `{"refused":"why"}`, after which the client
 * runs the command in-process.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PROTOCOL = 'envstack/1';

/** Commands whose output is a function of files and arguments alone, so a long-lived process may run them. */
export const SERVED_COMMANDS: ReadonlySet<string> = new Set(['render', 'validate', 'lint', 'graph']);

/** Environment variables the CLI reads; the client sends its own values with every request. */
export const FORWARDED_ENV = ['ENVSTACK_CRDS'] as const;
type ForwardedEnv = (typeof FORWARDED_ENV)[number];

/** Longest request accepted: arguments and paths, never file contents. */
export const MAX_REQUEST_BYTES = 1 << 20;

export interface ServeRequest {
  token: string;
  cwd: string;
  env: Partial<Record<ForwardedEnv, string>>;
  argv: string[];
}

export type ServeResponse =
  | { code: number; stdout: string; stderr: string }
  /** The server's code or Compositions changed since it started: it is exiting; run in-process instead. */
  | { stale: true }
  /** Not a request this server takes (wrong token, not served, malformed): run in-process instead. */
  | { refused: string };

/** FNV-1a, 32 bits, over UTF-16 code units: names the address file after the installation it serves. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** One address file per user and installation, in a folder only that user can enter. */
export function addressFile(root: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.ENVSTACK_SERVE_FILE) return env.ENVSTACK_SERVE_FILE;
  const base = env.XDG_RUNTIME_DIR || tmpdir();
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return join(base, `envstack-${uid}`, `${fnv1a(root)}.addr`);
}

/** Whether a command line can go to the server: a served command that reads nothing from stdin. */
export function isServable(argv: string[]): boolean {
  return SERVED_COMMANDS.has(argv[0] ?? '') && !argv.includes('-');
}

export function encodeRequest(req: ServeRequest): Buffer {
  const env = Object.entries(req.env).map(([k, v]) => `${k}=${v}`);
  const fields = [
    PROTOCOL,
    req.token,
    req.cwd,
    String(env.length),
    ...env,
    String(req.argv.length),
    ...req.argv,
  ];
  return Buffer.from(fields.map((f) => `${f}\0`).join(''), 'utf8');
}

/**
 * Reads a request from the bytes received so far: the request, `undefined` while incomplete, or a
 * message naming what is wrong with it.
 */
export function decodeRequest(bytes: Buffer): ServeRequest | string | undefined {
  const fields: string[] = [];
  let at = 0;
  const next = (): string | undefined => {
    const end = bytes.indexOf(0, at);
    if (end < 0) return undefined;
    const field = bytes.subarray(at, end).toString('utf8');
    at = end + 1;
    fields.push(field);
    return field;
  };
  const count = (what: string): number | string | undefined => {
    const f = next();
    if (f === undefined) return undefined;
    return /^(0|[1-9][0-9]{0,5})$/.test(f) ? Number(f) : `${what} count "${f}" is not a number`;
  };
  const protocol = next();
  if (protocol === undefined) return undefined;
  if (protocol !== PROTOCOL) return `protocol "${protocol.slice(0, 40)}" is not supported (want ${PROTOCOL})`;
  const token = next();
  const cwd = next();
  if (token === undefined || cwd === undefined) return undefined;
  const envCount = count('variable');
  if (typeof envCount !== 'number') return envCount;
  const env: ServeRequest['env'] = {};
  for (let i = 0; i < envCount; i++) {
    const pair = next();
    if (pair === undefined) return undefined;
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    if (eq < 0 || !(FORWARDED_ENV as readonly string[]).includes(name))
      return `variable "${pair.slice(0, 40)}" is not one the CLI reads`;
    env[name as ForwardedEnv] = pair.slice(eq + 1);
  }
  const argc = count('argument');
  if (typeof argc !== 'number') return argc;
  const argv: string[] = [];
  for (let i = 0; i < argc; i++) {
    const arg = next();
    if (arg === undefined) return undefined;
    argv.push(arg);
  }
  if (at !== bytes.length) return 'request has bytes after its last argument';
  return { token, cwd, env, argv };
}

export function encodeResponse(rsp: ServeResponse): Buffer {
  if (!('code' in rsp)) return Buffer.from(`${JSON.stringify(rsp)}\n`);
  const err = Buffer.from(rsp.stderr, 'utf8');
  const header = Buffer.from(`${JSON.stringify({ code: rsp.code, stderr: err.length })}\n`);
  return Buffer.concat([header, err, Buffer.from(rsp.stdout, 'utf8')]);
}

/** The response in a complete message, or undefined when the message is not one. */
export function decodeResponse(message: Buffer): ServeResponse | undefined {
  const nl = message.indexOf(0x0a);
  if (nl < 0) return undefined;
  let header: unknown;
  try {
    header = JSON.parse(message.subarray(0, nl).toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof header !== 'object' || header === null) return undefined;
  const h = header as Record<string, unknown>;
  if (h.stale === true) return { stale: true };
  if (typeof h.refused === 'string') return { refused: h.refused };
  if (typeof h.code !== 'number' || typeof h.stderr !== 'number') return undefined;
  const body = nl + 1;
  if (message.length < body + h.stderr) return undefined;
  return {
    code: h.code,
    stdout: message.subarray(body + h.stderr).toString('utf8'),
    stderr: message.subarray(body, body + h.stderr).toString('utf8'),
  };
}
