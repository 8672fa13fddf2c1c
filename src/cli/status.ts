import { defineCommand, parseCommandArgs, UsageError } from './args.js';

/** NAME and -n NAMESPACE, as `status` and `drift` take them. */
export function nameAndNamespace(args: string[]) {
  const { values, positionals } = parseCommandArgs(
    args,
    { namespace: { type: 'string', short: 'n' }, watch: { type: 'boolean', short: 'w' } },
    true,
  );
  if (positionals.length !== 1)
    throw new UsageError('takes exactly one NAME (the claim, or the namespaced XR)');
  return { name: positionals[0], namespace: values.namespace ?? 'default', watch: Boolean(values.watch) };
}

export const status = defineCommand({
  name: 'status',
  summary: 'components with progress bars and the blocking error, from the cluster (kubeconfig)',
  synopsis: ['envstack status NAME [-n NAMESPACE] [--watch]'],
  details: `Reads the PlatformEnvironment NAME (the claim, or the namespaced XR) through your kubeconfig and
prints the status the controller wrote: phase, components ready, each component's progress, the
error that blocks it and how much drift there is.

  -n, --namespace NAMESPACE   where NAME lives (default default)
  -w, --watch                 print again on every change until the environment is Ready`,
  examples: ['envstack status payments-dev -n team-payments --watch'],
  async run(args) {
    const { name, namespace, watch } = nameAndNamespace(args);
    const { statusCommand } = await import('../ops/controller/report.js');
    await statusCommand(name, namespace, { watch });
    return 0;
  },
});
