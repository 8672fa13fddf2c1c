import type { LambdaArtifact } from '../../lambda/index.js';
import type { Flavor } from '../flavor.js';
import { Stack } from '../resource.js';
import { bastion } from './bastion.js';
import { compliance } from './compliance.js';
import { compute } from './compute.js';
import { database } from './database.js';
import { dr } from './dr.js';
import { dynamodb } from './dynamodb.js';
import { encryption } from './encryption.js';
import { loadBalancer } from './loadbalancer.js';
import { network } from './network.js';
import { observability } from './observability.js';
import { security } from './security.js';
import { serverless } from './serverless.js';
import { storage } from './storage.js';

/**
 * Stands in for the Lambda bundle where only the shape of the stack matters (which kinds it
 * composes, for the controller and RBAC). Synthesis always passes the real bundle.
 */
export const SHAPE_ONLY_ARTIFACT: LambdaArtifact = {
  zip: new Uint8Array(),
  base64: '',
  sha256Base64: '',
  key: 'lambda/envstack-shape-only.zip',
  handlers: { api: 'api-handler.handler', aggregator: 'metric-aggregator.handler' },
};

/** Every component of the environment, in the order they are declared in the Composition. */
export function buildStack(flavor: Flavor, artifact: LambdaArtifact = SHAPE_ONLY_ARTIFACT): Stack {
  const stack = new Stack(flavor);
  network(stack);
  security(stack);
  encryption(stack);
  storage(stack);
  database(stack);
  compute(stack);
  loadBalancer(stack);
  bastion(stack);
  dynamodb(stack);
  serverless(stack, artifact);
  observability(stack);
  compliance(stack);
  dr(stack);
  stack.resolveConditions();
  return stack;
}
