import { existsSync } from 'node:fs';
import type { Unstructured } from '../core/json.js';
import { defineCommand, flavorOf, parseCommandArgs, UsageError } from './args.js';

/** Composed resources counted by kind and API group, as `render --summary` prints them. */
function summaryTable(composed: Unstructured[]): string {
  const counts = new Map<string, number>();
  for (const r of composed) {
    const key = `${r.kind} (${String(r.apiVersion).split('/')[0]})`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const rows = [...counts.entries()].sort(([a], [b]) => a.localeCompare(b));
  const width = Math.max(...rows.map(([k]) => k.length), 4);
  return [
    `${'KIND'.padEnd(width)}  COUNT`,
    ...rows.map(([k, n]) => `${k.padEnd(width)}  ${n}`),
    `${'TOTAL'.padEnd(width)}  ${composed.length}`,
  ].join('\n');
}

export const render = defineCommand({
  name: 'render',
  summary: 'print what `crossplane render` prints for CLAIM: the XR, then each composed resource',
  synopsis: [
    'envstack render CLAIM [--observed FILE|DIR] [--flavor claim|namespaced] [-r] [--summary]',
    'envstack render CLAIM --converge [--max-rounds N]',
  ],
  details: `Validates CLAIM as the API server would, then renders it offline through the Composition,
printing the YAML stream \`crossplane render\` prints: the XR, then the composed resources.

  --observed FILE|DIR             observed resources (as \`crossplane render --observed-resources\`)
  --flavor claim|namespaced       the composition flavor (default claim)
  -r, --include-function-results  print the functions' results too
  --summary                       a table of composed resources by kind instead of the YAML
  --converge                      render again with the observed state the last render implies,
                                  until nothing changes: what the environment holds once settled
  --max-rounds N                  the most renders --converge makes (default 10)
  --group GROUP                   the API group of the XRDs (default platform.envstack.dev)`,
  examples: [
    'envstack render examples/dev.yaml',
    'envstack render examples/prod-dr.yaml --converge --summary',
  ],
  async run(args) {
    const { values, positionals } = parseCommandArgs(
      args,
      {
        observed: { type: 'string' },
        flavor: { type: 'string' },
        group: { type: 'string' },
        'include-function-results': { type: 'boolean', short: 'r' },
        summary: { type: 'boolean' },
        converge: { type: 'boolean' },
        'max-rounds': { type: 'string' },
      },
      true,
    );
    if (positionals.length !== 1) throw new UsageError('render takes exactly one CLAIM file');
    const [file] = positionals;
    const [flavor] = flavorOf(values.flavor);
    const { readDocuments } = await import('./documents.js');
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
        console.log(summaryTable(result.composed));
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
        console.log(summaryTable(result.composed));
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
  },
});
