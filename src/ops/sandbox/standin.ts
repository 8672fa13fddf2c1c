/**
 * The provider stand-in: plays provider-aws and AWS for the sandbox. It watches (by listing) every
 * managed-resource kind the Compositions use and, for each composed resource, writes what the
 * provider would once AWS has created it — the external name, `status.atProvider` and Ready/Synced —
 * using the same model as `envstack render --converge` (src/platform/render/converge.ts), so the sandbox and
 * the offline preview cannot disagree about what "created" looks like.
 *
 * Faults are injected through a JSON file (FaultSpec[]) re-read on every pass.
 */
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { describe } from '../controller/controller.js';
import { ANNOTATION_COMPOSITION_RESOURCE_NAME } from '../../engine/index.js';
import { identityOf, synthesizeObserved, type Identity } from '../../platform/render/converge.js';
import { type JsonObject, type Unstructured, isObject } from '../../core/json.js';
import { sleep } from './supervisor.js';

const STANDIN_FIELD_MANAGER = 'provider-aws-standin';
/** The finalizer provider-aws puts on every managed resource so it can delete the external resource first. */
const MANAGED_FINALIZER = 'finalizer.managedresource.crossplane.io';
const EXTERNAL_NAME = 'crossplane.io/external-name';
const COMPOSITE_LABEL = 'crossplane.io/composite';

export interface ManagedKind {
  group: string;
  version: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

/** A fault: which resources it hits and what the stand-in reports for them instead. */
export interface FaultSpec {
  /** Composition resource name (crossplane.io/composition-resource-name), or '*'. */
  resource: string;
  /** Only resources of this composite (crossplane.io/composite label); any when omitted. */
  composite?: string;
  /** Report Synced=False with this provider-style message (Ready stays as it was). */
  syncError?: string;
  /** Never report Ready=True. */
  neverReady?: boolean;
  /** Values AWS changed behind our back, merged into status.atProvider. */
  atProvider?: JsonObject;
}

/** What the stand-in's "AWS" holds: every external resource it created, and what became of it. */
export interface CloudRecord {
  kind: string;
  resource: string;
  composite: string;
  externalName: string;
  state: 'exists' | 'deleted' | 'orphaned';
  /** The managed resource's uid (one record per managed resource). */
  uid?: string;
  /** Order of the last change of state, across the whole inventory (deletion order). */
  seq: number;
}

export interface StandInOptions {
  kubeConfig: KubeConfig;
  kinds: readonly ManagedKind[];
  faultsFile?: string;
  /** Where the stand-in keeps its "AWS" inventory (JSON, CloudRecord[]); in memory only when omitted. */
  cloudFile?: string;
  intervalMs?: number;
  log?: (msg: string) => void;
}

export interface StandIn {
  /** One pass over every kind; resolves with the number of objects written. */
  pass(): Promise<number>;
  /** The "AWS" inventory. */
  cloud(): CloudRecord[];
  /** Runs passes until stop(). */
  run(): Promise<void>;
  stop(): void;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

function readFaults(file?: string): FaultSpec[] {
  if (!file || !existsSync(file)) return [];
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return Array.isArray(parsed) ? (parsed as FaultSpec[]) : [];
  } catch {
    return [];
  }
}

const resourceOf = (u: Unstructured): string =>
  u.metadata?.annotations?.[ANNOTATION_COMPOSITION_RESOURCE_NAME] ?? '';
const compositeOf = (u: Unstructured): string => u.metadata?.labels?.[COMPOSITE_LABEL] ?? '';

function applyFaults(u: Unstructured, status: JsonObject, faults: readonly FaultSpec[]): JsonObject {
  const hits = faults.filter(
    (f) =>
      (f.resource === '*' || f.resource === resourceOf(u)) &&
      (!f.composite || f.composite === compositeOf(u)),
  );
  if (hits.length === 0) return status;
  const out: JsonObject = { ...status };
  const conditions = (Array.isArray(out.conditions) ? out.conditions : []) as JsonObject[];
  for (const f of hits) {
    if (f.atProvider)
      out.atProvider = { ...(isObject(out.atProvider) ? out.atProvider : {}), ...f.atProvider };
    for (const c of conditions) {
      if (f.syncError && c.type === 'Synced')
        Object.assign(c, { status: 'False', reason: 'ReconcileError', message: f.syncError });
      if (f.neverReady && c.type === 'Ready')
        Object.assign(c, {
          status: 'False',
          reason: 'Creating',
          message: 'waiting for AWS to finish creating it',
        });
    }
  }
  out.conditions = conditions;
  return out;
}

/** The status and annotations a provider would write for `live`, given its siblings' identities. */
function providerView(
  live: Unstructured,
  siblings: Map<string, Identity>,
  faults: readonly FaultSpec[] = [],
): { status: JsonObject; externalName: string } {
  const observed = synthesizeObserved(live, siblings, live);
  const status = applyFaults(live, (observed.status ?? {}) as JsonObject, faults);
  return { status, externalName: observed.metadata?.annotations?.[EXTERNAL_NAME] ?? '' };
}

/** JSON with object keys sorted: the API server returns keys in its own order. */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) =>
    isObject(val) && !Array.isArray(val)
      ? Object.fromEntries(Object.entries(val).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : val,
  );
}

/** The status without condition times (kept from what is there so a write is made only on change). */
function statusKey(s: unknown): string {
  if (!isObject(s)) return '';
  return canonical({
    ...s,
    conditions: (Array.isArray(s.conditions) ? s.conditions : []).map((c) =>
      isObject(c) ? { ...c, lastTransitionTime: undefined } : c,
    ),
  });
}

export function createStandIn(options: StandInOptions): StandIn {
  const api = options.kubeConfig.makeApiClient(CustomObjectsApi);
  const log = options.log ?? (() => undefined);
  let stopped = false;
  // What was last written per object: the server prunes fields its schema lacks, so what it returns
  // can differ from what we sent; only a change in what we want is worth another write.
  const written = new Map<string, string>();

  const cloud = new Map<string, CloudRecord>();
  if (options.cloudFile && existsSync(options.cloudFile))
    for (const r of JSON.parse(readFileSync(options.cloudFile, 'utf8')) as CloudRecord[])
      cloud.set(r.uid ?? `${r.kind}/${r.composite}/${r.resource}`, r);
  const saveCloud = () => {
    if (!options.cloudFile) return;
    const tmp = `${options.cloudFile}.tmp`;
    writeFileSync(tmp, `${JSON.stringify([...cloud.values()], null, 1)}\n`);
    renameSync(tmp, options.cloudFile);
  };
  let cloudChanged = false;
  let seq = Math.max(0, ...[...cloud.values()].map((r) => r.seq ?? 0));
  // One record per managed resource, by uid: Crossplane takes its composite label off a composed
  // resource it no longer wants before deleting it, so the labels at deletion no longer say whose it was.
  const record = (u: Unstructured, state: CloudRecord['state'], externalName: string) => {
    const key = u.metadata?.uid ?? `${u.kind}/${compositeOf(u)}/${resourceOf(u)}`;
    const had = cloud.get(key);
    if (had?.state === state && had.externalName === externalName) return;
    seq += 1;
    cloud.set(key, {
      seq,
      uid: u.metadata?.uid,
      kind: u.kind ?? '',
      resource: resourceOf(u) || had?.resource || '',
      composite: compositeOf(u) || had?.composite || '',
      externalName,
      state,
    });
    cloudChanged = true;
  };

  const list = async (k: ManagedKind): Promise<Unstructured[]> => {
    try {
      const res = (await api.listClusterCustomObject({
        group: k.group,
        version: k.version,
        plural: k.plural,
      })) as {
        items?: Unstructured[];
      };
      return (res.items ?? []).map((i) => ({ ...i, apiVersion: `${k.group}/${k.version}`, kind: k.kind }));
    } catch {
      return []; // the CRD may not be installed (yet)
    }
  };

  /** A managed resource being deleted: delete (or orphan) the external resource, then let it go. */
  const finalize = async (k: ManagedKind, u: Unstructured): Promise<number> => {
    const finalizers = (Array.isArray(u.metadata?.finalizers) ? u.metadata.finalizers : []) as string[];
    if (!finalizers.includes(MANAGED_FINALIZER)) return 0;
    const spec = (u.spec ?? {}) as { deletionPolicy?: string; managementPolicies?: string[] };
    const policies = spec.managementPolicies ?? ['*'];
    const orphan =
      spec.deletionPolicy === 'Orphan' || !(policies.includes('*') || policies.includes('Delete'));
    record(u, orphan ? 'orphaned' : 'deleted', u.metadata?.annotations?.[EXTERNAL_NAME] ?? '');
    // With the resourceVersion read, so a finalizer another controller removed meanwhile (the garbage
    // collector's foregroundDeletion) is not put back: a conflict is retried on the next pass.
    const body = {
      metadata: {
        resourceVersion: u.metadata?.resourceVersion,
        finalizers: finalizers.filter((f) => f !== MANAGED_FINALIZER),
      },
    };
    const name = u.metadata?.name ?? '';
    const target = { group: k.group, version: k.version, plural: k.plural, name };
    try {
      if (k.namespaced && u.metadata?.namespace)
        await api.patchNamespacedCustomObject(
          { ...target, namespace: u.metadata.namespace, body, fieldManager: STANDIN_FIELD_MANAGER },
          mergePatch,
        );
      else
        await api.patchClusterCustomObject(
          { ...target, body, fieldManager: STANDIN_FIELD_MANAGER },
          mergePatch,
        );
      return 1;
    } catch (err) {
      log(`could not finalize ${k.kind} ${name}: ${describe(err)}`);
      return 0;
    }
  };

  const pass = async (): Promise<number> => {
    const faults = readFaults(options.faultsFile);
    const byKind = await Promise.all(options.kinds.map(async (k) => ({ k, items: await list(k) })));
    const groups = new Map<string, { k: ManagedKind; u: Unstructured }[]>();
    let writes = 0;
    for (const { k, items } of byKind)
      for (const u of items) {
        if (u.metadata?.deletionTimestamp) {
          writes += await finalize(k, u);
          continue;
        }
        const key = compositeOf(u) || `${u.metadata?.namespace ?? ''}/${u.metadata?.name ?? ''}`;
        const g = groups.get(key) ?? [];
        g.push({ k, u });
        groups.set(key, g);
      }
    for (const members of groups.values()) {
      const identities = new Map<string, Identity>();
      for (const { u } of members) identities.set(resourceOf(u), identityOf(u, resourceOf(u)));
      for (const { k, u } of members) {
        const { status, externalName } = providerView(u, identities, faults);
        const name = u.metadata?.name ?? '';
        const namespace = u.metadata?.namespace;
        const target = { group: k.group, version: k.version, plural: k.plural, name };
        try {
          const finalizers = (Array.isArray(u.metadata?.finalizers) ? u.metadata.finalizers : []) as string[];
          if (
            (externalName && u.metadata?.annotations?.[EXTERNAL_NAME] !== externalName) ||
            !finalizers.includes(MANAGED_FINALIZER)
          ) {
            const body = {
              metadata: {
                resourceVersion: u.metadata?.resourceVersion,
                annotations: { [EXTERNAL_NAME]: externalName || u.metadata?.annotations?.[EXTERNAL_NAME] },
                finalizers: [...finalizers.filter((f) => f !== MANAGED_FINALIZER), MANAGED_FINALIZER],
              },
            };
            if (k.namespaced && namespace)
              await api.patchNamespacedCustomObject(
                { ...target, namespace, body, fieldManager: STANDIN_FIELD_MANAGER },
                mergePatch,
              );
            else
              await api.patchClusterCustomObject(
                { ...target, body, fieldManager: STANDIN_FIELD_MANAGER },
                mergePatch,
              );
            writes++;
          }
          record(u, 'exists', externalName || u.metadata?.annotations?.[EXTERNAL_NAME] || '');
          const uid = u.metadata?.uid ?? name;
          const want = statusKey(status);
          if (written.get(uid) !== want && statusKey(u.status) !== want) {
            const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
            const body = {
              status: {
                ...status,
                conditions: (status.conditions as JsonObject[]).map((c) => ({
                  ...c,
                  lastTransitionTime: now,
                })),
              },
            };
            if (k.namespaced && namespace)
              await api.patchNamespacedCustomObjectStatus(
                { ...target, namespace, body, fieldManager: STANDIN_FIELD_MANAGER },
                mergePatch,
              );
            else
              await api.patchClusterCustomObjectStatus(
                { ...target, body, fieldManager: STANDIN_FIELD_MANAGER },
                mergePatch,
              );
            written.set(uid, want);
            writes++;
          }
        } catch (err) {
          log(`could not update ${k.kind} ${name}: ${describe(err)}`);
        }
      }
    }
    if (cloudChanged) {
      cloudChanged = false;
      saveCloud();
    }
    return writes;
  };

  return {
    pass,
    cloud: () => [...cloud.values()],
    async run() {
      while (!stopped) {
        const n = await pass().catch((err: unknown) => {
          log(`pass failed: ${String(err)}`);
          return 0;
        });
        if (n > 0) log(`wrote ${n} objects`);
        await sleep(options.intervalMs ?? 500);
      }
    },
    stop() {
      stopped = true;
    },
  };
}
