import type { Unstructured } from '../core/json.js';
import { defineCommand, flavorOf, parseCommandArgs, UsageError } from './args.js';

export const validate = defineCommand({
  name: 'validate',
  summary: 'check claims (schema + CEL rules) and every composed resource against the provider CRDs',
  synopsis: ['envstack validate FILE... [--flavor claim|namespaced|both] [--crds DIR | --crds-from-cluster]'],
  details: `Checks each claim in each FILE as the API server would (OpenAPI schema and CEL rules), renders
it, and checks every composed resource against the provider CRDs. Prints one line per problem,
\`FILE: field.path: message\`, and \`FILE: valid\` on stderr for a file without any; exits 1 when a
file has a problem.

  --flavor claim|namespaced|both   the composition flavors to check (default both)
  --crds DIR                       the folder of provider CRDs to check against (default:
                                   $ENVSTACK_CRDS, else the schema bundle shipped with envstack)
  --crds-from-cluster              read those CRDs from the cluster in the kubeconfig, so the check
                                   matches what is installed there
  --group GROUP                    the API group of the XRDs (default platform.envstack.dev)`,
  examples: [
    'envstack validate examples/dev.yaml examples/prod.yaml',
    'envstack validate examples/prod-dr.yaml --flavor claim',
  ],
  async run(args) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        flavor: { type: 'string' },
        crds: { type: 'string' },
        'crds-from-cluster': { type: 'boolean' },
        group: { type: 'string' },
      },
      true,
    );
    if (positionals.length === 0) throw new UsageError('validate takes one or more FILEs');
    const flavors = flavorOf(values.flavor, true);
    const { readDocuments } = await import('./documents.js');
    const { validateClaimIn, formatProblem, validateRendered } =
      await import('../platform/validate/index.js');
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
  },
});
