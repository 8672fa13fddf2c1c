// The client side of `envstack serve` (src/server/): plain JavaScript, so it starts without TypeScript
// tooling and loads nothing but Node's own modules.
import { existsSync, lstatSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

// Keep in step with src/server/protocol.ts (a test checks they agree).
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

export function socketPath(dir, env = process.env) {
  if (env.ENVSTACK_SOCKET) return env.ENVSTACK_SOCKET;
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  return join(env.XDG_RUNTIME_DIR || tmpdir(), `envstack-${uid}`, `${fnv1a(dir)}.sock`);
}

/** The server's answer, or undefined when there is none to be had (no server, stale, broken). */
function askServer(socket, argv) {
  return new Promise((done) => {
    const conn = createConnection(socket);
    const env = Object.fromEntries(
      FORWARDED_ENV.filter((k) => k in process.env).map((k) => [k, process.env[k]]),
    );
    let text = '';
    conn.setEncoding('utf8');
    conn.once('connect', () => conn.write(`${JSON.stringify({ v: 1, argv, cwd: process.cwd(), env })}\n`));
    conn.on('data', (chunk) => (text += chunk));
    conn.once('error', () => done(undefined));
    conn.once('end', () => {
      try {
        const rsp = JSON.parse(text);
        done(typeof rsp.code === 'number' ? rsp : undefined);
      } catch {
        done(undefined);
      }
    });
  });
}

function ownedByMe(path) {
  try {
    const st = lstatSync(dirname(path));
    return typeof process.getuid !== 'function' || st.uid === process.getuid();
  } catch {
    return false;
  }
}

export async function viaServer(root, argv) {
  if (!SERVED_COMMANDS.has(argv[0]) || argv.includes('-') || process.env.ENVSTACK_NO_SERVER) return undefined;
  const socket = socketPath(root);
  if (!existsSync(socket) || !ownedByMe(socket)) return undefined;
  return askServer(socket, argv);
}
