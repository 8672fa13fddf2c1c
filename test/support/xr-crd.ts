/**
 * The CRDs Crossplane would generate from our XRD (xrds/*.yaml), for a test API server without
 * Crossplane: the XR kind, and in the claim flavor the claim kind. Schemas are the XRD's with the
 * fields Crossplane adds (composition refs, update policy, claimRef and resourceRefs — under
 * spec.crossplane for a v2 namespaced XR — conditions, connection details) and the printer columns
 * it adds after the XRD's own. The claim and namespaced-XR schemas are src/platform/validate/crd.ts's port of
 * Crossplane's generator. Replace this module with the CRDs a real Crossplane writes when one runs.
 */
import { readFileSync } from 'node:fs';
import yaml from 'js-yaml';
import type { Flavor } from '../../src/platform/compose/flavor.js';
import { API_VERSION, apiNames, DEFAULT_GROUP } from '../../src/platform/compose/xrd.js';
import type { JSONSchemaProps } from '../../src/engine/schema/index.js';
import { platformEnvironmentCrdSchema } from '../../src/platform/validate/crd.js';

interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  priority?: number;
}

interface Xrd {
  spec: {
    versions: {
      name: string;
      additionalPrinterColumns?: PrinterColumn[];
      schema: { openAPIV3Schema: JSONSchemaProps };
    }[];
  };
}

const xrdOf = (flavor: Flavor): Xrd =>
  yaml.load(readFileSync(new URL(`../../xrds/${flavor}.yaml`, import.meta.url), 'utf8')) as Xrd;

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

const ref = (extra: Record<string, JSONSchemaProps> = {}): JSONSchemaProps => ({
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string' }, ...extra },
});
const selector = (): JSONSchemaProps => ({
  type: 'object',
  required: ['matchLabels'],
  properties: { matchLabels: { type: 'object', additionalProperties: { type: 'string' } } },
});
const resourceRefs = (): JSONSchemaProps => ({
  type: 'array',
  'x-kubernetes-list-type': 'atomic',
  items: {
    type: 'object',
    required: ['apiVersion', 'kind'],
    properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' } },
  },
});

/** The cluster-scoped legacy XR of the claim flavor (Crossplane's CompositeResourceSpecProps for v1 XRDs). */
function legacyXrSchema(): JSONSchemaProps {
  const base = clone(platformEnvironmentCrdSchema('namespaced'));
  const spec = base.properties?.spec ?? {};
  const xrdSpec = clone(xrdOf('claim').spec.versions[0].schema.openAPIV3Schema.properties?.spec ?? {});
  spec.properties = {
    ...(xrdSpec.properties ?? {}),
    compositionRef: ref(),
    compositionSelector: selector(),
    compositionRevisionRef: ref(),
    compositionRevisionSelector: selector(),
    compositionUpdatePolicy: { type: 'string', enum: ['Automatic', 'Manual'], default: 'Automatic' },
    claimRef: {
      type: 'object',
      required: ['apiVersion', 'kind', 'namespace', 'name'],
      properties: {
        apiVersion: { type: 'string' },
        kind: { type: 'string' },
        namespace: { type: 'string' },
        name: { type: 'string' },
      },
    },
    environmentConfigRefs: {
      type: 'array',
      items: {
        type: 'object',
        properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' } },
      },
    },
    resourceRefs: resourceRefs(),
    writeConnectionSecretToRef: ref({ namespace: { type: 'string' } }),
  };
  const status = base.properties?.status ?? {};
  status.properties = {
    ...(status.properties ?? {}),
    connectionDetails: {
      type: 'object',
      properties: { lastPublishedTime: { type: 'string', format: 'date-time' } },
    },
    claimConditionTypes: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'string' } },
  };
  return base;
}

const condition = (name: string, type: string): PrinterColumn => ({
  name,
  type: 'string',
  jsonPath: `.status.conditions[?(@.type=='${type}')].status`,
});
const AGE: PrinterColumn = { name: 'AGE', type: 'date', jsonPath: '.metadata.creationTimestamp' };

export interface CrdObject {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string };
  spec: Record<string, unknown>;
}

function crd(
  group: string,
  kind: string,
  plural: string,
  scope: 'Cluster' | 'Namespaced',
  schema: JSONSchemaProps,
  columns: PrinterColumn[],
  categories: string[],
): CrdObject {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope,
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List`, categories },
      versions: [
        {
          name: API_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: columns,
          schema: { openAPIV3Schema: schema },
        },
      ],
    },
  };
}

/** The CRDs of FLAVOR's PlatformEnvironment kinds: [XR] (namespaced) or [XR, claim] (claim). */
export function xrCrds(flavor: Flavor, group = DEFAULT_GROUP): CrdObject[] {
  const names = apiNames(flavor, group);
  const columns = xrdOf(flavor).spec.versions[0].additionalPrinterColumns ?? [];
  if (flavor === 'namespaced')
    return [
      crd(
        group,
        names.compositeKind,
        names.compositePlural,
        'Namespaced',
        clone(platformEnvironmentCrdSchema('namespaced')),
        [
          ...columns,
          condition('SYNCED', 'Synced'),
          condition('READY', 'Ready'),
          { name: 'COMPOSITION', type: 'string', jsonPath: '.spec.crossplane.compositionRef.name' },
          AGE,
        ],
        ['envstack', 'crossplane', 'composite'],
      ),
    ];
  return [
    crd(
      group,
      names.compositeKind,
      names.compositePlural,
      'Cluster',
      legacyXrSchema(),
      [
        ...columns,
        condition('SYNCED', 'Synced'),
        condition('READY', 'Ready'),
        { name: 'COMPOSITION', type: 'string', jsonPath: '.spec.compositionRef.name' },
        AGE,
      ],
      ['envstack', 'crossplane', 'composite'],
    ),
    crd(
      group,
      'PlatformEnvironment',
      'platformenvironments',
      'Namespaced',
      clone(platformEnvironmentCrdSchema('claim')),
      [
        ...columns,
        condition('SYNCED', 'Synced'),
        condition('READY', 'Ready'),
        { name: 'CONNECTION-SECRET', type: 'string', jsonPath: '.spec.writeConnectionSecretToRef.name' },
        AGE,
      ],
      ['envstack', 'claim'],
    ),
  ];
}
