import { elbLogDeliveryAccounts } from '../../compose/aws/elb.js';
import { allCatalogEntries } from '../../compose/flavor.js';
import type { FindingInput, LintContext, Rule } from '../types.js';
import { allPolicies, regionPattern, stringsIn } from '../util.js';
import { seed } from './seeds.js';

/** Strings the claim itself supplies (a certificate ARN, a CIDR): the composition only passes them on. */
function claimValues(ctx: LintContext): Set<string> {
  return new Set(stringsIn(ctx.spec ?? {}, 'spec').map((l) => l.value));
}

function allowedRegions(ctx: LintContext): Set<string> {
  return new Set([ctx.region, ctx.drRegion].filter((r): r is string => Boolean(r)));
}

export const hardCodedRegion: Rule = {
  id: 'ENV040',
  name: 'hard-coded-region',
  severity: 'error',
  seed: [
    seed('s002', '6. Hardcoded Region References (MODEL_RESPONSE3.md)'),
    seed('s000', '5. Terraform Validation Failures'),
  ],
  description: "A region in a resource's parameters is neither the claim's region nor its DR region.",
  check(ctx) {
    const allowed = allowedRegions(ctx);
    if (allowed.size === 0) return [];
    const fromClaim = claimValues(ctx);
    const out: FindingInput[] = [];
    for (const r of ctx.resources) {
      for (const leaf of stringsIn(r.forProvider, 'spec.forProvider')) {
        if (leaf.path.endsWith('.userData') || fromClaim.has(leaf.value)) continue;
        const foreign = [...new Set(leaf.value.match(regionPattern) ?? [])].filter((x) => !allowed.has(x));
        if (foreign.length === 0) continue;
        out.push({
          resource: r.name,
          kind: r.kind,
          field: leaf.path,
          message: `${r.kind} ${r.name}: ${leaf.path} names region ${foreign.join(', ')}, but the claim's region is ${[...allowed].join(' / ')}; patch the value from spec.region (or spec.dr.region) instead of writing it`,
        });
      }
    }
    return out;
  },
};

const arnAccount = /^arn:aws[a-z-]*:[^:]*:[^:]*:(\d{12}):/;

export const hardCodedAccount: Rule = {
  id: 'ENV041',
  name: 'hard-coded-account-id',
  severity: 'error',
  seed: [seed('s002', '10. Incomplete IAM Permission Scope'), seed('s001', '20. Variable Management')],
  description:
    'An ARN or policy principal carries a 12-digit account id that the environment did not learn from AWS.',
  check(ctx) {
    const out: FindingInput[] = [];
    const fromClaim = claimValues(ctx);
    const elbRegions = new Map<string, string[]>();
    for (const [region, account] of Object.entries(elbLogDeliveryAccounts))
      elbRegions.set(account, [...(elbRegions.get(account) ?? []), region]);
    const report = (r: (typeof ctx.resources)[number], path: string, account: string) => {
      if (ctx.observedAccounts.has(account)) return;
      const elb = elbRegions.get(account);
      const region = String(r.forProvider.region ?? ctx.region ?? '');
      if (elb?.includes(region)) return;
      out.push({
        resource: r.name,
        kind: r.kind,
        field: path,
        message: elb
          ? `${r.kind} ${r.name}: ${path} names the ELB log-delivery account of ${elb.join(', ')}, but the resource is in ${region}; derive the principal from spec.region`
          : `${r.kind} ${r.name}: ${path} hard-codes account ${account}; read the account from the observed VPC ARN (the \${account} token) so the composition works in any account`,
      });
    };
    for (const r of ctx.resources) {
      for (const leaf of stringsIn(r.forProvider, 'spec.forProvider')) {
        if (leaf.value.trimStart().startsWith('{') || fromClaim.has(leaf.value)) continue;
        const m = arnAccount.exec(leaf.value);
        if (m) report(r, leaf.path, m[1]);
      }
      for (const p of allPolicies(r)) {
        p.statements.forEach((st, i) => {
          const values = [
            ...stringsIn(st.Resource, 'Resource'),
            ...stringsIn(st.Principal, 'Principal'),
            ...stringsIn(st.Condition, 'Condition'),
          ];
          for (const v of values) {
            const m = arnAccount.exec(v.value) ?? /^(\d{12})$/.exec(v.value);
            if (m) report(r, `${p.path} Statement[${i}].${v.path}`, m[1]);
          }
        });
      }
    }
    return out;
  },
};

export const outdatedApiVersion: Rule = {
  id: 'ENV042',
  name: 'outdated-api-version',
  severity: 'error',
  seed: [seed('s000', '5. Terraform Validation Failures')],
  description:
    'A kind is used at an older API version than the provider serves (a deprecated conversion path).',
  check(ctx) {
    const catalog = allCatalogEntries();
    const out: FindingInput[] = [];
    for (const r of ctx.resources) {
      const entry = catalog[`${r.group}/${r.kind}`];
      if (!entry || r.version === entry.version) continue;
      const served = entry.served.includes(r.version);
      out.push({
        resource: r.name,
        kind: r.kind,
        field: 'apiVersion',
        message: `${r.kind} ${r.name}: apiVersion ${r.apiVersion} ${served ? 'is deprecated' : 'is not served'}; provider-aws serves ${r.group}/${entry.version} — move to it (field shapes differ between versions)`,
      });
    }
    return out;
  },
};
