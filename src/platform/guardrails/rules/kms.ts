import { isObject } from '../../../core/json.js';
import type { FindingInput, LintContext, LintResource, Rule } from '../types.js';
import {
  asList,
  parsePolicy,
  referenced,
  referrers,
  selectorMatches,
  type PolicyStatementView,
} from '../util.js';
import { seed } from './seeds.js';

const keys = (ctx: LintContext) => ctx.resources.filter((r) => r.service === 'kms' && r.kind === 'Key');

const symmetric = (k: LintResource) =>
  [k.forProvider.customerMasterKeySpec, k.forProvider.keySpec].every(
    (s) => s === undefined || s === 'SYMMETRIC_DEFAULT',
  );

export const kmsRotation: Rule = {
  id: 'ENV070',
  name: 'kms-key-without-rotation',
  severity: 'error',
  seed: [
    seed('s000', '11. Compliance Features'),
    seed('s003', '2. Missing Critical Resources (Deployment Blocker)'),
  ],
  description: 'A symmetric customer-managed key does not rotate.',
  check: (ctx) =>
    keys(ctx)
      .filter((k) => symmetric(k) && k.forProvider.enableKeyRotation !== true)
      .map((k) => ({
        resource: k.name,
        kind: k.kind,
        field: 'spec.forProvider.enableKeyRotation',
        message: `Key ${k.name}: enableKeyRotation is not true; set it (rotationPeriodInDays 365) as compliance requires`,
      })),
};

export const kmsAlias: Rule = {
  id: 'ENV071',
  name: 'kms-key-without-alias',
  severity: 'warning',
  seed: [seed('s003', '12. Missing KMS Key Aliases'), seed('s001', '10. KMS Key Management')],
  description: 'A customer-managed key has no alias, so people must find it by its id.',
  check: (ctx) =>
    keys(ctx)
      .filter((k) => !referrers(ctx, k).some((a) => a.service === 'kms' && a.kind === 'Alias'))
      .map((k) => ({
        resource: k.name,
        kind: k.kind,
        field: 'Alias',
        message: `Key ${k.name}: no kms Alias targets it; add an Alias (alias/{prefix}-…) with targetKeyIdSelector on this key`,
      })),
};

interface KeyUse {
  user: LintResource;
  field: string;
  key: LintResource;
}

const keyField = /\.kms(Master)?Key(Id|Arn)(Selector|Ref)?$/;

/** The keys each resource encrypts with: by selector, or a literal ARN resolved to the one key in its region. */
function keyUses(ctx: LintContext): KeyUse[] {
  const all = keys(ctx);
  const out: KeyUse[] = [];
  for (const r of ctx.resources) {
    if (r.service === 'kms') continue;
    const found = new Map<LintResource, string>();
    const visit = (node: unknown, path: string): void => {
      if (Array.isArray(node)) return node.forEach((v, i) => visit(v, `${path}[${i}]`));
      if (!isObject(node)) return;
      for (const [k, v] of Object.entries(node)) {
        const p = `${path}.${k}`;
        if (keyField.test(p) && isObject(v) && isObject(v.matchLabels)) {
          for (const key of selectorMatches(ctx, v.matchLabels as Record<string, string>))
            if (key.kind === 'Key') found.set(key, p);
        } else if (keyField.test(p) && typeof v === 'string' && /^arn:[^:]+:kms:/.test(v)) {
          const region = v.split(':')[3];
          const inRegion = all.filter((key) => key.forProvider.region === region);
          if (inRegion.length === 1) found.set(inRegion[0], p);
        } else visit(v, p);
      }
    };
    visit(r.forProvider, 'spec.forProvider');
    for (const [key, field] of found) out.push({ user: r, field, key });
  }
  return out;
}

function principals(st: PolicyStatementView, type: 'Service' | 'AWS'): string[] {
  if (st.Principal === '*') return type === 'AWS' ? ['*'] : [];
  if (!isObject(st.Principal)) return [];
  return asList(st.Principal[type]).map(String);
}

function grantsUse(st: PolicyStatementView): boolean {
  if (st.Effect !== 'Allow') return false;
  return asList(st.Action).some((a) => a === 'kms:*' || /^kms:(GenerateDataKey|Encrypt)/.test(String(a)));
}

/** Which principal a service needs in the key policy to use the key for `user`. */
function requirement(ctx: LintContext, u: KeyUse): { service: string; why: string } | undefined {
  const region = String(u.user.forProvider.region ?? ctx.region ?? '');
  if (u.user.service === 'cloudwatchlogs' && u.user.kind === 'Group')
    return { service: `logs.${region}.amazonaws.com`, why: 'CloudWatch Logs encrypts the log group itself' };
  if (u.user.service === 'cloudtrail' && u.user.kind === 'Trail')
    return { service: 'cloudtrail.amazonaws.com', why: 'CloudTrail encrypts log files itself' };
  if (u.user.service === 'sns' && u.user.kind === 'Topic') {
    const alarmsPublish = ctx.resources.some(
      (a) =>
        a.service === 'cloudwatch' &&
        a.kind === 'MetricAlarm' &&
        referenced(ctx, a, /\.(alarm|ok|insufficientData)Actions(Selector|Refs?)$/).includes(u.user),
    );
    if (alarmsPublish)
      return { service: 'cloudwatch.amazonaws.com', why: 'CloudWatch alarms publish to the encrypted topic' };
  }
  return undefined;
}

export const kmsPolicyForUsers: Rule = {
  id: 'ENV072',
  name: 'kms-policy-missing-service',
  severity: 'error',
  seed: [seed('s004', '8. Insufficient KMS Key Policies')],
  description: 'A resource encrypts with a key whose policy does not let the encrypting service use it.',
  check(ctx) {
    const out: FindingInput[] = [];
    for (const u of keyUses(ctx)) {
      const need = requirement(ctx, u);
      if (!need) continue;
      const raw = u.key.forProvider.policy;
      const statements =
        typeof raw === 'string' ? (parsePolicy(raw, 'spec.forProvider.policy')?.statements ?? []) : [];
      const ok = statements.some((st) => grantsUse(st) && principals(st, 'Service').includes(need.service));
      if (ok) continue;
      out.push({
        resource: u.key.name,
        kind: u.key.kind,
        field: 'spec.forProvider.policy',
        message: `Key ${u.key.name}: ${u.user.kind} ${u.user.name} encrypts with it (${u.field}) but the key policy has no Allow for service ${need.service} (${need.why}); add a statement granting it kms:GenerateDataKey*/Decrypt, scoped with a condition`,
      });
    }
    return out;
  },
};
