import { estimate } from '../../cost/estimate.js';
import { usd } from '../../cost/format.js';
import { isObject } from '../../../core/json.js';
import type { FindingInput, Rule } from '../types.js';
import { num } from '../util.js';
import { seed } from './seeds.js';

export const budgetBelowFixedCost: Rule = {
  id: 'ENV075',
  name: 'budget-below-fixed-cost',
  severity: 'warning',
  seed: [seed('s002', '17. Missing Budget and Cost Controls')],
  description:
    "The stack's fixed monthly cost (envstack cost, from the committed list prices, before any usage) is above the limit of its own AWS Budget; an error above --budget-error-factor times the limit.",
  check(ctx) {
    const budget = ctx.resources.find((r) => r.service === 'budgets' && r.kind === 'Budget');
    const compliance = isObject(ctx.spec?.compliance) ? ctx.spec.compliance : {};
    const fromSpec = isObject(compliance.budget) ? num(compliance.budget.monthlyUsd) : undefined;
    const limit = num(budget?.forProvider.limitAmount) ?? fromSpec;
    if (limit === undefined || limit <= 0) return [];
    const e = estimate({ composed: ctx.resources.map((r) => r.object), spec: ctx.spec ?? {}, claim: '' });
    if (e.fixedMonthly <= limit) return [];
    const factor = ctx.options.budgetErrorFactor;
    const error = factor !== undefined && e.fixedMonthly > limit * factor;
    const field = budget ? 'spec.forProvider.limitAmount' : 'spec.compliance.budget.monthlyUsd';
    const finding: FindingInput = {
      resource: budget?.name ?? 'budget',
      kind: budget?.kind ?? 'Budget',
      field,
      message: `${budget ? `Budget ${budget.name}` : 'the claim'}: the fixed monthly cost estimate ${usd(e.fixedMonthly)} (list prices of ${e.pricesDate}, before any usage) is above the budget's limit ${usd(limit)} (${field}, from spec.compliance.budget.monthlyUsd)${error ? `, more than ${factor}× it (--budget-error-factor)` : ''}; raise spec.compliance.budget.monthlyUsd to at least ${usd(Math.ceil(e.fixedMonthly))} or shrink the stack — \`envstack cost CLAIM\` lists what costs what`,
      ...(error ? { severity: 'error' as const } : {}),
    };
    return [finding];
  },
};
