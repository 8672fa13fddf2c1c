/** Runs an Argo CD health script with a real Lua 5.1 interpreter, the dialect Argo CD's gopher-lua implements. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../delivery/helm.js';

export interface Health {
  status: string;
  message: string;
}

export function installLua(): void {
  execFileSync('bash', [join(repoRoot, 'scripts', 'install-lua.sh')], { stdio: 'pipe' });
}

/** A Lua 5.1 string literal: ASCII kept, everything else as decimal byte escapes. */
function luaString(s: string): string {
  let out = '"';
  for (const byte of Buffer.from(s, 'utf8')) {
    const ch = String.fromCharCode(byte);
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (byte >= 0x20 && byte < 0x7f) out += ch;
    else out += `\\${byte}`;
  }
  return `${out}"`;
}

/** A Lua table constructor for a JSON value, as Argo CD hands the object to the script (null fields absent). */
export function toLua(value: unknown): string {
  if (value === null || value === undefined) return 'nil';
  if (typeof value === 'string') return luaString(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'nil';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `{${value.map(toLua).join(', ')}}`;
  const entries = Object.entries(value as Record<string, unknown>).filter(
    ([, v]) => v !== null && v !== undefined,
  );
  return `{${entries.map(([k, v]) => `[${luaString(k)}] = ${toLua(v)}`).join(', ')}}`;
}

let dir: string | undefined;
let counter = 0;

/**
 * The interpreters a health check runs in: Debian's Lua 5.1, and gopher-lua — the Go implementation
 * Argo CD embeds — built by scripts/install-tools.sh into .tools/bin/gopher-lua.
 */
export type LuaInterpreter = 'lua5.1' | 'gopher-lua';
export const GOPHER_LUA = join(repoRoot, '.tools', 'bin', 'gopher-lua');

/** Argo CD's contract: the script sees the live object as the global `obj` and returns `{status, message}`. */
export function runHealth(script: string, obj: unknown, interpreter: LuaInterpreter = 'lua5.1'): Health {
  dir ??= mkdtempSync(join(tmpdir(), 'envstack-lua-'));
  const program = join(dir, `case-${counter++}.lua`);
  writeFileSync(
    program,
    [
      `obj = ${toLua(obj)}`,
      `local check = assert(loadfile(${luaString(script)}))`,
      'local hs = check()',
      'io.write(tostring(hs.status), "\\n", tostring(hs.message))',
      '',
    ].join('\n'),
  );
  const out = execFileSync(interpreter === 'lua5.1' ? 'lua5.1' : GOPHER_LUA, [program], { encoding: 'utf8' });
  const [status, ...message] = out.split('\n');
  return { status, message: message.join('\n') };
}
