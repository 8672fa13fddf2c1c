import { defineCommand } from './args.js';
import { nameAndNamespace } from './status.js';

export const drift = defineCommand({
  name: 'drift',
  summary: 'spec and cloud drift as a table: resource, field, want, have, since',
  synopsis: ['envstack drift NAME [-n NAMESPACE]'],
  details: `Prints the drift the controller found for the PlatformEnvironment NAME, one row per field; where
the status had to leave items out or cut values, computes every item in full from the live
resources, as the controller does.

  -n, --namespace NAMESPACE   where NAME lives (default default)`,
  examples: ['envstack drift payments-dev -n team-payments'],
  async run(args) {
    const { name, namespace } = nameAndNamespace(args);
    const { driftCommand } = await import('../ops/controller/report.js');
    await driftCommand(name, namespace);
    return 0;
  },
});
