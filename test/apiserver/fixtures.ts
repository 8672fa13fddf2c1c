import { ApiException, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import {
  kubeConfigFor,
  startFakeApiServer,
  type FakeApiServer,
  type FakeApiServerOptions,
  type ResourceKind,
} from '../support/apiserver/index.js';

export const GROUP = 'example.envstack.io';
export const VERSION = 'v1alpha1';

export const WIDGET: ResourceKind = {
  group: GROUP,
  version: VERSION,
  kind: 'Widget',
  plural: 'widgets',
  namespaced: true,
  statusSubresource: true,
};

export const GADGET: ResourceKind = {
  group: GROUP,
  version: VERSION,
  kind: 'Gadget',
  plural: 'gadgets',
  namespaced: false,
};

export interface Harness {
  server: FakeApiServer;
  kc: KubeConfig;
  custom: CustomObjectsApi;
}

export async function startHarness(options: FakeApiServerOptions = {}): Promise<Harness> {
  const server = await startFakeApiServer({ kinds: [WIDGET, GADGET], ...options });
  const kc = kubeConfigFor(server);
  return { server, kc, custom: kc.makeApiClient(CustomObjectsApi) };
}

export function widget(
  name: string,
  spec: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
) {
  return { apiVersion: `${GROUP}/${VERSION}`, kind: 'Widget', metadata: { name, ...extra }, spec };
}

/** Resolves with the ApiException a promise rejects with. */
export async function apiError(
  promise: Promise<unknown>,
): Promise<{ code: number; body: Record<string, unknown>; headers: Record<string, string> }> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ApiException) {
      const body: unknown = typeof err.body === 'string' ? JSON.parse(err.body) : err.body;
      return { code: err.code, body: body as Record<string, unknown>, headers: err.headers };
    }
    throw err;
  }
  throw new Error('expected the request to fail');
}

export interface Meta {
  name: string;
  namespace?: string;
  resourceVersion: string;
  generation?: number;
  uid: string;
  creationTimestamp: string;
  managedFields?: {
    manager: string;
    operation: string;
    subresource?: string;
    fieldsV1: Record<string, unknown>;
  }[];
  labels?: Record<string, string>;
  deletionTimestamp?: string;
  finalizers?: string[];
}

export interface Obj {
  apiVersion: string;
  kind: string;
  metadata: Meta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export const asObj = (value: unknown): Obj => value as Obj;

/** Polls a condition driven by events (not by time): bounded so a failing test ends. */
export async function waitFor(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
