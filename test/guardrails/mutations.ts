/**
 * One mutation per rule: the smallest edit of a rendered example that breaks exactly what the
 * rule guards (drop the encryption block, widen a policy, remove a tag, …). `apply` returns the
 * mutated stream, or undefined when the example has nothing the mutation can act on.
 */
import type { JsonObject, Unstructured } from '../../src/engine/render/fnapi.js';

const NAME = 'crossplane.io/composition-resource-name';
const EXT = 'crossplane.io/external-name';

const nameOf = (d: Unstructured) => d.metadata?.annotations?.[NAME];
const fp = (d: Unstructured) => d.spec!.forProvider as JsonObject;

type Edit = (docs: Unstructured[]) => boolean;

/** Applies `edit` to a copy; undefined when the edit found no target. */
function mutate(docs: Unstructured[], edit: Edit): Unstructured[] | undefined {
  const copy = structuredClone(docs);
  return edit(copy) ? copy : undefined;
}

function first(docs: Unstructured[], kind: string, pred: (d: Unstructured) => boolean = () => true) {
  return docs.find((d) => nameOf(d) && d.kind === kind && pred(d));
}

function remove(docs: Unstructured[], pred: (d: Unstructured) => boolean): boolean {
  const before = docs.length;
  for (let i = docs.length - 1; i >= 0; i--) if (nameOf(docs[i]) && pred(docs[i])) docs.splice(i, 1);
  return docs.length < before;
}

const selects = (d: Unstructured, target: string) =>
  JSON.stringify(d.spec ?? {}).includes(`"envstack.dev/resource":"${target}"`);

function editPolicy(
  d: Unstructured,
  field: string,
  edit: (doc: { Statement: JsonObject[] }) => boolean,
): boolean {
  const raw = fp(d)[field];
  if (typeof raw !== 'string') return false;
  const doc = JSON.parse(raw) as { Statement: JsonObject[] };
  if (!edit(doc)) return false;
  fp(d)[field] = JSON.stringify(doc);
  return true;
}

const identityPolicy = (d: Unstructured) =>
  d.apiVersion?.startsWith('iam.') === true && ['Policy', 'RolePolicy'].includes(d.kind ?? '');

export const mutations: Record<
  string,
  { what: string; apply(docs: Unstructured[]): Unstructured[] | undefined }
> = {
  ENV001: {
    what: "point a route's route-table selector at a resource that does not exist",
    apply: (docs) =>
      mutate(docs, (ds) => {
        const r = first(ds, 'Route', (d) => 'routeTableIdSelector' in fp(d));
        if (!r) return false;
        fp(r).routeTableIdSelector = {
          matchControllerRef: true,
          matchLabels: { 'envstack.dev/resource': 'rt-gone' },
        };
        return true;
      }),
  },
  ENV002: {
    what: 'make a policy name a bucket the render does not create',
    apply: (docs) =>
      mutate(docs, (ds) => {
        const p = first(ds, 'BucketPolicy') ?? first(ds, 'RolePolicy');
        return (
          !!p &&
          editPolicy(p, 'policy', (doc) => {
            doc.Statement[0].Resource = 'arn:aws:s3:::webapp-assets/*';
            return true;
          })
        );
      }),
  },
  ENV010: {
    what: 'widen an identity policy statement to Resource "*" without a Condition',
    apply: (docs) =>
      mutate(docs, (ds) => {
        const p = ds.find((d) => nameOf(d) && identityPolicy(d));
        return (
          !!p &&
          editPolicy(p, 'policy', (doc) => {
            doc.Statement[0] = { Effect: 'Allow', Action: doc.Statement[0].Action, Resource: '*' };
            return true;
          })
        );
      }),
  },
  ENV020: {
    what: "drop a bucket's encryption configuration",
    apply: (docs) =>
      mutate(docs, (ds) => remove(ds, (d) => d === first(ds, 'BucketServerSideEncryptionConfiguration'))),
  },
  ENV021: {
    what: "drop a bucket's versioning",
    apply: (docs) => mutate(docs, (ds) => remove(ds, (d) => d === first(ds, 'BucketVersioning'))),
  },
  ENV022: {
    what: 'put Performance Insights on a micro class',
    apply: (docs) =>
      mutate(docs, (ds) => {
        const db = first(ds, 'Instance', (d) => !!d.apiVersion?.startsWith('rds.'));
        if (!db) return false;
        Object.assign(fp(db), { instanceClass: 'db.t3.micro', performanceInsightsEnabled: true });
        return true;
      }),
  },
  ENV023: {
    what: "flip the database's deletion protection against its profile",
    apply: (docs) =>
      mutate(docs, (ds) => {
        const db = first(ds, 'Instance', (d) => !!d.apiVersion?.startsWith('rds.')) ?? first(ds, 'Cluster');
        if (!db) return false;
        fp(db).deletionProtection = fp(db).deletionProtection !== true;
        return true;
      }),
  },
  ENV024: {
    what: 'make the database publicly accessible',
    apply: (docs) =>
      mutate(docs, (ds) => {
        const db =
          first(ds, 'Instance', (d) => !!d.apiVersion?.startsWith('rds.')) ?? first(ds, 'ClusterInstance');
        if (!db) return false;
        fp(db).publiclyAccessible = true;
        return true;
      }),
  },
  ENV030: {
    what: "remove the VPC's Owner tag",
    apply: (docs) =>
      mutate(docs, (ds) => {
        const vpc = first(ds, 'VPC');
        if (!vpc) return false;
        delete (fp(vpc).tags as JsonObject).Owner;
        return true;
      }),
  },
  ENV031: {
    what: 'name the VPC without the environment prefix',
    apply: (docs) =>
      mutate(docs, (ds) => {
        const vpc = first(ds, 'VPC');
        if (!vpc) return false;
        (fp(vpc).tags as JsonObject).Name = 'main-vpc';
        return true;
      }),
  },
  ENV032: {
    what: 'give the VPC a Name tag over 256 characters',
    apply: (docs) =>
      mutate(docs, (ds) => {
        const vpc = first(ds, 'VPC');
        if (!vpc) return false;
        const tags = fp(vpc).tags as JsonObject;
        tags.Name = `${String(tags.Name)}-${'x'.repeat(260)}`;
        return true;
      }),
  },
  ENV033: {
    what: 'compose a second KMS alias with the same name',
    apply: (docs) =>
      mutate(docs, (ds) => {
        const alias = first(ds, 'Alias');
        if (!alias?.metadata?.annotations?.[EXT]) return false;
        const copy = structuredClone(alias);
        copy.metadata!.annotations![NAME] = `${nameOf(alias)}-copy`;
        copy.metadata!.labels!['envstack.dev/resource'] = `${nameOf(alias)}-copy`;
        ds.push(copy);
        return true;
      }),
  },
  ENV040: {
    what: "hard-code another region's availability zone on a subnet",
    apply: (docs) =>
      mutate(docs, (ds) => {
        const subnet = first(ds, 'Subnet');
        if (!subnet) return false;
        fp(subnet).availabilityZone = 'ap-south-1a';
        return true;
      }),
  },
  ENV041: {
    what: "hard-code a foreign account in the key policy's administrator",
    apply: (docs) =>
      mutate(docs, (ds) => {
        const key = first(ds, 'Key');
        return (
          !!key &&
          editPolicy(key, 'policy', (doc) => {
            doc.Statement[0].Principal = { AWS: 'arn:aws:iam::999988887777:root' };
            return true;
          })
        );
      }),
  },
  ENV042: {
    what: 'downgrade the bucket to an older served API version',
    apply: (docs) =>
      mutate(docs, (ds) => {
        const b = first(ds, 'Bucket', (d) => d.apiVersion?.endsWith('/v1beta2') === true);
        if (!b) return false;
        b.apiVersion = b.apiVersion!.replace(/v1beta2$/, 'v1beta1');
        return true;
      }),
  },
  ENV050: {
    what: 'open SSH to the world on an ingress rule',
    apply: (docs) =>
      mutate(docs, (ds) => {
        const rule =
          first(ds, 'SecurityGroupIngressRule') ??
          first(ds, 'SecurityGroupRule', (d) => fp(d).type === 'ingress');
        if (!rule) return false;
        const f = fp(rule);
        Object.assign(f, { fromPort: 22, toPort: 22 });
        if (rule.kind === 'SecurityGroupIngressRule')
          Object.assign(f, { ipProtocol: 'tcp', cidrIpv4: '0.0.0.0/0' });
        else Object.assign(f, { protocol: 'tcp', cidrBlocks: ['0.0.0.0/0'] });
        for (const k of Object.keys(f))
          if (/^(referencedSecurityGroup|sourceSecurityGroup|prefixList)/.test(k)) delete f[k];
        return true;
      }),
  },
  ENV051: {
    what: 'drop every egress rule of a security group',
    apply: (docs) =>
      mutate(docs, (ds) => {
        const sg = first(ds, 'SecurityGroup');
        if (!sg) return false;
        return remove(
          ds,
          (d) =>
            (d.kind === 'SecurityGroupEgressRule' ||
              (d.kind === 'SecurityGroupRule' && fp(d).type === 'egress')) &&
            selects(d, nameOf(sg)!),
        );
      }),
  },
  ENV052: {
    what: 'let the launch template accept IMDSv1',
    apply: (docs) =>
      mutate(docs, (ds) => {
        const lt = first(ds, 'LaunchTemplate');
        if (!lt) return false;
        fp(lt).metadataOptions = { httpEndpoint: 'enabled', httpTokens: 'optional' };
        return true;
      }),
  },
  ENV053: {
    what: 'write the user data as plain text instead of base64',
    apply: (docs) =>
      mutate(docs, (ds) => {
        const lt = first(ds, 'LaunchTemplate', (d) => typeof fp(d).userData === 'string');
        if (!lt) return false;
        fp(lt).userData = '#!/bin/bash\nsystemctl start nginx';
        return true;
      }),
  },
  ENV054: {
    what: "tighten the target group's unhealthy threshold to 2",
    apply: (docs) =>
      mutate(docs, (ds) => {
        const tg = first(ds, 'LBTargetGroup');
        if (!tg) return false;
        const hc = fp(tg).healthCheck;
        const block = (Array.isArray(hc) ? hc[0] : hc) as JsonObject | undefined;
        if (!block) return false;
        block.unhealthyThreshold = 2;
        return true;
      }),
  },
  ENV055: {
    what: 'target the app port 5000 directly instead of nginx on 80',
    apply: (docs) =>
      mutate(docs, (ds) => {
        const tg = first(ds, 'LBTargetGroup');
        if (!tg) return false;
        fp(tg).port = 5000;
        return true;
      }),
  },
  ENV060: {
    what: "drop a function's code location",
    apply: (docs) =>
      mutate(docs, (ds) => {
        const fn = first(ds, 'Function', (d) => !!d.apiVersion?.startsWith('lambda.'));
        if (!fn) return false;
        for (const k of ['s3Bucket', 's3BucketSelector', 's3BucketRef', 's3Key', 'imageUri', 'filename'])
          delete fp(fn)[k];
        return true;
      }),
  },
  ENV061: {
    what: "drop a function's dead-letter queue",
    apply: (docs) =>
      mutate(docs, (ds) => {
        const fn = first(
          ds,
          'Function',
          (d) => !!d.apiVersion?.startsWith('lambda.') && 'deadLetterConfig' in fp(d),
        );
        if (!fn) return false;
        delete fp(fn).deadLetterConfig;
        return true;
      }),
  },
  ENV062: {
    what: 'drop the API Gateway account (CloudWatch role)',
    apply: (docs) =>
      mutate(
        docs,
        (ds) =>
          !!first(ds, 'Stage') &&
          remove(ds, (d) => d.kind === 'Account' && !!d.apiVersion?.startsWith('apigateway.')),
      ),
  },
  ENV063: {
    what: 'set the Config delivery frequency to "Daily"',
    apply: (docs) =>
      mutate(docs, (ds) => {
        const dc = first(ds, 'DeliveryChannel');
        if (!dc) return false;
        fp(dc).snapshotDeliveryProperties = { deliveryFrequency: 'Daily' };
        return true;
      }),
  },
  ENV070: {
    what: 'turn key rotation off',
    apply: (docs) =>
      mutate(docs, (ds) => {
        const key = first(ds, 'Key');
        if (!key) return false;
        fp(key).enableKeyRotation = false;
        return true;
      }),
  },
  ENV071: {
    what: "drop the key's alias",
    apply: (docs) =>
      mutate(docs, (ds) => {
        const key = first(ds, 'Key');
        return !!key && remove(ds, (d) => d.kind === 'Alias' && selects(d, nameOf(key)!));
      }),
  },
  ENV072: {
    what: 'remove the CloudWatch Logs grant from a key a log group uses',
    apply: (docs) =>
      mutate(docs, (ds) => {
        const group = first(ds, 'Group', (d) => !!d.apiVersion?.startsWith('cloudwatchlogs.'));
        const keyName = group && JSON.stringify(fp(group)).match(/"envstack.dev\/resource":"([^"]+)"/)?.[1];
        const key = keyName && first(ds, 'Key', (d) => nameOf(d) === keyName);
        return (
          !!key &&
          editPolicy(key, 'policy', (doc) => {
            const before = doc.Statement.length;
            doc.Statement = doc.Statement.filter((s) => !JSON.stringify(s.Principal ?? '').includes('logs.'));
            return doc.Statement.length < before;
          })
        );
      }),
  },
  ENV073: {
    what: "drop a log group's retention",
    apply: (docs) =>
      mutate(docs, (ds) => {
        const g = first(ds, 'Group', (d) => !!d.apiVersion?.startsWith('cloudwatchlogs.'));
        if (!g) return false;
        delete fp(g).retentionInDays;
        return true;
      }),
  },
  ENV074: {
    what: "drop an alarm's actions",
    apply: (docs) =>
      mutate(docs, (ds) => {
        const a = first(ds, 'MetricAlarm');
        if (!a) return false;
        for (const k of Object.keys(fp(a))) if (/^alarmActions/.test(k)) delete fp(a)[k];
        return true;
      }),
  },
  ENV075: {
    what: "lower the budget's limit to $1 a month, below the stack's fixed cost",
    apply: (docs) =>
      mutate(docs, (ds) => {
        const b = first(ds, 'Budget');
        if (!b) return false;
        fp(b).limitAmount = '1';
        return true;
      }),
  },
};
