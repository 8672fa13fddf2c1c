import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { specOpenApi, statusOpenApi } from '../api/openapi.js';
import type { Flavor } from './flavor.js';
import { API_VERSION, apiNames, compositionName, DEFAULT_GROUP, type ApiNames } from './names.js';

export { API_VERSION, apiNames, compositionName, DEFAULT_GROUP, type ApiNames };

/** Crossplane adds SYNCED, READY and AGE itself (declaring them again would show them twice). */
const printerColumns = [
  { name: 'PHASE', type: 'string', jsonPath: '.status.phase' },
  { name: 'COMPONENTS', type: 'string', jsonPath: '.status.componentsReady' },
  { name: 'DRIFT', type: 'integer', jsonPath: '.status.drift.count' },
  { name: 'ENDPOINT', type: 'string', jsonPath: '.status.endpoints.loadBalancer' },
];

export const connectionSecretKeys = [
  'host',
  'port',
  'endpoint',
  'username',
  'secretArn',
  'loadBalancer',
  'apiUrl',
];

export interface XrdProps {
  flavor: Flavor;
  group?: string;
}

export class PlatformEnvironmentXrd extends Construct {
  readonly names: ApiNames;

  constructor(scope: Construct, id: string, props: XrdProps) {
    super(scope, id);
    this.names = apiNames(props.flavor, props.group);
    const { group, compositeKind, compositePlural, xrdName } = this.names;
    const version = {
      name: API_VERSION,
      served: true,
      referenceable: true,
      additionalPrinterColumns: printerColumns,
      schema: {
        openAPIV3Schema: {
          type: 'object',
          description:
            'A whole AWS environment: network, data, compute, serverless, observability, compliance, DR.',
          required: ['spec'],
          properties: { spec: specOpenApi(), status: statusOpenApi() },
        },
      },
    };
    const common = {
      group,
      names: { kind: compositeKind, plural: compositePlural, categories: ['envstack', 'crossplane'] },
      defaultCompositionRef: { name: compositionName(props.flavor, group) },
      versions: [version],
    };
    new ApiObject(this, 'xrd', {
      apiVersion:
        props.flavor === 'claim' ? 'apiextensions.crossplane.io/v1' : 'apiextensions.crossplane.io/v2',
      kind: 'CompositeResourceDefinition',
      metadata: { name: xrdName },
      spec:
        props.flavor === 'claim'
          ? {
              ...common,
              claimNames: {
                kind: 'PlatformEnvironment',
                plural: 'platformenvironments',
                categories: ['envstack'],
              },
              connectionSecretKeys,
            }
          : { ...common, scope: 'Namespaced' },
    });
  }
}
