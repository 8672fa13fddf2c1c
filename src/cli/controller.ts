import { defineCommand, flavorOf, parseCommandArgs, UsageError } from './args.js';

function wholeNumber(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`--${name} takes a whole number, got "${value}"`);
  return n;
}

export const controller = defineCommand({
  name: 'controller',
  summary: 'run the status/drift controller (in the cluster; see the Helm chart)',
  synopsis: [
    'envstack controller [--flavor claim|namespaced] [--workers N] [--metrics-port P] [--no-leader-election]',
  ],
  details: `Watches every PlatformEnvironment through the kubeconfig (in-cluster: the pod's service account)
and writes its phase, per-component progress, the blocking error and drift into its status, with
Events and Prometheus metrics. Runs until SIGTERM or SIGINT.

  --flavor claim|namespaced   the composition flavor of the environments it watches (default claim)
  --workers N                 environments reconciled at once (default 2)
  --metrics-port P            where /metrics and the health probes listen (default 8080)
  --no-leader-election        reconcile without holding the Lease (one replica only)
  --lease-namespace NS        the Lease's namespace (default: $POD_NAMESPACE)
  --no-spec-drift             report cloud drift only, without rendering the Composition
  --group GROUP               the API group of the XRDs (default platform.envstack.dev)`,
  examples: ['envstack controller --no-leader-election --metrics-port 9090  # against your kubeconfig'],
  async run(args) {
    const { values } = parseCommandArgs(args, {
      flavor: { type: 'string' },
      group: { type: 'string' },
      workers: { type: 'string' },
      'metrics-port': { type: 'string' },
      'leader-election': { type: 'boolean', default: true },
      'no-leader-election': { type: 'boolean' },
      'lease-namespace': { type: 'string' },
      'spec-drift': { type: 'boolean', default: true },
      'no-spec-drift': { type: 'boolean' },
    });
    const [flavor] = flavorOf(values.flavor);
    const { runController } = await import('../ops/controller/index.js');
    const running = await runController({
      flavor,
      group: values.group,
      workers: wholeNumber('workers', values.workers),
      metricsPort: wholeNumber('metrics-port', values['metrics-port']),
      leaderElection: !values['no-leader-election'],
      leaseNamespace: values['lease-namespace'] ?? process.env.POD_NAMESPACE,
      specDrift: !values['no-spec-drift'],
    });
    // runController stops gracefully on SIGTERM/SIGINT and exits the process itself.
    await new Promise<never>(() => void running);
    return 0;
  },
});
