import type { JsonObject, Unstructured } from '../../core/json.js';

export type Severity = 'error' | 'warning';

/** The post-mortem a rule comes from: `seeds/00N_….txt` and the section heading. */
export interface SeedRef {
  file: string;
  section: string;
}

/** One composed resource as the rules see it. */
export interface LintResource {
  /** The composition resource name (`crossplane.io/composition-resource-name`). */
  name: string;
  object: Unstructured;
  apiVersion: string;
  kind: string;
  /** API group, e.g. `ec2.aws.upbound.io`. */
  group: string;
  version: string;
  /** The provider service: `ec2`, `s3`, `iam`, … (the group's first label). */
  service: string;
  forProvider: JsonObject;
  labels: Record<string, string>;
}

export interface LintContext {
  resources: LintResource[];
  composite?: Unstructured;
  /** The claim's spec, when known (rendering a claim, or a rendered XR with its spec). */
  spec?: JsonObject;
  environment?: string;
  /** `{project}-{environment}[-{suffix}]`, the start of every AWS name. */
  namePrefix?: string;
  region?: string;
  drRegion?: string;
  /** Account ids the render learned from observed state (not written by anyone). */
  observedAccounts: ReadonlySet<string>;
  byName: ReadonlyMap<string, LintResource>;
  /** What the user set for the rules that take settings (`envstack lint --budget-error-factor`). */
  options: RuleOptions;
}

export interface RuleOptions {
  /** ENV075: the fixed cost estimate above this multiple of the budget is an error, not a warning. */
  budgetErrorFactor?: number;
}

export interface FindingInput {
  resource: string;
  kind: string;
  /** Dotted field path inside the resource, e.g. `spec.forProvider.storageEncrypted`. */
  field: string;
  /** What is wrong and how to fix it, naming the resource and field. */
  message: string;
  /** Overrides the rule's severity for this finding (a rule whose severity depends on a setting). */
  severity?: Severity;
}

export interface Finding extends FindingInput {
  ruleId: string;
  severity: Severity;
  /** Where the rendered resources came from: `examples/prod.yaml [claim]`, a rendered file, … */
  source?: string;
}

export interface Rule {
  id: string;
  name: string;
  severity: Severity;
  seed: SeedRef[];
  description: string;
  check(ctx: LintContext): FindingInput[];
}
