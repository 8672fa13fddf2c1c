/**
 * The shapes of Crossplane's composition-function protocol (apiextensions.fn.proto.v1
 * RunFunctionRequest / RunFunctionResponse), as plain objects. Every in-process function
 * (patch-and-transform, cel-filter, auto-ready) and the render pipeline speak these.
 */

import type { JsonObject, Unstructured } from '../../core/json.js';

export type { JsonObject, Unstructured, ObjectMeta } from '../../core/json.js';

/** Ready as the protocol spells it. */
export type Ready = 'READY_UNSPECIFIED' | 'READY_TRUE' | 'READY_FALSE';

export interface FnResource {
  resource: Unstructured;
  /** Values are the raw bytes, base64-encoded (protojson's encoding of `bytes`). */
  connectionDetails?: Record<string, string>;
  ready?: Ready;
}

export interface FnState {
  composite?: FnResource;
  resources: Record<string, FnResource>;
}

export type Severity = 'SEVERITY_FATAL' | 'SEVERITY_WARNING' | 'SEVERITY_NORMAL';

export interface FnResult {
  severity: Severity;
  message: string;
  reason?: string;
  target?: 'TARGET_COMPOSITE' | 'TARGET_COMPOSITE_AND_CLAIM';
}

export interface FnCondition {
  type: string;
  status: 'STATUS_CONDITION_TRUE' | 'STATUS_CONDITION_FALSE' | 'STATUS_CONDITION_UNKNOWN';
  reason: string;
  message?: string;
  target?: 'TARGET_COMPOSITE' | 'TARGET_COMPOSITE_AND_CLAIM';
}

export interface RunFunctionRequest {
  meta?: { tag?: string };
  observed: FnState;
  desired: FnState;
  input?: Unstructured;
  context?: JsonObject;
}

export interface RunFunctionResponse {
  meta?: { tag?: string; ttl?: string };
  desired: FnState;
  results: FnResult[];
  context?: JsonObject;
  conditions?: FnCondition[];
}

/** A composition function run in-process. It must not mutate its request. */
export type CompositionFunction = (req: RunFunctionRequest) => RunFunctionResponse;
