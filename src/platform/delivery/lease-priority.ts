/**
 * Where the API server's priority and fairness puts the controller's Lease requests. Without this the
 * renewals share the controller's own priority level (workload-low for service accounts) with its
 * lists, and at start-up the lists of ~80 kinds can queue a renewal past its renew deadline: measured
 * at 1,000 environments, the leader stepped down in the first seconds of every run.
 */
import type { JsonObject } from '../../core/json.js';
import { LEASE_RULE } from './controller-rbac.js';

/** The suggested priority level kube-apiserver creates for leader election. */
export const LEASE_PRIORITY_LEVEL = 'leader-election';
/** Below the service-account FlowSchemas (900 and 9000), so it matches first. */
export const LEASE_FLOW_SCHEMA_PRECEDENCE = 300;

export type FlowSubject =
  | { kind: 'ServiceAccount'; serviceAccount: { name: string; namespace: string } }
  | { kind: 'User'; user: { name: string } };

/** The spec of a FlowSchema that routes SUBJECT's get/create/update of Leases in NAMESPACE to PRIORITY_LEVEL. */
export function leaseFlowSchemaSpec(
  subject: FlowSubject,
  namespace: string,
  priorityLevel: string = LEASE_PRIORITY_LEVEL,
): JsonObject {
  return {
    priorityLevelConfiguration: { name: priorityLevel },
    matchingPrecedence: LEASE_FLOW_SCHEMA_PRECEDENCE,
    distinguisherMethod: { type: 'ByUser' },
    rules: [
      {
        subjects: [subject],
        resourceRules: [{ ...LEASE_RULE, namespaces: [namespace] }],
      },
    ],
  };
}
