export type {
  Finding,
  FindingInput,
  LintContext,
  LintResource,
  Rule,
  RuleOptions,
  SeedRef,
  Severity,
} from './types.js';
export { buildContext, splitRendered } from './context.js';
export { lintClaim, lintRendered, runRules } from './lint.js';
export type { LintOptions } from './lint.js';
export { formatFindings, toSarif } from './output.js';
export type { OutputFormat } from './output.js';
export { rules } from './rules/index.js';
