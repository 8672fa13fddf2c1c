import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yaml from 'js-yaml';
import { TOOLS_BIN } from './functions.js';

export type KubeObject = Record<string, unknown>;

/** YAML text, a parsed object (or list of objects, written as a stream), or an existing file. */
export type RenderInput = string | KubeObject | KubeObject[] | { path: string };

export interface CrossplaneRenderOptions {
  xr: RenderInput;
  composition: RenderInput;
  /** functions.yaml: usually `{ path: running.functionsFile }` from startFunctions(). */
  functions: RenderInput;
  observed?: RenderInput;
  xrd?: RenderInput;
  requiredResources?: RenderInput;
  includeResults?: boolean;
  includeContext?: boolean;
  includeFullXr?: boolean;
  contextValues?: Record<string, unknown>;
  /** Go duration passed to --timeout, e.g. '30s'. */
  timeout?: string;
  binary?: string;
  extraArgs?: string[];
  /** Working directory of the CLI (relative { path } inputs resolve against it). */
  cwd?: string;
}

export interface CrossplaneRenderResult {
  stdout: string;
  stderr: string;
  code: number;
  args: string[];
}

function isPathRef(input: RenderInput): input is { path: string } {
  return (
    typeof input === 'object' &&
    !Array.isArray(input) &&
    typeof input.path === 'string' &&
    Object.keys(input).length === 1
  );
}

function toYaml(input: Exclude<RenderInput, { path: string }>): string {
  if (typeof input === 'string') return input;
  const docs = Array.isArray(input) ? input : [input];
  return docs.map((doc) => `---\n${yaml.dump(doc, { lineWidth: -1, noRefs: true })}`).join('');
}

/** Runs `.tools/bin/crossplane render` with the inputs written to temporary files. */
export async function crossplaneRender(options: CrossplaneRenderOptions): Promise<CrossplaneRenderResult> {
  const dir = mkdtempSync(join(tmpdir(), 'envstack-render-'));
  try {
    const file = (name: string, input: RenderInput): string => {
      if (isPathRef(input)) return input.path;
      const path = join(dir, name);
      writeFileSync(path, toYaml(input));
      return path;
    };
    const args = [
      'render',
      file('xr.yaml', options.xr),
      file('composition.yaml', options.composition),
      file('functions.yaml', options.functions),
    ];
    if (options.observed !== undefined)
      args.push(`--observed-resources=${file('observed.yaml', options.observed)}`);
    if (options.xrd !== undefined) args.push(`--xrd=${file('xrd.yaml', options.xrd)}`);
    if (options.requiredResources !== undefined) {
      args.push(`--required-resources=${file('required.yaml', options.requiredResources)}`);
    }
    if (options.includeResults) args.push('--include-function-results');
    if (options.includeContext) args.push('--include-context');
    if (options.includeFullXr) args.push('--include-full-xr');
    for (const [key, value] of Object.entries(options.contextValues ?? {})) {
      args.push(`--context-values=${key}=${JSON.stringify(value)}`);
    }
    args.push(`--timeout=${options.timeout ?? '60s'}`, ...(options.extraArgs ?? []));
    return await run(options.binary ?? join(TOOLS_BIN, 'crossplane'), args, options.cwd);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(binary: string, args: string[], cwd?: string): Promise<CrossplaneRenderResult> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(binary, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', (err) => reject(new Error(`cannot run ${binary}: ${err.message}`)));
    child.once('close', (code, signal) =>
      resolveRun({
        stdout: Buffer.concat(stdout).toString(),
        stderr: Buffer.concat(stderr).toString(),
        code: code ?? (signal ? 128 : 1),
        args,
      }),
    );
  });
}
