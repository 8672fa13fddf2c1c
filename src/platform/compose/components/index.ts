/**
 * The environment's components. Each is a construct (`StackComponent`) in the style of aws-cdk:
 * its props interface names the handles it depends on (`new Database(env, 'database', { network,
 * key, securityGroups })`), and it exposes handles for others (`database.arnStatus`,
 * `key.selector`, `loadBalancer.targetGroup`). A component can only be built once its dependencies
 * exist, so the order below is the order the compiler allows; it is also the Composition's order,
 * since the Stack lists its resources in construct-tree order. Where a dependency arrives later
 * (flow logs into the log bucket, the ASG into the target group), the earlier component takes it
 * through a method (`network.addFlowLogs`, `compute.attachToTargetGroup`) and keeps the resource
 * in its own place in the tree. Conditions come from ../conditions.ts, profile values from
 * ../../api/profiles.ts.
 */
import type { LambdaArtifact } from '../../lambda/index.js';
import type { Flavor } from '../flavor.js';
import { Stack } from '../resource.js';
import { Bastion } from './bastion.js';
import { Compliance } from './compliance.js';
import { Compute } from './compute.js';
import { Database } from './database.js';
import { DisasterRecovery } from './dr.js';
import { Table } from './dynamodb.js';
import { EnvironmentKey } from './encryption.js';
import { LoadBalancer } from './loadbalancer.js';
import { Network } from './network.js';
import { Observability } from './observability.js';
import { SecurityGroups } from './security.js';
import { Serverless } from './serverless.js';
import { Storage } from './storage.js';

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

/** The components every other one builds on. */
export interface Foundation {
  network: Network;
  securityGroups: SecurityGroups;
  key: EnvironmentKey;
  storage: Storage;
}

/** Declares the foundation in `env`: the network, its security groups, the key and the log bucket. */
export function buildFoundation(env: Stack): Foundation {
  const network = new Network(env, 'network');
  const securityGroups = new SecurityGroups(env, 'security', { network });
  const key = new EnvironmentKey(env, 'encryption');
  const storage = new Storage(env, 'storage', { key });
  network.addFlowLogs(storage.logs);
  return { network, securityGroups, key, storage };
}

/** Every component of the environment, each given the handles of those it depends on. */
export function buildStack(flavor: Flavor, artifact: LambdaArtifact = SHAPE_ONLY_ARTIFACT): Stack {
  const env = new Stack(flavor);
  const { network, securityGroups, key, storage } = buildFoundation(env);
  const database = new Database(env, 'database', { network, key, securityGroups });
  const compute = new Compute(env, 'compute', { network, key, securityGroups });
  const loadBalancer = new LoadBalancer(env, 'loadbalancer', { network, securityGroups, targets: compute });
  new Bastion(env, 'bastion', { network, key, securityGroups });
  const table = new Table(env, 'dynamodb', { key });
  const serverless = new Serverless(env, 'serverless', {
    network,
    key,
    securityGroups,
    table,
    compute,
    artifact,
  });
  new Observability(env, 'observability', { key, loadBalancer, compute });
  new Compliance(env, 'compliance', { key });
  new DisasterRecovery(env, 'dr', {
    network,
    database,
    logs: storage.logs,
    replicate: [serverless.artifacts],
  });
  env.resolveConditions();
  return env;
}
