import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Flavor } from '../platform/compose/flavor.js';
import type { Unstructured } from '../core/json.js';
import type { OutputFormat } from '../platform/guardrails/output.js';
import type { Finding } from '../platform/guardrails/types.js';
import { PACKAGE_ROOT } from '../core/paths.js';
import { defineCommand, parseCommandArgs, RENDERED_INPUT_OPTIONS } from './args.js';

function claimFiles(paths: string[]): string[] {
  const roots = paths.length ? paths : [join(PACKAGE_ROOT, 'examples')];
  return roots.flatMap((p) =>
    existsSync(p) && statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => /\.ya?ml$/.test(f))
          .sort()
          .map((f) => join(p, f))
      : [p],
  );
}

function display(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel.startsWith('..') ? path : rel;
}

async function runLint(args: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs(
    args,
    { ...RENDERED_INPUT_OPTIONS, 'budget-error-factor': { type: 'string' } },
    true,
  );
  const factorArg = values['budget-error-factor'];
  const budgetErrorFactor = factorArg === undefined ? undefined : Number(factorArg);
  if (budgetErrorFactor !== undefined && !(Number.isFinite(budgetErrorFactor) && budgetErrorFactor >= 1)) {
    console.error(
      `envstack lint: --budget-error-factor takes a number ≥ 1 (2: an error when the fixed cost is over twice the budget), got "${factorArg}"`,
    );
    return 2;
  }
  const ruleOptions = budgetErrorFactor === undefined ? {} : { budgetErrorFactor };
  const format = (values.output ?? 'text') as OutputFormat;
  if (!['text', 'json', 'sarif'].includes(format)) {
    console.error(`envstack lint: -o must be text, json or sarif, got "${format}"`);
    return 2;
  }
  const flavorArg = values.flavor ?? 'both';
  if (!['claim', 'namespaced', 'both'].includes(flavorArg)) {
    console.error(`envstack lint: --flavor must be claim, namespaced or both, got "${flavorArg}"`);
    return 2;
  }
  const flavors: Flavor[] = flavorArg === 'both' ? ['claim', 'namespaced'] : [flavorArg as Flavor];

  const { loadAllObjects } = await import('../engine/index.js');
  const { lintClaim, lintRendered } = await import('../platform/guardrails/lint.js');
  const { formatFindings } = await import('../platform/guardrails/output.js');
  const { rules } = await import('../platform/guardrails/rules/index.js');
  const findings: Finding[] = [];
  let failed = false;
  if (values.rendered !== undefined) {
    if (positionals.length) {
      console.error('envstack lint: give either CLAIM files or --rendered, not both');
      return 2;
    }
    const file = values.rendered;
    if (file !== '-' && !existsSync(file)) {
      console.error(`envstack lint: ${file}: no such file`);
      return 2;
    }
    let docs: Unstructured[];
    try {
      docs = loadAllObjects(readFileSync(file === '-' ? 0 : file, 'utf8'));
    } catch (e) {
      console.error(`${file}: not valid YAML: ${e instanceof Error ? e.message : String(e)}`);
      return 1;
    }
    findings.push(
      ...lintRendered(docs, { source: file === '-' ? '<stdin>' : display(file), ...ruleOptions }),
    );
  } else {
    const { validateClaim } = await import('../platform/validate/index.js');
    const { RenderError } = await import('../engine/index.js');
    for (const file of claimFiles(positionals)) {
      if (!existsSync(file)) {
        console.error(`envstack lint: ${file}: no such file`);
        return 2;
      }
      const claims = loadAllObjects(readFileSync(file, 'utf8')).filter(
        (d) => d.kind === 'PlatformEnvironment',
      );
      if (claims.length === 0 && positionals.length)
        console.error(`${display(file)}: no PlatformEnvironment claim`);
      for (const claim of claims) {
        const problems = validateClaim(claim, { group: values.group });
        if (problems.length) {
          for (const p of problems) console.error(`${display(file)}: ${p.path}: ${p.message}`);
          failed = true;
          continue;
        }
        for (const flavor of flavors) {
          const source = `${display(file)} [${flavor}]`;
          try {
            findings.push(
              ...(await lintClaim(claim, flavor, { source, group: values.group, ...ruleOptions })),
            );
          } catch (e) {
            if (!(e instanceof RenderError)) throw e;
            console.error(`${source}: cannot render composite resource: ${e.message}`);
            failed = true;
          }
        }
      }
    }
  }
  process.stdout.write(formatFindings(format, findings, rules));
  return failed || findings.some((f) => f.severity === 'error') ? 1 : 0;
}

export const lint = defineCommand({
  name: 'lint',
  summary: "production-readiness rules (from the seeds' post-mortems) over rendered resources",
  synopsis: [
    'envstack lint [CLAIM...|DIR] [-o text|json|sarif] [--flavor claim|namespaced|both] [--rendered FILE|-] [--budget-error-factor N]',
  ],
  details: `Renders each claim (default: every claim in examples/, both flavors) to its converged state and
runs the guardrails over the composed resources; with --rendered, lints an already-rendered YAML
stream (e.g. \`crossplane render\` output) instead. Exits 1 when any error-severity rule fires.

  -o, --output text|json|sarif      the findings as text (default), JSON or SARIF 2.1.0
  --flavor claim|namespaced|both    the composition flavors to render (default both)
  --rendered FILE|-                 lint this YAML stream (- for stdin) instead of rendering claims
  --budget-error-factor N           ENV075 (the fixed cost estimate above the stack's own budget) is a
                                    warning; above N times the budget it is an error (N ≥ 1; default: never)
  --group GROUP                     the API group of the XRDs (default platform.envstack.dev)`,
  examples: [
    'envstack lint examples/prod.yaml',
    'envstack lint examples/ -o sarif --flavor claim',
    'envstack render examples/dev.yaml | envstack lint --rendered -',
  ],
  run: runLint,
});
