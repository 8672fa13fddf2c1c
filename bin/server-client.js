// The Node side of `envstack serve` (src/ops/server/protocol.ts has the wire format): plain JavaScript, so it
// starts without TypeScript tooling and loads nothing but Node's own modules.
import { lstatSync, readFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Keep in step with src/ops/server/protocol.ts and bin/envstack (a test checks all three agree).
const PROTOCOL = 'envstack/1';
const SERVED_COMMANDS = new Set(['render', 'validate', 'lint', 'graph']);
const FORWARDED_ENV = ['ENVSTACK_CRDS'];

function fnv1a(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

export function addressFile(root, env = process.env) {
  if (env.ENVSTACK_SERVE_FILE) return env.ENVSTACK_SERVE_FILE;
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return join(env.XDG_RUNTIME_DIR || tmpdir(), `envstack-${uid}`, `${fnv1a(root)}.addr`);
}

/** `PORT TOKEN` from a file this user owns, or undefined. */
function readAddress(file) {
  try {
    const st = lstatSync(file);
    if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return undefined;
    const [port, token] = readFileSync(file, 'utf8').trim().split(' ');
    return /^[0-9]+$/.test(port) && token ? { port: Number(port), token } : undefined;
  } catch {
    return undefined;
  }
}

function request(token, argv) {
  const env = FORWARDED_ENV.filter((k) => k in process.env).map((k) => `${k}=${process.env[k]}`);
  const fields = [PROTOCOL, token, process.cwd(), String(env.length), ...env, String(argv.length), ...argv];
  return fields.map((f) => `${f}\0`).join('');
}

/** { code, stdout, stderr } as bytes, or undefined for no answer (stale, refused, broken). */
function decode(message) {
  const nl = message.indexOf(0x0a);
  if (nl < 0) return undefined;
  let header;
  try {
    header = JSON.parse(message.subarray(0, nl).toString('utf8'));
  } catch {
    return undefined;
  }
  const { code, stderr } = header ?? {};
  if (typeof code !== 'number' || typeof stderr !== 'number') return undefined;
  if (message.length < nl + 1 + stderr) return undefined;
  const body = nl + 1;
  return { code, stderr: message.subarray(body, body + stderr), stdout: message.subarray(body + stderr) };
}

/** The server's answer to this command line, or undefined when it is to run in-process. */
export function viaServer(root, argv) {
  // stdin, and the kubeconfig of --crds-from-cluster, are this process's: no server reads them.
  const local = argv.includes('-') || argv.includes('--crds-from-cluster');
  if (!SERVED_COMMANDS.has(argv[0]) || local || process.env.ENVSTACK_NO_SERVER) return undefined;
  const address = readAddress(addressFile(root));
  if (!address) return undefined;
  return new Promise((done) => {
    const conn = createConnection({ host: '127.0.0.1', port: address.port });
    const chunks = [];
    conn.once('connect', () => conn.write(request(address.token, argv)));
    conn.on('data', (chunk) => chunks.push(chunk));
    conn.once('error', () => done(undefined));
    conn.once('end', () => done(decode(Buffer.concat(chunks))));
  });
}
