import type { FindingInput, LintContext, Rule } from '../types.js';
import { allPolicies, EXTERNAL_NAME, refsIn, selectorMatches, selectorsIn, stringsIn } from '../util.js';
import { seed } from './seeds.js';

/** `…Ref`s that name Kubernetes objects other than managed resources. */
const notManagedResource =
  /(providerConfigRef|writeConnectionSecretToRef|compositionRef|claimRef|[sS]ecretRef|SecretRef)/;

export const danglingReference: Rule = {
  id: 'ENV001',
  name: 'dangling-reference',
  severity: 'error',
  seed: [
    seed('s002', '2. Missing S3 Bucket Creation'),
    seed('s003', '2. Missing Critical Resources (Deployment Blocker)'),
    seed('s004', '2. Incomplete Infrastructure - Monitoring Only'),
  ],
  description: 'A selector or …Ref points at no resource of the render: the field never resolves.',
  check(ctx) {
    const out: FindingInput[] = [];
    for (const r of ctx.resources) {
      for (const s of selectorsIn(r.object.spec ?? {}, 'spec')) {
        if (selectorMatches(ctx, s.matchLabels).length > 0) continue;
        const wanted = Object.entries(s.matchLabels)
          .map(([k, v]) => `${k}=${v}`)
          .join(',');
        out.push({
          resource: r.name,
          kind: r.kind,
          field: s.path,
          message: `${r.kind} ${r.name}: ${s.path} selects {${wanted || 'no labels'}}, which matches no resource of this render; compose the missing resource, fix the label, or drop the field`,
        });
      }
      for (const ref of refsIn(r.object.spec ?? {}, 'spec')) {
        if (notManagedResource.test(ref.path)) continue;
        if (ctx.resources.some((x) => x.object.metadata?.name === ref.name)) continue;
        out.push({
          resource: r.name,
          kind: r.kind,
          field: ref.path,
          message: `${r.kind} ${r.name}: ${ref.path} names "${ref.name}", which no resource of this render is called; use a selector with matchControllerRef and the sibling's envstack.dev/resource label`,
        });
      }
    }
    return out;
  },
};

const s3Arn = /^arn:aws[a-z-]*:s3:::([^/*?$]+)(?:\/.*)?$/;
const logGroupArn = /^arn:aws[a-z-]*:logs:[^:]*:[^:]*:log-group:([^*?$]+?)(?::log-stream:.*|:\*)?$/;

function namesOf(ctx: LintContext, service: string, kind: string): Set<string> {
  return new Set(
    ctx.resources
      .filter((r) => r.service === service && r.kind === kind)
      .map((r) => r.object.metadata?.annotations?.[EXTERNAL_NAME] ?? '')
      .filter(Boolean),
  );
}

export const arnToMissingResource: Rule = {
  id: 'ENV002',
  name: 'arn-names-missing-resource',
  severity: 'error',
  seed: [seed('s002', '2. Missing S3 Bucket Creation'), seed('s002', '10. Incomplete IAM Permission Scope')],
  description:
    'An ARN of an S3 bucket or log group (in a field or a policy) names one this render does not create.',
  check(ctx) {
    const buckets = namesOf(ctx, 's3', 'Bucket');
    const groups = namesOf(ctx, 'cloudwatchlogs', 'Group');
    const out: FindingInput[] = [];
    for (const r of ctx.resources) {
      const leaves = [
        ...stringsIn(r.forProvider, 'spec.forProvider').filter((l) => !l.value.trimStart().startsWith('{')),
        ...allPolicies(r).flatMap((p) =>
          p.statements.flatMap((st, i) => stringsIn(st.Resource, `${p.path} Statement[${i}].Resource`)),
        ),
      ];
      for (const leaf of leaves) {
        const b = s3Arn.exec(leaf.value);
        if (b && !buckets.has(b[1])) {
          out.push({
            resource: r.name,
            kind: r.kind,
            field: leaf.path,
            message: `${r.kind} ${r.name}: ${leaf.path} names bucket "${b[1]}", which this render does not create; reference a composed bucket (its name comes from the environment prefix and hash)`,
          });
        }
        const g = logGroupArn.exec(leaf.value);
        if (g && !groups.has(g[1])) {
          out.push({
            resource: r.name,
            kind: r.kind,
            field: leaf.path,
            message: `${r.kind} ${r.name}: ${leaf.path} names log group "${g[1]}", which this render does not create; compose the log group (with KMS and retention) or point at one that exists`,
          });
        }
      }
    }
    return out;
  },
};
