/**
 * The PlatformEnvironment API: the single source of the XRD schema, the TypeScript types,
 * the schema defaults and `envstack validate`. Admission rules are CEL (`x-kubernetes-validations`)
 * so the apiserver enforces exactly what `envstack validate` enforces.
 */
import { z } from 'zod';
import {
  celInstanceClass,
  celProfile,
  databaseEngines,
  environments,
  logRetentionValues,
  profileDoc,
} from './profiles.js';

export interface CelRule {
  rule: string;
  message: string;
  fieldPath?: string;
  reason?: 'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';
}

const rules = (...r: CelRule[]) => ({ 'x-kubernetes-validations': r });
const immutable = (field: string): CelRule => ({
  rule: 'self == oldSelf',
  message: `${field} is immutable: changing it would destroy and recreate the whole environment; create a new claim instead`,
});

const celOr = (has: string, field: string, fallback: string) => `(has(${has}) ? ${field} : ${fallback})`;

const effectiveInstanceClass = celOr(
  'self.database.instanceClass',
  'self.database.instanceClass',
  celInstanceClass('self'),
);
const effectivePI = celOr(
  'self.database.performanceInsights',
  'self.database.performanceInsights',
  celProfile('dbPerformanceInsights', 'self'),
);
const effective = (field: 'minSize' | 'maxSize' | 'desiredCapacity') =>
  celOr(`self.compute.${field}`, `self.compute.${field}`, celProfile(field, 'self'));

/** Longest `{project}-{environment}[-{suffix}]` so that `<prefix>-alb` fits an ALB's 32 characters. */
export const maxNamePrefixLength = 28;

const privateSlash16 =
  '^(10\\\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])|172\\\\.(1[6-9]|2[0-9]|3[01])|192\\\\.168)\\\\.0\\\\.0/16$';

const awsRegion = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$/;

const tagValue = z.string().max(256);

export const networkSchema = z
  .object({
    cidr: z
      .string()
      .max(18)
      .default('10.0.0.0/16')
      .meta({
        description: 'The VPC CIDR: a private /16 (10.x.0.0, 172.16-31.0.0 or 192.168.0.0).',
        ...rules({
          rule: `self.matches('${privateSlash16}')`,
          message:
            'network.cidr must be a private /16 such as 10.20.0.0/16 (10.x.0.0/16, 172.16-31.0.0/16 or 192.168.0.0/16)',
        }),
      }),
    azCount: z
      .literal([2, 3])
      .optional()
      .meta({
        description: `Availability zones to spread subnets over. Profile: ${profileDoc.byEnvironment('azCount')}.`,
      }),
    natGateways: z
      .enum(['single', 'perAz', 'none'])
      .optional()
      .meta({
        description: `NAT gateways: one shared, one per AZ, or none. Profile: ${profileDoc.grouped('natGateways')}.`,
      }),
    flowLogs: z
      .boolean()
      .optional()
      .meta({ description: `VPC flow logs to the log bucket. Profile: ${profileDoc.on('flowLogs')}.` }),
    endpoints: z
      .boolean()
      .optional()
      .meta({
        description: `Interface endpoints (SSM, Secrets Manager, Logs). Gateway endpoints (S3, DynamoDB) always exist. Profile: ${profileDoc.where('interfaceEndpoints', false)} off.`,
      }),
  })
  .prefault({});

export const databaseSchema = z
  .object({
    enabled: z.boolean().default(true).meta({ description: 'Compose the database.' }),
    engine: z.enum(databaseEngines).default('postgres').meta({ description: 'The database engine.' }),
    version: z.string().max(40).optional().meta({
      description: 'Engine version. Default: postgres 16, aurora-postgresql 16.6, aurora-mysql 8.0 (3.08.2).',
    }),
    instanceClass: z
      .string()
      .regex(/^db\.[a-z0-9]+\.[a-z0-9]+$/)
      .max(40)
      .optional()
      .meta({
        description: `DB instance class. Profile: ${profileDoc.instanceClass()}.`,
      }),
    storageGiB: z
      .number()
      .int()
      .min(20)
      .max(65536)
      .optional()
      .meta({
        description: `Allocated gp3 storage (RDS PostgreSQL only). Profile: ${profileDoc.values('dbStorageGiB')}.`,
      }),
    multiAz: z
      .boolean()
      .optional()
      .meta({
        description: `Multi-AZ (a standby or a second Aurora instance). Profile: ${profileDoc.on('dbMultiAz')}.`,
      }),
    performanceInsights: z
      .boolean()
      .optional()
      .meta({
        description: `Performance Insights (not on *.micro classes). Profile: ${profileDoc.on('dbPerformanceInsights')}.`,
      }),
    backupRetentionDays: z
      .number()
      .int()
      .min(1)
      .max(35)
      .optional()
      .meta({
        description: `Automated backup retention. Profile: ${profileDoc.values('dbBackupRetentionDays')}.`,
      }),
    deletionProtection: z
      .boolean()
      .optional()
      .meta({ description: `Deletion protection. Profile: ${profileDoc.on('dbDeletionProtection')}.` }),
  })
  .prefault({});

export const computeSchema = z
  .object({
    instanceType: z
      .string()
      .regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/)
      .max(32)
      .optional()
      .meta({
        description: `EC2 instance type (Graviton by default). Profile: ${profileDoc.values('instanceType')}.`,
      }),
    minSize: z
      .number()
      .int()
      .min(0)
      .max(100)
      .optional()
      .meta({ description: `ASG minimum. Profile: ${profileDoc.values('minSize')}.` }),
    maxSize: z
      .number()
      .int()
      .min(1)
      .max(100)
      .optional()
      .meta({ description: `ASG maximum. Profile: ${profileDoc.values('maxSize')}.` }),
    desiredCapacity: z
      .number()
      .int()
      .min(0)
      .max(100)
      .optional()
      .meta({ description: `ASG desired capacity. Profile: ${profileDoc.values('desiredCapacity')}.` }),
    appPort: z
      .number()
      .int()
      .min(1024)
      .max(65535)
      .default(8080)
      .meta({ description: 'Port the application listens on behind nginx (nginx serves port 80).' }),
    healthCheckPath: z
      .string()
      .regex(/^\/[A-Za-z0-9._~/-]*$/)
      .max(255)
      .default('/health')
      .meta({ description: 'Path the load balancer checks through nginx.' }),
  })
  .prefault({});

export const loadBalancerSchema = z
  .object({
    certificateArn: z
      .string()
      .regex(/^arn:aws[a-z-]*:acm:[a-z0-9-]+:[0-9]{12}:certificate\/[A-Za-z0-9-]+$/)
      .max(2048)
      .optional()
      .meta({ description: 'An existing ACM certificate for HTTPS. Exclusive with domain.' }),
    domain: z
      .object({
        name: z
          .string()
          .regex(/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/)
          .max(253)
          .meta({ description: 'Domain name to issue an ACM certificate for (DNS validation).' }),
        hostedZoneId: z
          .string()
          .regex(/^Z[A-Z0-9]{1,31}$/)
          .meta({ description: 'Route 53 hosted zone that holds the domain.' }),
      })
      .optional()
      .meta({
        description:
          'Issue a certificate for this domain and point it at the ALB. Exclusive with certificateArn.',
      }),
    allowedCidrs: z
      .array(
        z
          .string()
          .regex(/^([0-9]{1,3}\.){3}[0-9]{1,3}\/([0-9]|[12][0-9]|3[0-2])$/)
          .max(18),
      )
      .max(20)
      .default(['0.0.0.0/0'])
      .meta({ description: 'CIDRs allowed to reach the ALB on 80/443.' }),
  })
  .prefault({})
  .meta(
    rules({
      rule: '!(has(self.certificateArn) && has(self.domain))',
      message:
        'loadBalancer.certificateArn and loadBalancer.domain are exclusive: give an existing certificate or a domain to issue one for',
    }),
  );

export const observabilitySchema = z
  .object({
    alarmEmail: z
      .string()
      .regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/)
      .max(254)
      .optional()
      .meta({ description: 'Email subscribed to the alarm topic.' }),
    logRetentionDays: z
      .number()
      .int()
      .optional()
      .meta({
        description: `Log group retention in days. Profile: ${profileDoc.values('logRetentionDays')}.`,
        ...rules({
          rule: `self in [${logRetentionValues.join(', ')}]`,
          message: `observability.logRetentionDays must be a value CloudWatch Logs accepts: ${logRetentionValues.join(', ')}`,
        }),
      }),
    dashboard: z
      .boolean()
      .optional()
      .meta({ description: `A CloudWatch dashboard. Profile: ${profileDoc.where('dashboard', true)}.` }),
  })
  .prefault({});

export const budgetSchema = z
  .object({
    monthlyUsd: z.number().meta({
      description: 'Monthly cost budget in USD.',
      ...rules({ rule: 'self > 0.0', message: 'compliance.budget.monthlyUsd must be greater than 0' }),
    }),
    email: z
      .string()
      .regex(/^[^@\s]+@[^@\s]+\.[^@\s]+$/)
      .max(254)
      .meta({ description: 'Who is told at 80% actual and 100% forecast.' }),
  })
  .meta({ description: 'An AWS Budget with alerts.' });

export const complianceSchema = z
  .object({
    cloudTrail: z
      .boolean()
      .optional()
      .meta({ description: `A multi-region CloudTrail. Profile: ${profileDoc.where('cloudTrail', true)}.` }),
    config: z
      .boolean()
      .optional()
      .meta({
        description: `AWS Config recorder (one per account and region). Profile: ${profileDoc.where('config', true)}.`,
      }),
    budget: budgetSchema.optional(),
  })
  .prefault({});

export const drSchema = z
  .object({
    enabled: z
      .boolean()
      .default(false)
      .meta({ description: 'Compose a disaster-recovery copy in a second region.' }),
    region: z
      .string()
      .regex(awsRegion)
      .max(32)
      .optional()
      .meta({ description: 'The DR region (not the primary).' }),
    cidr: z
      .string()
      .max(18)
      .default('10.255.0.0/16')
      .meta({
        description:
          'The DR VPC CIDR: a private /16 that does not overlap network.cidr (the VPCs are peered).',
        ...rules({
          rule: `self.matches('${privateSlash16}')`,
          message: 'dr.cidr must be a private /16 such as 10.120.0.0/16',
        }),
      }),
    database: z
      .enum(['replica', 'none'])
      .default('replica')
      .meta({ description: 'A cross-region read replica (RDS) or a global cluster (Aurora).' }),
  })
  .prefault({});

const toggle = (what: string, dflt: boolean) =>
  z
    .object({
      enabled: z
        .boolean()
        .default(dflt)
        .meta({ description: `Compose ${what}.` }),
    })
    .prefault({});

export const specSchema = z
  .object({
    project: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,15}$/)
      .meta({
        description: 'Project name: 2-16 lower-case letters, digits, dashes.',
        ...rules(immutable('project')),
      }),
    environment: z
      .enum(environments)
      .meta({ description: 'The profile: dev, staging or prod.', ...rules(immutable('environment')) }),
    suffix: z
      .string()
      .regex(/^[a-z0-9]{1,8}$/)
      .optional()
      .meta({ description: 'Distinguishes parallel deployments of one environment (1-8 a-z0-9).' }),
    owner: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9 _.:/=+@-]+$/)
      .meta({ description: 'Owning team or person (the Owner tag).' }),
    region: z
      .string()
      .regex(awsRegion)
      .max(32)
      .meta({ description: 'Primary AWS region, for example eu-west-1.', ...rules(immutable('region')) }),
    tags: z
      .record(z.string().min(1).max(128), tagValue)
      .optional()
      .meta({ description: 'Extra tags on every taggable resource.' }),
    network: networkSchema,
    database: databaseSchema,
    compute: computeSchema,
    loadBalancer: loadBalancerSchema,
    bastion: toggle('an SSM-only bastion host', false),
    serverless: z
      .object({
        enabled: z
          .boolean()
          .default(false)
          .meta({ description: 'Compose the API Lambda, API Gateway and aggregator.' }),
        schedule: z
          .string()
          .regex(/^(rate\([0-9]+ (minute|minutes|hour|hours|day|days)\)|cron\(.+\))$/)
          .max(128)
          .default('rate(5 minutes)')
          .meta({ description: 'EventBridge schedule for the metric aggregator.' }),
      })
      .prefault({}),
    dynamodb: toggle('an on-demand DynamoDB table (always on with serverless)', false),
    observability: observabilitySchema,
    compliance: complianceSchema,
    dr: drSchema,
    providerConfigName: z
      .string()
      .max(253)
      .default('default')
      .meta({ description: 'The provider-aws (Cluster)ProviderConfig that manages every resource.' }),
    deletionPolicy: z.enum(['Delete', 'Orphan']).default('Delete').meta({
      description: 'Orphan keeps data stores (database, buckets, table, keys) when the claim is deleted.',
    }),
  })
  .meta(
    rules(
      {
        rule: `!has(self.project) || !has(self.environment) || size(self.project) + size(self.environment) + (has(self.suffix) ? size(self.suffix) + 1 : 0) + 1 <= ${maxNamePrefixLength}`,
        message: `project, environment and suffix together are too long: "<project>-<environment>-<suffix>" must be at most ${maxNamePrefixLength} characters so that ALB and target group names fit AWS's 32; shorten project or suffix`,
      },
      {
        rule: 'has(oldSelf.suffix) == has(self.suffix) && (!has(self.suffix) || self.suffix == oldSelf.suffix)',
        message: 'suffix is immutable once set: changing it would destroy and recreate the environment',
      },
      {
        rule: '!self.dr.enabled || (has(self.dr.region) && self.dr.region != self.region)',
        message: 'dr.region must be set, and differ from region, when dr.enabled is true',
        fieldPath: '.dr.region',
      },
      {
        rule: "!has(self.database.version) || (self.database.engine == 'aurora-mysql' ? self.database.version.matches('^[0-9]+\\\\.[0-9]+\\\\.mysql_aurora\\\\.[0-9.]+$') : self.database.version.matches('^[0-9]+(\\\\.[0-9]+)?$'))",
        message:
          'database.version must be a major or major.minor version for postgres and aurora-postgresql (e.g. 16 or 16.6), and like 8.0.mysql_aurora.3.08.2 for aurora-mysql',
        fieldPath: '.database.version',
      },
      {
        rule: '!self.dr.enabled || self.dr.cidr != self.network.cidr',
        message:
          'dr.cidr must differ from network.cidr: the two VPCs are peered, so their ranges may not overlap',
        fieldPath: '.dr.cidr',
      },
      {
        rule: "!(self.dr.enabled && self.dr.database == 'replica') || self.database.enabled",
        message: 'dr.database: replica needs database.enabled: true (or set dr.database: none)',
        fieldPath: '.dr.database',
      },
      {
        rule: `!has(self.environment) || !${effectivePI} || !${effectiveInstanceClass}.endsWith('.micro')`,
        message:
          'database.performanceInsights is not supported on *.micro instance classes: choose a larger database.instanceClass or set performanceInsights: false',
        fieldPath: '.database.performanceInsights',
      },
      {
        rule: `!has(self.environment) || ${effective('minSize')} <= ${effective('desiredCapacity')} && ${effective('desiredCapacity')} <= ${effective('maxSize')}`,
        message:
          'compute sizes must satisfy minSize <= desiredCapacity <= maxSize (values left out take the profile defaults)',
        fieldPath: '.compute',
      },
    ),
  );

export const conditionSchema = z.object({
  type: z.string(),
  status: z.string(),
  reason: z.string().optional(),
  message: z.string().optional(),
  lastTransitionTime: z.string().optional(),
});

const componentStatus = z.object({
  ready: z.number().int(),
  total: z.number().int(),
});

/** What the compositions (endpoints) and the controller (everything else) write. */
export const statusSchema = z
  .object({
    phase: z.enum(['Provisioning', 'Ready', 'Degraded', 'Deleting']).optional(),
    observedGeneration: z.number().int().optional(),
    componentsReady: z.string().optional().meta({ description: 'ready/total composed resources' }),
    components: z.record(z.string(), componentStatus).optional(),
    endpoints: z
      .object({
        loadBalancer: z.string().optional(),
        database: z.string().optional(),
        databasePort: z.string().optional(),
        api: z.string().optional(),
        databaseSecretArn: z.string().optional(),
        drDatabase: z.string().optional(),
      })
      .optional(),
    ids: z
      .object({
        vpc: z.string().optional(),
        vpcArn: z.string().optional().meta({ description: 'Account id and partition are read from it.' }),
        drVpc: z.string().optional(),
        kmsKeyArn: z.string().optional(),
        drKmsKeyArn: z.string().optional(),
        databaseArn: z.string().optional(),
        globalClusterArn: z.string().optional(),
        buckets: z.record(z.string(), z.string()).optional(),
        albZoneId: z.string().optional(),
        albArnSuffix: z.string().optional(),
        targetGroupArnSuffix: z.string().optional(),
        certificateArn: z.string().optional(),
        certificateValidation: z
          .object({ name: z.string().optional(), type: z.string().optional(), value: z.string().optional() })
          .optional(),
        apiExecutionArn: z.string().optional(),
        appLaunchTemplateVersion: z.number().optional(),
        alarmTopicArn: z.string().optional(),
        tableArn: z.string().optional(),
        artifactBucket: z.string().optional(),
      })
      .optional(),
    blockingError: z
      .object({
        resource: z.string(),
        kind: z.string(),
        reason: z.string().optional(),
        message: z.string(),
        since: z.string().optional(),
      })
      .optional(),
    drift: z
      .object({
        count: z.number().int(),
        spec: z.number().int().optional(),
        cloud: z.number().int().optional(),
        items: z
          .array(
            z.object({
              resource: z.string(),
              kind: z.string(),
              type: z.enum(['spec', 'cloud']),
              field: z.string(),
              want: z.string().optional(),
              have: z.string().optional(),
              since: z.string(),
            }),
          )
          .optional(),
      })
      .optional(),
  })
  .meta({ description: 'Written by the composition (endpoints, ids) and the envstack controller.' });

export type PlatformEnvironmentSpecInput = z.input<typeof specSchema>;
export type PlatformEnvironmentSpec = z.output<typeof specSchema>;
export type PlatformEnvironmentStatus = z.output<typeof statusSchema>;
