/** `envstack sandbox up|apply|check|down` (and the stand-in process the sandbox starts). */
import { existsSync, readdirSync, statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import jsYaml from 'js-yaml';
import type { Flavor } from '../platform/compose/flavor.js';
import { type Unstructured, isObject } from '../core/json.js';
import type { SandboxState } from '../ops/sandbox/sandbox.js';
import { defineCommand, parseCommandArgs, UsageError } from './args.js';

function claimFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths) {
    if (!existsSync(p)) throw new UsageError(`${p}: no such file or folder`);
    if (statSync(p).isDirectory())
      out.push(
        ...readdirSync(p)
          .filter((f) => /\.ya?ml$/.test(f))
          .sort()
          .map((f) => join(p, f)),
      );
    else out.push(p);
  }
  return out;
}

function claimsOf(files: readonly string[]): { file: string; claim: Unstructured }[] {
  const out: { file: string; claim: Unstructured }[] = [];
  for (const file of files)
    for (const doc of jsYaml.loadAll(readFileSync(file, 'utf8')))
      if (isObject(doc) && doc.kind === 'PlatformEnvironment') {
        const claim = doc as Unstructured;
        claim.metadata = { namespace: 'default', ...(claim.metadata ?? {}) };
        out.push({ file, claim });
      }
  return out;
}

async function stateOf(dir: string): Promise<SandboxState> {
  const { readSandboxState, sandboxRunning } = await import('../ops/sandbox/sandbox.js');
  const state = readSandboxState(dir);
  if (!state || !sandboxRunning(dir))
    throw new UsageError(
      `no sandbox is running in ${dir}: start one with 'envstack sandbox up --dir ${dir}'`,
    );
  return state;
}

async function kubeConfigOf(state: SandboxState): Promise<KubeConfig> {
  const { KubeConfig } = await import('@kubernetes/client-node');
  const kc = new KubeConfig();
  kc.loadFromFile(state.kubeconfig);
  return kc;
}

interface ClaimStatus {
  ready: boolean;
  phase?: string;
  blocking?: string;
}

async function claimStatus(kc: KubeConfig, state: SandboxState, claim: Unstructured): Promise<ClaimStatus> {
  const { CustomObjectsApi } = await import('@kubernetes/client-node');
  const { apiNames, API_VERSION } = await import('../platform/compose/xrd.js');
  const api = kc.makeApiClient(CustomObjectsApi);
  const names = apiNames(state.flavor, state.group);
  try {
    const live = (await api.getNamespacedCustomObject({
      group: state.group,
      version: API_VERSION,
      namespace: claim.metadata?.namespace ?? 'default',
      plural: state.flavor === 'claim' ? 'platformenvironments' : names.compositePlural,
      name: claim.metadata?.name ?? '',
    })) as Unstructured;
    const status = (live.status ?? {}) as {
      conditions?: { type: string; status: string }[];
      phase?: string;
      blockingError?: { resource?: string; kind?: string; message?: string };
    };
    const ready = (status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
    const b = status.blockingError;
    return {
      ready,
      phase: status.phase,
      blocking: b?.message ? `${b.kind ?? ''} ${b.resource ?? ''}: ${b.message}`.trim() : undefined,
    };
  } catch {
    return { ready: false };
  }
}

async function up(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    dir: { type: 'string' },
    flavor: { type: 'string' },
    'crossplane-breaker-defaults': { type: 'boolean' },
  });
  const { defaultSandboxDir, sandboxRunning, startSandbox } = await import('../ops/sandbox/sandbox.js');
  const dir = values.dir ?? defaultSandboxDir();
  const flavor = (values.flavor ?? 'claim') as Flavor;
  if (flavor !== 'claim' && flavor !== 'namespaced')
    throw new UsageError(`--flavor must be claim or namespaced, got "${String(values.flavor)}"`);
  if (sandboxRunning(dir))
    throw new UsageError(
      `a sandbox is already running in ${dir}: 'envstack sandbox down --dir ${dir}' first`,
    );
  const started = Date.now();
  const sb = await startSandbox({
    dir,
    flavor,
    tiedToParent: false,
    ...(values['crossplane-breaker-defaults'] ? { circuitBreaker: {} } : {}),
    progress: (m) => process.stderr.write(`sandbox: ${m}\n`),
  });
  sb.kube.supervisor.detach();
  process.stderr.write(
    `sandbox: ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${flavor} flavor)\n`,
  );
  process.stdout.write(`kubeconfig: ${sb.state.kubeconfig}\nexport KUBECONFIG=${sb.state.kubeconfig}\n`);
  return 0;
}

async function apply(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    { dir: { type: 'string' }, timeout: { type: 'string' } },
    true,
  );
  if (positionals.length === 0)
    throw new UsageError('sandbox apply takes one or more claim files or folders');
  const { defaultSandboxDir, waitFor } = await import('../ops/sandbox/sandbox.js');
  const { tool } = await import('../ops/sandbox/tools.js');
  const { spawnSync } = await import('node:child_process');
  const state = await stateOf(values.dir ?? defaultSandboxDir());
  const timeoutMs = Number(values.timeout ?? 600) * 1000;
  const files = claimFiles(positionals);
  const claims = claimsOf(files);
  const kubectl = tool('kubectl');
  for (const { claim } of claims) {
    const ns = claim.metadata?.namespace ?? 'default';
    spawnSync(kubectl, ['--kubeconfig', state.kubeconfig, 'create', 'namespace', ns], { encoding: 'utf8' });
    const res = spawnSync(kubectl, ['--kubeconfig', state.kubeconfig, 'apply', '-f', '-'], {
      input: JSON.stringify(claim),
      encoding: 'utf8',
    });
    process.stderr.write(res.stdout + res.stderr);
    if (res.status !== 0) return 1;
  }
  const kc = await kubeConfigOf(state);
  let failed = 0;
  for (const { claim } of claims) {
    const label = `${claim.metadata?.namespace}/${claim.metadata?.name}`;
    const started = Date.now();
    let last = '';
    try {
      const s = await waitFor(
        `${label} to be Ready`,
        async () => {
          const st = await claimStatus(kc, state, claim);
          const line = `${label}: ${st.phase ?? 'Pending'}${st.blocking ? ` (blocked: ${st.blocking})` : ''}`;
          if (line !== last) process.stderr.write(`${line}\n`);
          last = line;
          // Crossplane's Ready can come before resources gated on observed values exist; with the
          // controller running, its phase counts every resource the composition will create.
          return st.ready && (!state.controllerMetrics || st.phase === 'Ready') ? st : false;
        },
        timeoutMs,
        1000,
      );
      process.stdout.write(
        `${label}: Ready in ${((Date.now() - started) / 1000).toFixed(1)} s${s.phase ? ` (${s.phase})` : ''}\n`,
      );
    } catch {
      failed++;
      process.stdout.write(`${label}: not Ready after ${timeoutMs / 1000} s: ${last}\n`);
    }
  }
  return failed === 0 ? 0 : 1;
}

async function check(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, { dir: { type: 'string' } }, true);
  if (positionals.length === 0)
    throw new UsageError('sandbox check takes one or more claim files or folders');
  const { defaultSandboxDir } = await import('../ops/sandbox/sandbox.js');
  const { checkClaim } = await import('../ops/sandbox/check.js');
  const state = await stateOf(values.dir ?? defaultSandboxDir());
  const kc = await kubeConfigOf(state);
  const claims = claimsOf(claimFiles(positionals));
  let equal = 0;
  for (const { claim } of claims) {
    const r = await checkClaim(kc, state.flavor, claim, state.group);
    if (r.equal) {
      equal++;
      process.stdout.write(`${r.claim}: equal (${r.live} managed resources)\n`);
    } else {
      process.stdout.write(`${r.claim}: differs (${r.live} composed, ${r.predicted} predicted)\n`);
      for (const d of r.differences.slice(0, 50)) process.stdout.write(`  ${d}\n`);
    }
  }
  process.stdout.write(`${claims.length} claims: ${equal} equal, ${claims.length - equal} differ\n`);
  return equal === claims.length ? 0 : 1;
}

async function down(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, { dir: { type: 'string' } });
  const { defaultSandboxDir, stopSandbox } = await import('../ops/sandbox/sandbox.js');
  const dir = values.dir ?? defaultSandboxDir();
  const stopped = await stopSandbox(dir);
  process.stdout.write(
    stopped.length ? `stopped ${stopped.join(', ')}\n` : `nothing was running in ${dir}\n`,
  );
  return 0;
}

/** The provider stand-in as a process (started by `sandbox up`). */
async function standin(args: string[]): Promise<number> {
  const { values } = parseCommandArgs(args, {
    flavor: { type: 'string' },
    faults: { type: 'string' },
    cloud: { type: 'string' },
  });
  const { KubeConfig } = await import('@kubernetes/client-node');
  const { providerKinds } = await import('../ops/sandbox/sandbox.js');
  const { createStandIn } = await import('../ops/sandbox/standin.js');
  const kc = new KubeConfig();
  kc.loadFromDefault();
  const s = createStandIn({
    kubeConfig: kc,
    kinds: providerKinds((values.flavor ?? 'claim') as Flavor),
    faultsFile: values.faults,
    cloudFile: values.cloud,
    log: (m) => process.stderr.write(`${new Date().toISOString()} ${m}\n`),
  });
  process.once('SIGTERM', () => s.stop());
  process.once('SIGINT', () => s.stop());
  await s.run();
  return 0;
}

const SUBCOMMANDS: Record<string, (args: string[]) => Promise<number>> = { up, apply, check, down, standin };

export const sandbox = defineCommand({
  name: 'sandbox',
  summary:
    'a local control plane (real kube-apiserver, Crossplane core, provider stand-in, controller) on loopback',
  synopsis: [
    'envstack sandbox up [--dir DIR] [--flavor claim|namespaced] [--crossplane-breaker-defaults]',
    'envstack sandbox apply FILE|DIR... [--dir DIR] [--timeout SECONDS]',
    'envstack sandbox check FILE|DIR... [--dir DIR]',
    'envstack sandbox down [--dir DIR]',
  ],
  details: `A local control plane on loopback: real etcd and kube-apiserver, real Crossplane core with the
composition functions, a provider stand-in in place of AWS, and the envstack controller. No cloud
account, no cluster, no Docker.

  up      start everything, install the chart, and return; prints the kubeconfig and an export line
  apply   kubectl apply the claims and wait until each is Ready or names what blocks it
  check   compare what Crossplane composed for each claim with 'envstack render --converge'
  down    stop every process of the sandbox

--dir defaults to $ENVSTACK_SANDBOX_DIR or ~/.local/state/envstack/sandbox.
Crossplane's XR circuit breaker is widened in the sandbox (burst 50000, 100 events/s): with its
defaults (burst 100, 1/s) creating an environment opens it, and an XR can then wait long for its last
resources. --crossplane-breaker-defaults runs Crossplane with its own defaults, as a cluster does.`,
  examples: [
    'envstack sandbox up && export KUBECONFIG=~/.local/state/envstack/sandbox/admin.kubeconfig',
    'envstack sandbox apply examples/dev.yaml',
    'envstack sandbox check examples/',
    'envstack sandbox down',
  ],
  async run(args) {
    const [sub, ...rest] = args;
    if (!sub) {
      console.log(sandbox.usage);
      return 2;
    }
    // -h, --help and unknown flags before the sub-command
    if (sub.startsWith('-')) parseCommandArgs([sub], {});
    const run = SUBCOMMANDS[sub];
    if (!run) throw new UsageError(`unknown sandbox command "${sub}" (up, apply, check, down)`);
    return run(rest);
  },
});
