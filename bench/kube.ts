/**
 * What the controller benchmark needs of a real kube-apiserver: a lean HTTP client with many requests
 * in flight (seeding 200k objects through client-node's serializer would cost the bench more CPU than
 * the API server), a watch stream, the CRDs the compositions use, the controller's own least-privilege
 * user, and memory figures read from /proc.
 */
import yaml from 'js-yaml';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { join } from 'node:path';
import type { KObject } from '../src/ops/controller/object.js';

export const CRD_DIRS = ['/work/shared/crds/provider-aws-v2.6.0', '/work/shared/crds/crossplane-v2.3.4'];

export interface Response {
  status: number;
  body: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly method: string,
    readonly path: string,
    readonly body: string,
  ) {
    super(`${method} ${path}: HTTP ${status}: ${body.slice(0, 500)}`);
  }
}

/** A bearer-token HTTPS client with a bounded pool of keep-alive connections. */
export class Api {
  private readonly agent: Agent;
  private readonly ca: Buffer;
  requests = 0;

  constructor(
    readonly server: string,
    caFile: string,
    private readonly token: string,
    maxSockets = 32,
  ) {
    this.ca = readFileSync(caFile);
    this.agent = new Agent({ keepAlive: true, maxSockets, ca: this.ca });
  }

  send(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Response> {
    this.requests += 1;
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        `${this.server}${path}`,
        {
          method,
          agent: this.agent,
          headers: {
            Authorization: `Bearer ${this.token}`,
            Accept: 'application/json',
            ...(payload !== undefined
              ? { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(payload) }
              : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  /** Like send, but parses the answer and throws ApiError on anything but 2xx (retrying 429 and 5xx a few times). */
  async json<T = KObject>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const res = await this.send(method, path, body, contentType);
      if (res.status >= 200 && res.status < 300) return JSON.parse(res.body) as T;
      const retriable = res.status === 429 || res.status >= 500;
      if (!retriable || attempt >= 8) throw new ApiError(res.status, method, path, res.body);
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  }

  /**
   * Streams watch events of a collection from `resourceVersion` until `signal` aborts; reconnects from
   * the last seen resourceVersion when the server ends the stream. Rejects on a watch ERROR (a 410
   * would mean the bench fell behind by minutes).
   */
  async watch(
    path: string,
    resourceVersion: string,
    onEvent: (type: string, obj: KObject) => void,
    signal: AbortSignal,
  ): Promise<void> {
    let rv = resourceVersion;
    while (!signal.aborted) {
      await new Promise<void>((resolve, reject) => {
        const query = `?watch=1&allowWatchBookmarks=true&resourceVersion=${rv}&timeoutSeconds=1800`;
        const req = request(
          `${this.server}${path}${query}`,
          { method: 'GET', ca: this.ca, headers: { Authorization: `Bearer ${this.token}` }, signal },
          (res) => {
            let buffered = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              buffered += chunk;
              let nl: number;
              while ((nl = buffered.indexOf('\n')) >= 0) {
                const line = buffered.slice(0, nl);
                buffered = buffered.slice(nl + 1);
                if (!line.trim()) continue;
                const event = JSON.parse(line) as { type: string; object: KObject };
                if (event.type === 'ERROR') {
                  req.destroy();
                  reject(new Error(`watch ${path} failed: ${JSON.stringify(event.object)}`));
                  return;
                }
                const next = event.object.metadata?.resourceVersion;
                if (next) rv = next;
                if (event.type !== 'BOOKMARK') onEvent(event.type, event.object);
              }
            });
            res.on('end', () => resolve());
            res.on('error', () => resolve());
          },
        );
        req.on('error', () => resolve());
        req.end();
      });
    }
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `task` over `items` with at most `concurrency` in flight. */
export async function pool<T>(
  items: Iterable<T>,
  concurrency: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  const it = items[Symbol.iterator]();
  let failure: unknown;
  const worker = async (): Promise<void> => {
    for (;;) {
      if (failure !== undefined) return;
      const next = it.next();
      if (next.done) return;
      try {
        await task(next.value);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (failure !== undefined) throw failure;
}

export interface ManagedKind {
  group: string;
  version: string;
  kind: string;
  plural: string;
}

/** A kind's plural, from the CRD files (named `<group>_<plural>.yaml`). */
function pluralFromCrds(group: string, kind: string): string {
  for (const dir of CRD_DIRS) {
    for (const file of readdirSync(dir)) {
      if (!file.startsWith(`${group}_`) || !file.endsWith('.yaml')) continue;
      const text = readFileSync(join(dir, file), 'utf8');
      if (new RegExp(`^    kind: ${kind}$`, 'm').test(text))
        return file.slice(group.length + 1, -'.yaml'.length);
    }
  }
  throw new Error(`no CRD for ${group} ${kind} in ${CRD_DIRS.join(', ')}`);
}

/** Every kind among OBJECTS (the composed resources of the templates), as the CRDs serve it. */
export function composedKinds(objects: Iterable<KObject>): ManagedKind[] {
  const out = new Map<string, ManagedKind>();
  for (const r of objects) {
    const [group, version] = (r.apiVersion ?? '').split('/');
    const kind = r.kind ?? '';
    out.set(`${group}/${kind}`, { group, version, kind, plural: pluralFromCrds(group, kind) });
  }
  return [...out.values()].sort((a, b) => `${a.group}/${a.kind}`.localeCompare(`${b.group}/${b.kind}`));
}

export function collectionPath(k: { group: string; version: string; plural: string }): string {
  return `/apis/${k.group}/${k.version}/${k.plural}`;
}

/** Crossplane's CRDs for Compositions and their revisions (spec drift is computed against the XR's revision). */
export function compositionCrds(): KObject[] {
  return ['compositions', 'compositionrevisions'].map(
    (p) =>
      yaml.load(readFileSync(join(CRD_DIRS[1], `apiextensions.crossplane.io_${p}.yaml`), 'utf8')) as KObject,
  );
}

/** The real CRDs for the composed kinds (provider-aws v2.6.0, Crossplane's ClusterUsage). */
export function managedCrds(kinds: readonly ManagedKind[]): KObject[] {
  return kinds.map((k) => {
    const file = CRD_DIRS.map((d) => join(d, `${k.group}_${k.plural}.yaml`)).find((f) => existsSync(f));
    if (!file) throw new Error(`no CRD for ${k.group}/${k.kind} in ${CRD_DIRS.join(', ')}`);
    return yaml.load(readFileSync(file, 'utf8')) as KObject;
  });
}

interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  [key: string]: unknown;
}

const open = (): JsonSchema => ({ type: 'object', 'x-kubernetes-preserve-unknown-fields': true });

/**
 * The CRD Crossplane would generate for the XRD: the XRD version's schema, the spec fields Crossplane
 * adds to every composite (claimRef, compositionRef, resourceRefs, …), status open, the status subresource.
 */
export function compositeCrd(xrdFile: string): KObject {
  const xrd = yaml.load(readFileSync(xrdFile, 'utf8')) as {
    spec: {
      group: string;
      names: Record<string, unknown>;
      versions: {
        name: string;
        served: boolean;
        referenceable: boolean;
        additionalPrinterColumns?: unknown[];
        schema: { openAPIV3Schema: JsonSchema };
      }[];
    };
  };
  const ref = (...fields: string[]): JsonSchema => ({
    type: 'object',
    properties: Object.fromEntries(fields.map((f) => [f, { type: 'string' }])),
  });
  const versions = xrd.spec.versions.map((v) => {
    const schema = structuredClone(v.schema.openAPIV3Schema);
    const spec = (schema.properties ??= {}).spec ?? { type: 'object' };
    spec.properties = {
      ...spec.properties,
      claimRef: ref('apiVersion', 'kind', 'name', 'namespace'),
      compositionRef: ref('name'),
      compositionRevisionRef: ref('name'),
      compositionSelector: open(),
      compositionUpdatePolicy: { type: 'string' },
      writeConnectionSecretToRef: ref('name', 'namespace'),
      resourceRefs: {
        type: 'array',
        items: ref('apiVersion', 'kind', 'name'),
        'x-kubernetes-list-type': 'atomic',
      },
    };
    schema.properties.spec = spec;
    schema.properties.status = open();
    return {
      name: v.name,
      served: v.served,
      storage: v.referenceable,
      schema: { openAPIV3Schema: schema },
      subresources: { status: {} },
      ...(v.additionalPrinterColumns ? { additionalPrinterColumns: v.additionalPrinterColumns } : {}),
    };
  });
  const plural = String(xrd.spec.names.plural);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${xrd.spec.group}` },
    spec: { group: xrd.spec.group, names: xrd.spec.names, scope: 'Cluster', versions },
  };
}

/** Creates OBJ in COLLECTION, or replaces the one there. */
export async function ensure(api: Api, collection: string, obj: KObject): Promise<void> {
  try {
    await api.json('POST', collection, obj);
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 409) throw err;
    const path = `${collection}/${obj.metadata?.name}`;
    const live = await api.json<KObject>('GET', path);
    await api.json('PUT', path, {
      ...obj,
      metadata: { ...obj.metadata, resourceVersion: live.metadata?.resourceVersion },
    });
  }
}

/** Creates (or updates) the CRDs and waits until every one is Established. */
export async function installCrds(api: Api, crds: readonly KObject[]): Promise<void> {
  await pool(crds, 4, async (crd) => {
    await ensure(api, '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crd);
  });
  const deadline = Date.now() + 180_000;
  for (const crd of crds) {
    for (;;) {
      const live = await api.json<KObject>(
        'GET',
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata?.name}`,
      );
      const conditions = (live.status?.conditions ?? []) as { type: string; status: string }[];
      if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (Date.now() > deadline) throw new Error(`CRD ${crd.metadata?.name} not established`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** The controller's ClusterRole, Role and bindings, from the same rules the chart renders. */
export async function installControllerRbac(api: Api, user: string, leaseNamespace: string): Promise<void> {
  // Imported here: the bench can seed while the stack's code is being changed.
  const { controllerRbac } = await import('../src/platform/delivery/controller-rbac.js');
  const rules = controllerRbac('claim');
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  await ensure(api, `${rbac}/clusterroles`, {
    metadata: { name: user },
    rules: rules.clusterRules,
  });
  await ensure(api, `${rbac}/clusterrolebindings`, {
    metadata: { name: user },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: user },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  });
  await ensure(api, `${rbac}/namespaces/${leaseNamespace}/roles`, {
    metadata: { name: user, namespace: leaseNamespace },
    rules: rules.namespaceRules,
  });
  await ensure(api, `${rbac}/namespaces/${leaseNamespace}/rolebindings`, {
    metadata: { name: user, namespace: leaseNamespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: user },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  });
  // As the chart installs it: the controller's Lease requests in the leader-election priority level.
  const { leaseFlowSchemaSpec } = await import('../src/platform/delivery/lease-priority.js');
  await ensure(api, '/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas', {
    metadata: { name: `${user}-leases` },
    spec: leaseFlowSchemaSpec({ kind: 'User', user: { name: user } }, leaseNamespace),
  });
}

/** An audit policy that records one line per request of USER (watches when they start) and nothing else. */
export function auditPolicy(user: string): string {
  return `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: Metadata
    users: ["${user}"]
  - level: None
`;
}

export interface AuditEntry {
  verb: string;
  resource: string;
  subresource?: string;
  at: number;
  code?: number;
}

/** Requests of the audited user between two instants (ms since the epoch), from the audit log. */
export function readAudit(file: string): AuditEntry[] {
  if (!existsSync(file)) return [];
  const out: AuditEntry[] = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (!line) continue;
    const e = JSON.parse(line) as {
      stage: string;
      verb: string;
      requestReceivedTimestamp: string;
      objectRef?: { resource?: string; subresource?: string };
      responseStatus?: { code?: number };
    };
    // A watch is counted when it starts; every other request when it completes.
    if (e.verb === 'watch' ? e.stage !== 'ResponseStarted' : e.stage !== 'ResponseComplete') continue;
    out.push({
      verb: e.verb,
      resource: e.objectRef?.resource ?? '',
      ...(e.objectRef?.subresource ? { subresource: e.objectRef.subresource } : {}),
      at: Date.parse(e.requestReceivedTimestamp),
      code: e.responseStatus?.code,
    });
  }
  return out;
}

export const WRITE_VERBS = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

export interface ProcMemory {
  /** Resident set now, MiB. */
  rssMiB: number;
  /** High-water mark of the resident set, MiB. */
  hwmMiB: number;
}

/** VmRSS and VmHWM of a process, from /proc/PID/status. */
export function procMemory(pid: number): ProcMemory | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { rssMiB: kib('VmRSS') / 1024, hwmMiB: kib('VmHWM') / 1024 };
}

/** CPU seconds (user + system) a process has used, from /proc/PID/stat. */
export function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the command.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}
