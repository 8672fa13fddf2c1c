import type { FindingInput, Rule } from '../types.js';
import { asList, identityPolicies } from '../util.js';
import { seed } from './seeds.js';

function hasCondition(c: unknown): boolean {
  return typeof c === 'object' && c !== null && Object.keys(c).length > 0;
}

export const iamWildcardResource: Rule = {
  id: 'ENV010',
  name: 'iam-wildcard-resource',
  severity: 'error',
  seed: [
    seed('s004', '3. IAM Policies with Wildcards'),
    seed('s003', '3. Wildcard IAM Permissions (Security Violation)'),
  ],
  description: 'An identity policy allows actions on Resource "*" without a Condition narrowing it.',
  check(ctx) {
    const out: FindingInput[] = [];
    for (const r of ctx.resources) {
      for (const p of identityPolicies(r)) {
        p.statements.forEach((st, i) => {
          if (st.Effect !== undefined && st.Effect !== 'Allow') return;
          if (!asList(st.Resource).includes('*') || hasCondition(st.Condition)) return;
          const sid = typeof st.Sid === 'string' ? ` (${st.Sid})` : '';
          const actions = asList(st.Action ?? st.NotAction)
            .map(String)
            .join(', ');
          out.push({
            resource: r.name,
            kind: r.kind,
            field: `${p.path} Statement[${i}]`,
            message: `${r.kind} ${r.name}: ${p.path} Statement[${i}]${sid} allows ${actions || 'its actions'} on Resource "*" with no Condition; name the ARNs it needs, or add a Condition (e.g. aws:RequestedRegion, a namespace or tag key) where AWS offers no narrower resource`,
          });
        });
      }
    }
    return out;
  },
};
