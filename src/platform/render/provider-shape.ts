/**
 * The provider model: what provider-aws (upjet) and AWS make of a managed resource once it exists.
 * `render --converge` feeds it back as observed state, the sandbox's provider stand-in writes it to
 * the cluster, and the controller's tests use it as the ground truth for "untouched", so the three
 * cannot disagree. Everything here is a pure function of the resource (and its siblings' identities):
 *
 * - the external name and `status.atProvider`: every forProvider field the CRD reports back, in the
 *   form AWS returns it (JSON documents re-serialised compactly with sorted keys, sets of ids in
 *   AWS's order), plus the computed fields (id, ARN, endpoints, owner, …) with plausible values;
 * - late initialisation: selectors resolved to their targets' ids/ARNs, the tags upjet adds to every
 *   taggable resource (crossplane-kind, crossplane-name, crossplane-providerconfig), and the values
 *   AWS fills in for fields left unset (VPC tenancy, queue timeouts, RDS windows, …) written back to
 *   spec.forProvider, as upjet late-initialises them;
 * - `tags` and `tagsAll` in atProvider: the resource's tags merged with the provider's defaults;
 * - Ready=True and Synced=True.
 */
import { createHash } from 'node:crypto';
import { type JSONSchemaProps, ANNOTATION_COMPOSITION_RESOURCE_NAME } from '../../engine/index.js';
import { schemaIndex } from '../validate/index.js';
import { type JsonObject, type Unstructured, cloneJson, isObject } from '../../core/json.js';
import { RESOURCE_LABEL } from '../compose/names.js';

type JsonValue = unknown;

export const ACCOUNT_ID = '123456789012';
export const EXTERNAL_NAME = 'crossplane.io/external-name';
/** The tags upjet's tagger adds to every resource whose schema has `tags`. */
export const CROSSPLANE_TAGS = ['crossplane-kind', 'crossplane-name', 'crossplane-providerconfig'] as const;
/** When the model says a resource became Ready and Synced. */
const OBSERVED_TIME = '2024-01-01T00:00:00Z';

function digest(seed: string, length: number): string {
  return createHash('sha256').update(seed).digest('hex').slice(0, length);
}

const resourceName = (u: Unstructured): string =>
  u.metadata?.annotations?.[ANNOTATION_COMPOSITION_RESOURCE_NAME] ?? u.metadata?.name ?? '';

const arnService: Record<string, string> = {
  elbv2: 'elasticloadbalancing',
  cloudwatchlogs: 'logs',
  cloudwatchevents: 'events',
  apigateway: 'apigateway',
  configservice: 'config',
};

const idPrefix: Record<string, string> = {
  VPC: 'vpc',
  Subnet: 'subnet',
  SecurityGroup: 'sg',
  SecurityGroupRule: 'sgr',
  RouteTable: 'rtb',
  RouteTableAssociation: 'rtbassoc',
  InternetGateway: 'igw',
  NATGateway: 'nat',
  EIP: 'eipalloc',
  VPCEndpoint: 'vpce',
  LaunchTemplate: 'lt',
  FlowLog: 'fl',
  Instance: 'i',
  VPCPeeringConnection: 'pcx',
};

/** Who a resource is in AWS: what ids and ARNs are derived from. */
export interface Identity {
  service: string;
  region: string;
  id: string;
  arn: string;
  name: string;
}

/** The identity AWS gives a resource (deterministic in its kind, region, name and seed). */
export function identityOf(desired: Unstructured, seed: string): Identity {
  const group = (desired.apiVersion ?? '').split('/')[0];
  const service = arnService[group.split('.')[0]] ?? group.split('.')[0];
  const forProvider = isObject(desired.spec?.forProvider) ? desired.spec.forProvider : {};
  const region = typeof forProvider.region === 'string' ? forProvider.region : '';
  const kind = desired.kind ?? '';
  const annotated = desired.metadata?.annotations?.[EXTERNAL_NAME];
  const name =
    annotated ??
    (isObject(forProvider.tags) && typeof forProvider.tags.Name === 'string'
      ? forProvider.tags.Name
      : ((typeof forProvider.name === 'string' ? forProvider.name : undefined) ??
        `${kind.toLowerCase()}-${digest(seed, 8)}`));
  const id =
    annotated ??
    (idPrefix[kind] && group.startsWith('ec2.')
      ? `${idPrefix[kind]}-0${digest(seed, 16)}`
      : kind === 'Key'
        ? uuidOf(seed)
        : name);
  const resourceType = kind.toLowerCase();
  const arn =
    service === 's3'
      ? `arn:aws:s3:::${id}`
      : service === 'iam'
        ? `arn:aws:iam::${ACCOUNT_ID}:${resourceType}/${id}`
        : service === 'sqs' || service === 'sns'
          ? `arn:aws:${service}:${region}:${ACCOUNT_ID}:${id}`
          : `arn:aws:${service}:${region}:${ACCOUNT_ID}:${resourceType}/${id}`;
  return { service, region, id, arn, name };
}

function uuidOf(seed: string): string {
  const h = digest(seed, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const enginePorts: Record<string, number> = {
  postgres: 5432,
  'aurora-postgresql': 5432,
  'aurora-mysql': 3306,
  mysql: 3306,
};

/** A plausible value for a computed `status.atProvider` field, or undefined when none fits. */
function computedValue(
  field: string,
  schema: JSONSchemaProps,
  who: Identity,
  desired: Unstructured,
  depth: number,
): unknown {
  const seed = `${who.arn}/${field}`;
  const host = `${who.name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}.c${digest(seed, 12)}.${who.region}.${who.service}.amazonaws.com`;
  const forProvider = isObject(desired.spec?.forProvider) ? desired.spec.forProvider : {};
  if (schema.type === 'string') {
    if (field === 'id') return who.id;
    if (field === 'arn') return who.arn;
    if (field === 'ownerId' || field === 'accountId') return ACCOUNT_ID;
    if (field === 'arnSuffix')
      return `${desired.kind === 'LB' ? 'app' : 'targetgroup'}/${who.name}/${digest(seed, 16)}`;
    if (field === 'executionArn') return `arn:aws:execute-api:${who.region}:${ACCOUNT_ID}:${who.id}`;
    if (/Arn$/.test(field)) return `${who.arn}/${field.replace(/Arn$/, '')}`;
    if (field === 'dnsName')
      return `${who.name}-${parseInt(digest(seed, 8), 16)}.${who.region}.elb.amazonaws.com`;
    if (field === 'endpoint' && typeof enginePorts[String(forProvider.engine)] === 'number')
      return `${host}:${enginePorts[String(forProvider.engine)]}`;
    if (field === 'endpoint' || field === 'address' || field === 'readerEndpoint') return host;
    if (field === 'invokeUrl')
      return `https://${who.id}.execute-api.${who.region}.amazonaws.com/${String(forProvider.stageName ?? '')}`;
    if (/[uU]rl$/.test(field)) return `https://${host}/`;
    if (/^(hostedZoneId|zoneId)$/.test(field)) return `Z${digest(seed, 13).toUpperCase()}`;
    if (/Id$/.test(field)) return `${field.replace(/Id$/, '').toLowerCase()}-0${digest(seed, 16)}`;
    if (field === 'status') return 'available';
    if (field === 'resourceRecordName')
      return `_${digest(seed, 32)}.${String(forProvider.domainName ?? who.name)}.`;
    if (field === 'resourceRecordValue') return `_${digest(`${seed}/v`, 32)}.acm-validations.aws.`;
    if (field === 'resourceRecordType') return 'CNAME';
    return `${field}-${digest(seed, 8)}`;
  }
  if (schema.type === 'integer' || schema.type === 'number')
    return field === 'port' ? (enginePorts[String(forProvider.engine)] ?? 443) : 1;
  if (depth > 0) return undefined;
  const items = schema.items && !Array.isArray(schema.items) ? (schema.items as JSONSchemaProps) : undefined;
  if (schema.type === 'array' && items?.type === 'object' && items.properties) {
    const element: JsonObject = {};
    for (const [k, s] of Object.entries(items.properties)) {
      const v = computedValue(k, s, who, desired, depth + 1);
      if (v !== undefined) element[k] = v;
    }
    return [element];
  }
  return undefined;
}

function atProviderSchemas(desired: Unstructured): {
  atProvider: Record<string, JSONSchemaProps>;
  forProvider: Record<string, JSONSchemaProps>;
} {
  let schema: JSONSchemaProps | undefined;
  try {
    schema = schemaIndex().get(desired.apiVersion ?? '', desired.kind ?? '')?.schema;
  } catch {
    schema = undefined;
  }
  const spec = schema?.properties?.spec?.properties?.forProvider?.properties ?? {};
  const status = schema?.properties?.status?.properties?.atProvider?.properties ?? {};
  return { atProvider: status, forProvider: spec };
}

/** `vpcIdSelector` → `vpcId`, `subnetIdsSelector` → `subnetIds`, `bucketSelector` → `bucket`. */
function resolvedField(selectorKey: string): string {
  return selectorKey.replace(/Selector$/, '');
}

function resolveSelectors(forProvider: JsonObject, byLabel: ReadonlyMap<string, Identity>): void {
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isObject(node)) return;
    for (const [k, v] of Object.entries(node)) {
      if (/Selector$/.test(k) && isObject(v) && isObject(v.matchLabels)) {
        const target = byLabel.get(String(v.matchLabels[RESOURCE_LABEL] ?? ''));
        const field = resolvedField(k);
        if (!target || field in node) continue;
        const value = /Arns?$/.test(field) ? target.arn : target.id;
        node[field] = /s$/.test(field) && !/Address$/.test(field) ? [value] : value;
      } else visit(v);
    }
  };
  visit(forProvider);
}

/** What AWS fills in for fields left unset, per kind: upjet late-initialises them into spec.forProvider. */
const AWS_DEFAULTS: Record<string, (forProvider: JsonObject) => JsonObject> = {
  VPC: () => ({
    instanceTenancy: 'default',
    enableDnsSupport: true,
    enableDnsHostnames: false,
    enableNetworkAddressUsageMetrics: false,
    assignGeneratedIpv6CidrBlock: false,
  }),
  Subnet: () => ({
    mapPublicIpOnLaunch: false,
    assignIpv6AddressOnCreation: false,
    enableDns64: false,
    enableResourceNameDnsARecordOnLaunch: false,
    enableResourceNameDnsAaaaRecordOnLaunch: false,
    privateDnsHostnameTypeOnLaunch: 'ip-name',
  }),
  SecurityGroup: () => ({ revokeRulesOnDelete: false }),
  Bucket: () => ({ forceDestroy: false, objectLockEnabled: false }),
  Key: () => ({
    keyUsage: 'ENCRYPT_DECRYPT',
    customerMasterKeySpec: 'SYMMETRIC_DEFAULT',
    isEnabled: true,
    multiRegion: false,
    bypassPolicyLockoutSafetyCheck: false,
  }),
  Role: () => ({ maxSessionDuration: 3600, path: '/', forceDetachPolicies: false }),
  Queue: () => ({
    delaySeconds: 0,
    maxMessageSize: 262144,
    messageRetentionSeconds: 345600,
    receiveWaitTimeSeconds: 0,
    visibilityTimeoutSeconds: 30,
    fifoQueue: false,
  }),
  Topic: () => ({ fifoTopic: false }),
  Function: () => ({ memorySize: 128, timeout: 3, packageType: 'Zip', publish: false }),
  Instance: (fp) => ({
    ...(typeof enginePorts[String(fp.engine)] === 'number' ? { port: enginePorts[String(fp.engine)] } : {}),
    storageType: 'gp2',
    backupWindow: '03:00-03:30',
    maintenanceWindow: 'sun:04:00-sun:04:30',
    autoMinorVersionUpgrade: true,
    copyTagsToSnapshot: false,
    networkType: 'IPV4',
    caCertIdentifier: 'rds-ca-rsa2048-g1',
  }),
  Cluster: (fp) => ({
    ...(typeof enginePorts[String(fp.engine)] === 'number' ? { port: enginePorts[String(fp.engine)] } : {}),
    engineMode: 'provisioned',
    networkType: 'IPV4',
    preferredBackupWindow: '03:00-03:30',
    preferredMaintenanceWindow: 'sun:04:00-sun:04:30',
  }),
  LB: () => ({
    idleTimeout: 60,
    enableHttp2: true,
    ipAddressType: 'ipv4',
    enableDeletionProtection: false,
    dropInvalidHeaderFields: false,
  }),
  LBTargetGroup: () => ({ deregistrationDelay: '300', slowStart: 0, ipAddressType: 'ipv4' }),
  Table: () => ({ tableClass: 'STANDARD' }),
  AutoscalingGroup: () => ({ defaultCooldown: 300, healthCheckGracePeriod: 300, protectFromScaleIn: false }),
};

const schemaTypeOf = (v: JsonValue): string =>
  typeof v === 'number' ? (Number.isInteger(v) ? 'integer' : 'number') : typeof v;

function fitsSchema(v: JsonValue, schema: JSONSchemaProps | undefined): boolean {
  if (!schema?.type) return false;
  const t = schemaTypeOf(v);
  return schema.type === t || (schema.type === 'number' && t === 'integer');
}

/** JSON held in a string (policies, dashboards, container definitions) as AWS returns it: compact, keys sorted. */
function awsJsonForm(v: string): string {
  const t = v.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return v;
  try {
    return JSON.stringify(sortKeys(JSON.parse(t)));
  } catch {
    return v;
  }
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (!isObject(v)) return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v).sort()) out[k] = sortKeys(v[k]);
  return out;
}

/** A forProvider value as AWS reports it back: JSON re-serialised, sets of ids and ARNs in AWS's (sorted) order. */
function awsForm(key: string, v: JsonValue): JsonValue {
  if (typeof v === 'string') return awsJsonForm(v);
  if (Array.isArray(v)) {
    const scalars = v.every((x) => typeof x === 'string' || typeof x === 'number');
    if (scalars && /(Ids|Arns|Blocks|Cidrs)$/.test(key)) return [...v].sort();
    return v.map((x) => awsForm('', x));
  }
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) out[k] = awsForm(k, x);
    return out;
  }
  return v;
}

export interface ProviderShapeOptions {
  /** Identities of the resource's siblings by composition resource name: selectors resolve to them. */
  siblings?: ReadonlyMap<string, Identity>;
  /** The ProviderConfig's default tags, merged into atProvider.tagsAll. */
  defaultTags?: Record<string, string>;
}

/** The identity of a resource in the model: by its composition resource name, as its siblings know it. */
function identityFor(mr: Unstructured, options: ProviderShapeOptions = {}): Identity {
  const name = resourceName(mr);
  return options.siblings?.get(name) ?? identityOf(mr, name);
}

/**
 * spec.forProvider as the provider leaves it: selectors resolved, upjet's crossplane-* tags added
 * and AWS's values for fields left unset filled in. Returns a new object.
 */
export function lateInitialized(mr: Unstructured, options: ProviderShapeOptions = {}): JsonObject {
  const forProvider = cloneJson(isObject(mr.spec?.forProvider) ? mr.spec.forProvider : {}) as JsonObject;
  if (options.siblings) resolveSelectors(forProvider, options.siblings);
  const schemas = atProviderSchemas(mr);
  const taggable = 'tags' in schemas.forProvider || isObject(forProvider.tags);
  if (taggable) {
    const group = (mr.apiVersion ?? '').split('/')[0];
    const providerConfig = isObject(mr.spec?.providerConfigRef) ? mr.spec.providerConfigRef.name : undefined;
    forProvider.tags = {
      ...(isObject(forProvider.tags) ? forProvider.tags : {}),
      'crossplane-kind': `${(mr.kind ?? '').toLowerCase()}.${group}`,
      'crossplane-name': mr.metadata?.name ?? '',
      'crossplane-providerconfig': typeof providerConfig === 'string' ? providerConfig : 'default',
    };
  }
  const defaults = AWS_DEFAULTS[mr.kind ?? '']?.(forProvider) ?? {};
  for (const [k, v] of Object.entries(defaults)) {
    if (k in forProvider) continue;
    if (fitsSchema(v, schemas.forProvider[k]) && fitsSchema(v, schemas.atProvider[k])) forProvider[k] = v;
  }
  return forProvider;
}

/**
 * The status provider-aws writes for a managed resource once AWS has it: atProvider (the
 * late-initialised forProvider as AWS reports it, computed fields, tags merged with the provider's
 * defaults) and Ready/Synced. Pure: the same resource gives the same status.
 */
export function observedStatus(mr: Unstructured, options: ProviderShapeOptions = {}): JsonObject {
  const who = identityFor(mr, options);
  const forProvider = lateInitialized(mr, options);
  const schemas = atProviderSchemas(mr);
  const known = Object.keys(schemas.atProvider).length > 0;
  const atProvider: JsonObject = {};
  for (const [k, v] of Object.entries(forProvider)) {
    if (/(Ref|Refs|Selector)$/.test(k)) continue;
    if (!known || k in schemas.atProvider) atProvider[k] = awsForm(k, cloneJson(v));
  }
  if (isObject(forProvider.tags)) {
    const tags = cloneJson(forProvider.tags) as JsonObject;
    if (!known || 'tags' in schemas.atProvider) atProvider.tags = tags;
    atProvider.tagsAll = { ...(options.defaultTags ?? {}), ...tags };
  }
  const withExternal: Unstructured = {
    ...mr,
    metadata: {
      ...(mr.metadata ?? {}),
      annotations: { ...(mr.metadata?.annotations ?? {}), [EXTERNAL_NAME]: who.id },
    },
  };
  for (const [k, s] of Object.entries(schemas.atProvider)) {
    if (k in atProvider || k in schemas.forProvider) continue;
    const v = computedValue(k, s, who, withExternal, 0);
    if (v !== undefined) atProvider[k] = v;
  }
  if (!('id' in atProvider)) atProvider.id = who.id;
  if (!('arn' in atProvider) && !known) atProvider.arn = who.arn;
  return {
    atProvider,
    conditions: [
      { type: 'Ready', status: 'True', reason: 'Available', lastTransitionTime: OBSERVED_TIME },
      { type: 'Synced', status: 'True', reason: 'ReconcileSuccess', lastTransitionTime: OBSERVED_TIME },
    ],
  };
}

/** The whole object as the provider leaves it: external name, late-initialised spec and status. */
export function providerShaped(mr: Unstructured, options: ProviderShapeOptions = {}): Unstructured {
  const who = identityFor(mr, options);
  const out = cloneJson(mr);
  const meta = (out.metadata ??= {});
  meta.annotations = { ...(meta.annotations ?? {}), [EXTERNAL_NAME]: who.id };
  const spec = (out.spec ??= {});
  spec.forProvider = lateInitialized(out, options);
  out.status = observedStatus(out, options);
  return out;
}
