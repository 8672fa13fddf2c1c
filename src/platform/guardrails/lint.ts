import type { Flavor } from '../compose/flavor.js';
import { convergeClaim } from '../render/converge.js';
import type { JsonObject, Unstructured } from '../../core/json.js';
import { buildContext, splitRendered } from './context.js';
import { rules as allRules } from './rules/index.js';
import type { Finding, LintContext, Rule, RuleOptions } from './types.js';

export interface LintOptions extends RuleOptions {
  rules?: readonly Rule[];
  /** Labels findings with where the resources came from. */
  source?: string;
}

const ruleOptions = (opts: LintOptions): RuleOptions =>
  opts.budgetErrorFactor !== undefined ? { budgetErrorFactor: opts.budgetErrorFactor } : {};

/** Runs every rule over a context; findings sorted by resource, then rule. */
export function runRules(ctx: LintContext, opts: LintOptions = {}): Finding[] {
  const findings: Finding[] = [];
  for (const rule of opts.rules ?? allRules) {
    for (const f of rule.check(ctx)) {
      findings.push({
        ...f,
        ruleId: rule.id,
        severity: f.severity ?? rule.severity,
        ...(opts.source ? { source: opts.source } : {}),
      });
    }
  }
  return findings.sort(
    (a, b) =>
      cmp(a.source ?? '', b.source ?? '') ||
      cmp(a.resource, b.resource) ||
      cmp(a.ruleId, b.ruleId) ||
      cmp(a.field, b.field),
  );
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Lints a `crossplane render` stream (the XR, then composed resources with their resource-name annotation). */
export function lintRendered(
  docs: Unstructured[],
  opts: LintOptions & { spec?: JsonObject } = {},
): Finding[] {
  const { composite, composed } = splitRendered(docs);
  return runRules(buildContext(composed, composite, opts.spec, ruleOptions(opts)), opts);
}

/**
 * Lints a claim as it will be once every resource exists: the render converged with plausible
 * observed state, so resources that wait for AWS values (policies with the account id) are there.
 */
export async function lintClaim(
  claim: Unstructured,
  flavor: Flavor,
  opts: LintOptions & { group?: string } = {},
): Promise<Finding[]> {
  const { result } = await convergeClaim({ claim, flavor, group: opts.group });
  return runRules(
    buildContext(result.composed, result.composite, result.input.spec, ruleOptions(opts)),
    opts,
  );
}
