#!/usr/bin/env node
/**
 * envstack: synth, render, validate (and the commands later issues add). Errors are one line each,
 * `FILE: field.path: message`, never a stack trace.
 */
import { loadAllYaml, YAMLException } from '../engine/index.js';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import type { Flavor } from '../platform/compose/flavor.js';
import type { Unstructured } from '../core/json.js';
import { PACKAGE_ROOT } from '../core/paths.js';

const repoRoot = PACKAGE_ROOT;

export class UsageError extends Error {}

const usage = `envstack — one PlatformEnvironment claim, a whole AWS environment

Usage:
  envstack synth [--group GROUP] [--out DIR]
  envstack render CLAIM [--observed FILE|DIR] [--flavor claim|namespaced] [-r] [--summary]
  envstack render CLAIM --converge [--max-rounds N]
  envstack validate FILE... [--flavor claim|namespaced|both] [--crds DIR | --crds-from-cluster]
  envstack lint [CLAIM...|DIR] [-o text|json|sarif] [--flavor claim|namespaced|both] [--rendered FILE|-] [--budget-error-factor N]
  envstack graph CLAIM [-o mermaid|dot] [--flavor claim|namespaced]
  envstack cost CLAIM... [--usage FILE] [--prices FILE]... [--format text|markdown|json]
  envstack cost --diff BASE.yaml NEW.yaml [--format text|markdown|json]
  envstack status NAME [-n NAMESPACE] [--watch]
  envstack drift NAME [-n NAMESPACE]
  envstack controller [--flavor claim|namespaced] [--workers N] [--metrics-port P] [--no-leader-election]
  envstack serve [--address-file PATH] [--idle-timeout MINUTES]
  envstack sandbox up|apply|check|down [--dir DIR] [FILE|DIR...]

Commands:
  synth      write xrds/ and compositions/ (both flavors) from src/
  render     print what \`crossplane render\` prints for CLAIM: the XR, then each composed resource
  validate   check claims (schema + CEL rules) and every composed resource against the provider CRDs
  lint       production-readiness rules (from the seeds' post-mortems) over rendered resources
  graph      the environment's resources by component, with their references, as Mermaid or DOT
  cost       what the claim costs a month, per component and resource, from list prices (or --diff two claims)
  status     components with progress bars and the blocking error, from the cluster (kubeconfig)
  drift      spec and cloud drift as a table: resource, field, want, have, since
  controller run the status/drift controller (in the cluster; see the Helm chart)
  serve      keep the CLI loaded: render, validate, lint and graph are answered from it, same output, far sooner
  sandbox    a local control plane (real kube-apiserver, Crossplane core, provider stand-in, controller) on loopback
`;

function flavorOf(value: string | undefined, allowBoth = false): Flavor[] {
  const v = value ?? (allowBoth ? 'both' : 'claim');
  if (v === 'claim' || v === 'namespaced') return [v];
  if (allowBoth && v === 'both') return ['claim', 'namespaced'];
  throw new UsageError(`--flavor must be claim or namespaced${allowBoth ? ' or both' : ''}, got "${v}"`);
}

/** Reads one or more YAML documents, with messages a person can act on. */
export function readDocuments(file: string): Unstructured[] {
  if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
  let docs: unknown[];
  try {
    docs = loadAllYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    const reason = e instanceof YAMLException ? e.reason : String(e);
    const line = e instanceof YAMLException ? `:${e.mark.line + 1}` : '';
    throw new UsageError(`${file}${line}: not valid YAML: ${reason}`);
  }
  const objects = docs.filter((d) => d !== null && d !== undefined);
  if (objects.length === 0) throw new UsageError(`${file}: no YAML document in the file`);
  for (const d of objects) {
    if (typeof d !== 'object' || Array.isArray(d))
      throw new UsageError(
        `${file}: expected a Kubernetes object, got ${Array.isArray(d) ? 'a list' : typeof d}`,
      );
  }
  return objects as Unstructured[];
}

async function cmdSynth(args: string[]): Promise<number> {
  const { values } = parseArgs({ args, options: { group: { type: 'string' }, out: { type: 'string' } } });
  const { synthesize, writeSynthesized } = await import('../platform/compose/app.js');
  const root = values.out ?? repoRoot;
  const files = writeSynthesized(root, await synthesize({ group: values.group }));
  const { synthChart } = await import('../platform/delivery/index.js');
  files.push(...synthChart(root));
  const { updateDocs } = await import('../platform/docs/generate.js');
  files.push(...(await updateDocs(root)));
  for (const f of files) console.log(`wrote ${f}`);
  return 0;
}

function summary(composed: Unstructured[]): string {
  const counts = new Map<string, number>();
  for (const r of composed)
    counts.set(
      `${r.kind} (${String(r.apiVersion).split('/')[0]})`,
      (counts.get(`${r.kind} (${String(r.apiVersion).split('/')[0]})`) ?? 0) + 1,
    );
  const rows = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b));
  const width = Math.max(...rows.map(([k]) => k.length), 4);
  return [
    `${'KIND'.padEnd(width)}  COUNT`,
    ...rows.map(([k, n]) => `${k.padEnd(width)}  ${n}`),
    `${'TOTAL'.padEnd(width)}  ${composed.length}`,
  ].join('\n');
}

async function cmdRender(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      observed: { type: 'string' },
      flavor: { type: 'string' },
      group: { type: 'string' },
      'include-function-results': { type: 'boolean', short: 'r' },
      summary: { type: 'boolean' },
      converge: { type: 'boolean' },
      'max-rounds': { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new UsageError('render takes exactly one CLAIM file');
  const [file] = positionals;
  const [flavor] = flavorOf(values.flavor);
  const [claim] = readDocuments(file);
  const { validateClaim, formatProblem } = await import('../platform/validate/index.js');
  const problems = validateClaim(claim, { group: values.group, flavor });
  if (problems.length) {
    for (const p of problems) console.error(formatProblem(file, p));
    return 1;
  }
  if (values.converge) {
    const maxRounds = Number(values['max-rounds'] ?? 10);
    if (!Number.isInteger(maxRounds) || maxRounds < 1)
      throw new UsageError('--max-rounds takes a whole number ≥ 1');
    if (values.summary) {
      const { convergeClaim, formatConvergeReport, convergeFailed } =
        await import('../platform/render/converge.js');
      const { result, report } = await convergeClaim({ claim, flavor, group: values.group, maxRounds });
      console.log(
        `${file} (${flavor} flavor): ${result.composed.length} composed resources once converged (${report.rounds} renders; the first render has ${report.history[0]?.length ?? 0})\n`,
      );
      console.log(summary(result.composed));
      for (const line of formatConvergeReport(report)) console.error(line);
      return convergeFailed(report) ? 1 : 0;
    }
    const { renderConverged } = await import('../platform/render/converge.js');
    const out = await renderConverged({
      claim,
      flavor,
      group: values.group,
      maxRounds,
      includeFunctionResults: values['include-function-results'],
    });
    process.stdout.write(out.stdout);
    for (const line of out.stderr) console.error(line);
    return out.code;
  }
  const { renderClaim, readYamlDocuments } = await import('../platform/render/service.js');
  if (values.observed && !existsSync(values.observed))
    throw new UsageError(`${values.observed}: no such file or folder`);
  const observed = values.observed ? readYamlDocuments(values.observed) : [];
  const { formatRenderOutput, RenderError } = await import('../engine/index.js');
  try {
    const result = await renderClaim({ claim, flavor, observed, group: values.group });
    if (values.summary) {
      console.log(`${file} (${flavor} flavor): ${result.composed.length} composed resources\n`);
      console.log(summary(result.composed));
    } else {
      process.stdout.write(
        formatRenderOutput(result, { includeFunctionResults: values['include-function-results'] }),
      );
    }
  } catch (e) {
    if (e instanceof RenderError) {
      console.error(`${file}: cannot render composite resource: ${e.message}`);
      return 1;
    }
    throw e;
  }
  return 0;
}

async function cmdValidate(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      flavor: { type: 'string' },
      crds: { type: 'string' },
      'crds-from-cluster': { type: 'boolean' },
      group: { type: 'string' },
    },
  });
  if (positionals.length === 0) throw new UsageError('validate takes one or more FILEs');
  const flavors = flavorOf(values.flavor, true);
  const { validateClaimIn, formatProblem, validateRendered } = await import('../platform/validate/index.js');
  const { validateCrdIndex } = await import('./cluster-crds.js');
  const crds = await validateCrdIndex({ crds: values.crds, fromCluster: values['crds-from-cluster'] });
  if ('error' in crds) throw new UsageError(crds.error);
  const { renderClaim } = await import('../platform/render/service.js');
  const { RenderError } = await import('../engine/index.js');
  let failed = 0;
  for (const file of positionals) {
    let docs: Unstructured[];
    try {
      docs = readDocuments(file);
    } catch (e) {
      console.error(e instanceof Error ? e.message : String(e));
      failed++;
      continue;
    }
    const lines: string[] = [];
    for (const doc of docs) {
      const problems = validateClaimIn(doc, flavors, { group: values.group });
      lines.push(...problems.map((p) => formatProblem(file, p)));
      if (problems.length) continue;
      for (const flavor of flavors) {
        try {
          const result = await renderClaim({ claim: doc, flavor, group: values.group });
          const rendered = validateRendered(result.composed, crds.index());
          lines.push(...rendered.map((p) => `${file}: [${flavor}] ${p.path}: ${p.message}`));
        } catch (e) {
          if (!(e instanceof RenderError)) throw e;
          lines.push(`${file}: [${flavor}] cannot render composite resource: ${e.message}`);
        }
      }
    }
    for (const l of lines) console.log(l);
    if (lines.length) failed++;
    else console.error(`${file}: valid`);
  }
  return failed ? 1 : 0;
}

async function cmdController(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      flavor: { type: 'string' },
      group: { type: 'string' },
      workers: { type: 'string' },
      'metrics-port': { type: 'string' },
      'leader-election': { type: 'boolean', default: true },
      'no-leader-election': { type: 'boolean' },
      'lease-namespace': { type: 'string' },
      'spec-drift': { type: 'boolean', default: true },
      'no-spec-drift': { type: 'boolean' },
    },
  });
  const [flavor] = flavorOf(values.flavor);
  const int = (name: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} takes a whole number, got "${v}"`);
    return n;
  };
  const { runController } = await import('../ops/controller/index.js');
  const running = await runController({
    flavor,
    group: values.group,
    workers: int('workers', values.workers),
    metricsPort: int('metrics-port', values['metrics-port']),
    leaderElection: !values['no-leader-election'],
    leaseNamespace: values['lease-namespace'] ?? process.env.POD_NAMESPACE,
    specDrift: !values['no-spec-drift'],
  });
  // runController stops gracefully on SIGTERM/SIGINT and exits the process itself.
  await new Promise<never>(() => void running);
  return 0;
}

function nameAndNamespace(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { namespace: { type: 'string', short: 'n' }, watch: { type: 'boolean', short: 'w' } },
  });
  if (positionals.length !== 1)
    throw new UsageError('takes exactly one NAME (the claim, or the namespaced XR)');
  return { name: positionals[0], namespace: values.namespace ?? 'default', values };
}

async function cmdStatus(args: string[]): Promise<number> {
  const { name, namespace, values } = nameAndNamespace(args);
  const { statusCommand } = await import('./controller.js');
  await statusCommand(name, namespace, { watch: Boolean(values.watch) });
  return 0;
}

async function cmdDrift(args: string[]): Promise<number> {
  const { name, namespace } = nameAndNamespace(args);
  const { driftCommand } = await import('./controller.js');
  await driftCommand(name, namespace);
  return 0;
}

async function cmdServe(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { 'address-file': { type: 'string' }, 'idle-timeout': { type: 'string' } },
  });
  const minutes = Number(values['idle-timeout'] ?? 60);
  if (!Number.isFinite(minutes) || minutes < 0)
    throw new UsageError('--idle-timeout takes minutes ≥ 0 (0: never stop when idle)');
  const { addressFile } = await import('../ops/server/protocol.js');
  const { serve } = await import('../ops/server/server.js');
  const file = values['address-file'] ?? addressFile(repoRoot);
  const warmUpDir = mkdtempSync(join(tmpdir(), 'envstack-serve-'));
  const claim = join(warmUpDir, 'warm-up.yaml');
  writeFileSync(claim, JSON.stringify(WARM_UP_CLAIM));
  const codeDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  let running;
  try {
    running = await serve({
      addressFile: file,
      run: main,
      watched: [
        codeDir,
        join(repoRoot, 'compositions'),
        join(repoRoot, 'package.json'),
        // npm rewrites it on every install: a dependency changed under the loaded code
        join(repoRoot, 'node_modules', '.package-lock.json'),
      ],
      idleMs: minutes * 60_000,
      warmUp: [
        { argv: ['render', claim], rounds: 30 },
        { argv: ['render', claim, '--flavor', 'namespaced'], rounds: 10 },
        { argv: ['validate', claim], rounds: 2 },
      ],
    });
  } catch (e) {
    console.error(`envstack serve: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    rmSync(warmUpDir, { recursive: true, force: true });
  }
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void running.close());
  console.error(
    `envstack serve: listening on 127.0.0.1:${running.port}, announced in ${file} (stops after ${minutes || 'no'} idle minutes)`,
  );
  await running.closed;
  return 0;
}

/** A claim that switches on every component, for the server's warm-up renders. */
const WARM_UP_CLAIM = {
  apiVersion: 'platform.envstack.dev/v1alpha1',
  kind: 'PlatformEnvironment',
  metadata: { name: 'warm-up', namespace: 'default' },
  spec: {
    project: 'warmup',
    environment: 'prod',
    owner: 'envstack',
    region: 'eu-west-1',
    network: { cidr: '10.30.0.0/16' },
    database: { engine: 'postgres' },
    loadBalancer: {
      certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000',
    },
    serverless: { enabled: true },
    dynamodb: { enabled: true },
    compliance: { cloudTrail: true, config: true, budget: { monthlyUsd: 100, email: 'finance@example.com' } },
    dr: { enabled: true, region: 'eu-central-1', cidr: '10.31.0.0/16', database: 'replica' },
    observability: { alarmEmail: 'oncall@example.com' },
  },
};

const commands: Record<string, (args: string[]) => Promise<number>> = {
  synth: cmdSynth,
  render: cmdRender,
  validate: cmdValidate,
  lint: async (args) => (await import('./lint.js')).lintCommand(args),
  graph: async (args) => (await import('./graph.js')).graphCommand(args),
  cost: async (args) => (await import('./cost.js')).costCommand(args),
  controller: cmdController,
  status: cmdStatus,
  drift: cmdDrift,
  serve: cmdServe,
  sandbox: async (args) => {
    const { sandboxCommand, SandboxUsageError } = await import('./sandbox.js');
    try {
      return await sandboxCommand(args);
    } catch (e) {
      if (e instanceof SandboxUsageError) throw new UsageError(e.message);
      throw e;
    }
  },
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    console.log(usage);
    return command ? 0 : 2;
  }
  const run = commands[command];
  if (!run) {
    console.error(`envstack: unknown command "${command}"\n\n${usage}`);
    return 2;
  }
  try {
    return await run(rest);
  } catch (e) {
    if (
      e instanceof UsageError ||
      (e instanceof Error && 'code' in e && String(e.code).startsWith('ERR_PARSE_ARGS'))
    ) {
      console.error(`envstack ${command}: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

/** Exits once stdout and stderr are written out: process.exit alone drops what a full pipe still holds. */
async function exitAfterFlush(code: number): Promise<never> {
  await Promise.all([process.stdout, process.stderr].map((s) => new Promise((r) => s.write('', r))));
  process.exit(code);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => exitAfterFlush(code),
    (e: unknown) => {
      console.error(`envstack: internal error: ${e instanceof Error ? e.message : String(e)}`);
      return exitAfterFlush(70);
    },
  );
}
