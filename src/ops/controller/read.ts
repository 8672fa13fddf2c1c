/** What `envstack status` and `envstack drift` read from the cluster for one environment. */
import { KubeConfig } from '@kubernetes/client-node';
import { API_VERSION, apiNames, DEFAULT_GROUP } from '../../platform/compose/names.js';
import { statusCodeOf } from './errors.js';
import { defaultKubeConfig, KubeClient, resourcePath } from './kube.js';
import { isObject, type KObject } from './object.js';
import { type ControllerStatus } from './status.js';

export interface ReadOptions {
  group?: string;
  kubeConfig?: KubeConfig;
  out?: (text: string) => void;
}

/** What `envstack status` and `envstack drift` read: the object whose status users see, and the XR. */
export interface EnvironmentView {
  /** The claim (claim flavor) or the namespaced XR. */
  object: KObject;
  /** The status shown: the claim's (Crossplane copies it from the XR) or, before that, the XR's. */
  status: Partial<ControllerStatus>;
  /** The XR, when it could be read. */
  xr?: KObject;
  /** Where `status` came from, for --watch. */
  source: { path: string; namespace?: string; name: string };
}

const hasOwnStatus = (o: KObject | undefined): boolean =>
  isObject(o?.status) && typeof o.status.phase === 'string';

/**
 * NAME in NS is a PlatformEnvironment: a claim bound to a cluster-scoped XR through spec.resourceRef
 * (claim flavor), or the namespaced XR itself. Either way the flavor need not be given.
 */
export async function readEnvironment(
  name: string,
  namespace: string,
  opts: ReadOptions = {},
): Promise<EnvironmentView> {
  const client = new KubeClient(opts.kubeConfig ?? defaultKubeConfig());
  try {
    return await readWith(client, name, namespace, opts.group ?? DEFAULT_GROUP);
  } finally {
    client.close();
  }
}

async function readWith(
  client: KubeClient,
  name: string,
  namespace: string,
  group: string,
): Promise<EnvironmentView> {
  const plural = 'platformenvironments';
  const type = { group, version: API_VERSION, plural };
  const objPath = resourcePath(type, namespace, name);
  const object = await client.request<KObject>('GET', objPath);
  const spec = isObject(object.spec) ? object.spec : {};
  const ref = isObject(spec.resourceRef) ? spec.resourceRef : undefined;
  const collection = { path: resourcePath(type, namespace), namespace, name };
  if (!ref) {
    if (isObject(spec.crossplane) || hasOwnStatus(object))
      return { object, status: object.status ?? {}, xr: object, source: collection };
    throw new Error(`${namespace}/${name} is not bound to a composite resource yet (no spec.resourceRef)`);
  }
  if (typeof ref.name !== 'string') throw new Error(`${namespace}/${name}: spec.resourceRef has no name`);
  const xrType = { group, version: API_VERSION, plural: apiNames('claim', group).compositePlural };
  let xr: KObject | undefined;
  try {
    xr = await client.request<KObject>('GET', resourcePath(xrType, undefined, ref.name));
  } catch (err) {
    // A team may read its claims and not the cluster-scoped XRs: the claim's status is what it sees.
    if (statusCodeOf(err) !== 403 && statusCodeOf(err) !== 404) throw err;
  }
  if (hasOwnStatus(object) || !xr) return { object, status: object.status ?? {}, xr, source: collection };
  return { object, status: xr.status ?? {}, xr, source: { path: resourcePath(xrType), name: ref.name } };
}
