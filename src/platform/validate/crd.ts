/**
 * The schema of the CRD Crossplane generates from our XRD for the kind users apply (the claim in the
 * claim flavor, the namespaced XR in the namespaced flavor): a port of Crossplane v2.2.1's
 * internal/xcrd (genCrdVersion, ForCompositeResourceClaim, ForCompositeResource). It is what the
 * apiserver validates a PlatformEnvironment against, so `envstack validate` uses it too; the live
 * admission test compares it with the CRD a real Crossplane generates.
 */
import { specOpenApi, statusOpenApi } from '../api/openapi.js';
import type { Flavor } from '../compose/flavor.js';
import type { JSONSchemaProps } from '../../engine/index.js';

/** Crossplane uses claim and XR names as label values, so it caps metadata.name at 63 characters. */
export const MAX_NAME_LENGTH = 63;

const ref = (): JSONSchemaProps => ({
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string' } },
});
const selector = (): JSONSchemaProps => ({
  type: 'object',
  required: ['matchLabels'],
  properties: { matchLabels: { type: 'object', additionalProperties: { type: 'string' } } },
});

/** CompositeResourceClaimSpecProps, with the XRD's defaultCompositeDeletePolicy (defaulted to Background). */
function claimSpecProps(): Record<string, JSONSchemaProps> {
  return {
    compositionRef: ref(),
    compositionSelector: selector(),
    compositionRevisionRef: ref(),
    compositionRevisionSelector: selector(),
    compositionUpdatePolicy: { type: 'string', enum: ['Automatic', 'Manual'] },
    compositeDeletePolicy: { type: 'string', enum: ['Background', 'Foreground'], default: 'Background' },
    resourceRef: {
      type: 'object',
      required: ['apiVersion', 'kind', 'name'],
      properties: { apiVersion: { type: 'string' }, kind: { type: 'string' }, name: { type: 'string' } },
    },
    writeConnectionSecretToRef: ref(),
  };
}

/** CompositeResourceSpecProps for a Namespaced XR (the XRD's defaultCompositionUpdatePolicy is Automatic). */
function namespacedSpecProps(): Record<string, JSONSchemaProps> {
  return {
    crossplane: {
      type: 'object',
      description: 'Configures how Crossplane will reconcile this composite resource',
      properties: {
        compositionRef: ref(),
        compositionSelector: selector(),
        compositionRevisionRef: ref(),
        compositionRevisionSelector: selector(),
        compositionUpdatePolicy: { type: 'string', enum: ['Automatic', 'Manual'], default: 'Automatic' },
        resourceRefs: {
          type: 'array',
          'x-kubernetes-list-type': 'atomic',
          items: {
            type: 'object',
            required: ['apiVersion', 'kind'],
            properties: {
              apiVersion: { type: 'string' },
              name: { type: 'string' },
              kind: { type: 'string' },
            },
          },
        },
      },
    },
  };
}

/** CompositeResourceStatusProps: a claim gets the legacy XR's (connectionDetails, claimConditionTypes). */
function statusProps(flavor: Flavor): Record<string, JSONSchemaProps> {
  const props: Record<string, JSONSchemaProps> = {
    conditions: {
      description: 'Conditions of the resource.',
      type: 'array',
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
      items: {
        type: 'object',
        required: ['lastTransitionTime', 'reason', 'status', 'type'],
        properties: {
          lastTransitionTime: { type: 'string', format: 'date-time' },
          message: { type: 'string' },
          reason: { type: 'string' },
          status: { type: 'string' },
          type: { type: 'string' },
          observedGeneration: { type: 'integer', format: 'int64' },
        },
      },
    },
  };
  if (flavor === 'claim') {
    props.connectionDetails = {
      type: 'object',
      properties: { lastPublishedTime: { type: 'string', format: 'date-time' } },
    };
    props.claimConditionTypes = {
      type: 'array',
      'x-kubernetes-list-type': 'set',
      items: { type: 'string' },
    };
  }
  return props;
}

/** A deep copy made in this realm (structuredClone's objects confuse cel-js inside jest's VMs). */
const jsonClone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** The keys of a schema genCrdVersion carries over from the XRD's spec and status (the rest is dropped). */
function pick(s: JSONSchemaProps, keys: (keyof JSONSchemaProps)[]): JSONSchemaProps {
  const out: JSONSchemaProps = {};
  for (const k of keys) if (s[k] !== undefined) Object.assign(out, { [k]: jsonClone(s[k]) });
  return out;
}

const cache = new Map<Flavor, JSONSchemaProps>();

/**
 * The openAPIV3Schema of the PlatformEnvironment CRD Crossplane generates in FLAVOR. Callers must not
 * mutate it (it is computed once per process).
 */
export function platformEnvironmentCrdSchema(flavor: Flavor): JSONSchemaProps {
  const cached = cache.get(flavor);
  if (cached) return cached;
  const spec = specOpenApi() as JSONSchemaProps;
  const status = statusOpenApi() as JSONSchemaProps;
  const schema: JSONSchemaProps = {
    type: 'object',
    description:
      'A whole AWS environment: network, data, compute, serverless, observability, compliance, DR.',
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object', properties: { name: { type: 'string', maxLength: MAX_NAME_LENGTH } } },
      spec: {
        type: 'object',
        ...pick(spec, [
          'description',
          'required',
          'x-kubernetes-preserve-unknown-fields',
          'x-kubernetes-validations',
          'oneOf',
        ]),
        // Crossplane copies the XRD's spec properties first, then its own over them.
        properties: {
          ...jsonClone(spec.properties ?? {}),
          ...(flavor === 'claim' ? claimSpecProps() : namespacedSpecProps()),
        },
      },
      status: {
        type: 'object',
        ...pick(status, ['description', 'required', 'x-kubernetes-validations', 'oneOf']),
        properties: { ...jsonClone(status.properties ?? {}), ...statusProps(flavor) },
      },
    },
  };
  cache.set(flavor, schema);
  return schema;
}
