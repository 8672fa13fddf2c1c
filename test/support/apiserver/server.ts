import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JsonObject } from './json.js';
import { Resources, conflict, type ResourceRequest, type ResourceResponse } from './resources.js';
import { fieldSelector, labelSelector, type ObjectPredicate } from './selectors.js';
import { ApiError, tooOldResourceVersion } from './status.js';
import { Store, type Change } from './store.js';
import {
  apiVersionOf,
  CORE_KINDS,
  type KubeObject,
  type RequestRecord,
  type ResourceKind,
  type Verb,
  type WatchEventType,
} from './types.js';

export interface FakeApiServerOptions {
  /** Kinds served in addition to the built-ins (v1 Namespace/Event, coordination.k8s.io Lease, events.k8s.io Event). */
  kinds?: ResourceKind[];
  /** Number of changes kept for watches; older starting points get 410 Expired. Default 1000. */
  historyWindow?: number;
  /** Period of BOOKMARK events for watches that asked for them; 0 disables. Default 60000 (about the real server). */
  bookmarkIntervalMs?: number;
  /** Watch lifetime when the client sends no timeoutSeconds. Default 1800. */
  defaultWatchTimeoutSeconds?: number;
  /** Namespaces created at start. Default ['default']. */
  namespaces?: string[];
  /** Creating in a namespace that does not exist answers 404, as the real server does. Default true. */
  strictNamespaces?: boolean;
}

export type RequestInfo = Omit<RequestRecord, 'status' | 'injected' | 'time'>;

export interface RequestMatch {
  verb?: RequestRecord['verb'] | RequestRecord['verb'][];
  group?: string;
  resource?: string;
  /** '' matches only requests on the main resource. */
  subresource?: string;
  namespace?: string;
  name?: string;
  fieldManager?: string;
  predicate?: (request: RequestInfo) => boolean;
}

export interface FaultSpec extends RequestMatch {
  /** HTTP status to answer with: 409, 410, 429, 500, 503, ... */
  status: number;
  /** How many matching requests fail; default 1. */
  times?: number;
  /** Seconds for Retry-After and details.retryAfterSeconds; default 1 for 429. */
  retryAfterSeconds?: number;
  message?: string;
}

export interface LatencySpec extends RequestMatch {
  ms: number;
  /** How many matching requests are delayed; default unlimited. */
  times?: number;
}

/** 'end' closes the stream as the server does on timeout; 'destroy' resets the TCP connection. */
export type DropMode = 'end' | 'destroy';

interface WatchConnection {
  res: ServerResponse;
  kind: ResourceKind;
  allowBookmarks: boolean;
  unsubscribe: () => void;
  timer: NodeJS.Timeout;
}

interface ParsedRoute {
  kind: ResourceKind;
  kindKey: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

const RESOURCE_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const kindKeyOf = (kind: ResourceKind): string => `${kind.group}/${kind.version}/${kind.plural}`;

function matches(spec: RequestMatch, info: RequestInfo): boolean {
  if (spec.verb !== undefined && !(Array.isArray(spec.verb) ? spec.verb : [spec.verb]).includes(info.verb)) {
    return false;
  }
  if (spec.group !== undefined && spec.group !== info.group) return false;
  if (spec.resource !== undefined && spec.resource !== info.resource) return false;
  if (spec.subresource !== undefined && spec.subresource !== (info.subresource ?? '')) return false;
  if (spec.namespace !== undefined && spec.namespace !== info.namespace) return false;
  if (spec.name !== undefined && spec.name !== info.name) return false;
  if (spec.fieldManager !== undefined && spec.fieldManager !== info.fieldManager) return false;
  return spec.predicate ? spec.predicate(info) : true;
}

function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(code, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** An in-process stand-in for kube-apiserver speaking its JSON/HTTP protocol on 127.0.0.1. */
export class FakeApiServer {
  private readonly kinds = new Map<string, ResourceKind>();
  private readonly store: Store;
  private readonly resources: Resources;
  private readonly watches = new Set<WatchConnection>();
  private readonly log: RequestRecord[] = [];
  private faults: (FaultSpec & { remaining: number })[] = [];
  private latencies: (LatencySpec & { remaining: number })[] = [];
  private readonly http: Server;
  private bookmarkTimer?: NodeJS.Timeout;
  private port = 0;

  constructor(private readonly options: FakeApiServerOptions = {}) {
    this.store = new Store(options.historyWindow ?? 1000);
    this.resources = new Resources(this.store, (ns) => this.namespaceExists(ns));
    for (const kind of [...CORE_KINDS, ...(options.kinds ?? [])]) this.register(kind);
    this.http = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, new ApiError(500, String(err)).toStatus());
        else res.destroy();
      });
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve, reject) => {
      this.http.once('error', reject);
      this.http.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (this.http.address() as AddressInfo).port;
    for (const ns of this.options.namespaces ?? ['default'])
      this.seed({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    const interval = this.options.bookmarkIntervalMs ?? 60_000;
    if (interval > 0) {
      this.bookmarkTimer = setInterval(() => this.sendBookmarks(), interval);
      this.bookmarkTimer.unref();
    }
    return this;
  }

  async close(): Promise<void> {
    if (this.bookmarkTimer) clearInterval(this.bookmarkTimer);
    this.dropWatches('destroy');
    this.http.closeAllConnections();
    await new Promise<void>((resolve) => this.http.close(() => resolve()));
  }

  register(kind: ResourceKind): void {
    this.kinds.set(kindKeyOf(kind), kind);
  }

  /** Creates an object without going through HTTP (not logged, no field manager). */
  seed(obj: KubeObject): KubeObject {
    const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
    const kind = [...this.kinds.values()].find(
      (k) => k.group === group && k.version === version && k.kind === obj.kind,
    );
    if (!kind) throw new Error(`fake apiserver: kind ${obj.apiVersion} ${obj.kind} is not registered`);
    const result = this.resources.create({
      kind,
      kindKey: kindKeyOf(kind),
      namespace: kind.namespaced ? (obj.metadata.namespace ?? 'default') : undefined,
      query: { fieldManager: 'seed' },
      contentType: 'application/json',
      body: JSON.stringify(obj),
    });
    return result.body as KubeObject;
  }

  /** Current objects of a kind, for assertions. */
  objects(group: string, plural: string, namespace?: string): KubeObject[] {
    const kind = [...this.kinds.values()].find((k) => k.group === group && k.plural === plural);
    return kind ? this.store.list(kindKeyOf(kind), namespace) : [];
  }

  get resourceVersion(): string {
    return String(this.store.resourceVersion);
  }

  /** Forgets all history: a watch from any resourceVersion before now gets 410 Expired. */
  compact(): void {
    this.store.compact();
  }

  dropWatches(mode: DropMode = 'end'): number {
    const open = [...this.watches];
    for (const w of open) this.closeWatch(w, mode);
    return open.length;
  }

  get openWatches(): number {
    return this.watches.size;
  }

  sendBookmarks(): void {
    for (const w of this.watches) {
      if (!w.allowBookmarks) continue;
      this.writeEvent(w.res, 'BOOKMARK', {
        apiVersion: apiVersionOf(w.kind),
        kind: w.kind.kind,
        metadata: { resourceVersion: this.resourceVersion },
      });
    }
  }

  injectFault(spec: FaultSpec): void {
    this.faults.push({ ...spec, remaining: spec.times ?? 1 });
  }

  addLatency(spec: LatencySpec): void {
    this.latencies.push({ ...spec, remaining: spec.times ?? Number.POSITIVE_INFINITY });
  }

  clearFaults(): void {
    this.faults = [];
    this.latencies = [];
  }

  requests(filter: RequestMatch = {}): RequestRecord[] {
    return this.log.filter((r) => matches(filter, r));
  }

  clearRequests(): void {
    this.log.length = 0;
  }

  private namespaceExists(name: string): boolean {
    if (this.options.strictNamespaces === false) return true;
    return this.store.get('/v1/namespaces', undefined, name) !== undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const query: Record<string, string> = {};
    url.searchParams.forEach((v, k) => (query[k] = v));
    const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    const body = await readBody(req);
    const method = req.method ?? 'GET';
    const info: RequestInfo = { verb: 'unknown', method, path: url.pathname, query };
    if (contentType) info.contentType = contentType;
    if (query.fieldManager) info.fieldManager = query.fieldManager;
    const record: RequestRecord = { ...info, status: 0, time: new Date() };
    this.log.push(record);
    res.on('finish', () => (record.status = res.statusCode));
    res.on('close', () => (record.status ||= res.statusCode));

    try {
      const discovery = this.discovery(url.pathname, method);
      let route: ParsedRoute | undefined;
      if (discovery) {
        info.verb = 'discovery';
      } else {
        route = this.route(url.pathname);
        info.verb = this.verbOf(method, route, query);
        Object.assign(info, {
          group: route.kind.group,
          version: route.kind.version,
          resource: route.kind.plural,
          subresource: route.subresource,
          namespace: route.namespace,
          name: route.name,
        });
      }
      Object.assign(record, info);
      await this.delay(info);
      const fault = this.takeFault(info);
      if (fault) {
        record.injected = true;
        this.answerFault(res, fault, info, route);
        return;
      }
      if (discovery) {
        sendJson(res, 200, discovery);
        return;
      }
      if (!route) return;
      const rreq: ResourceRequest = {
        ...route,
        query,
        contentType: contentType || 'application/json',
        body,
        userAgent: req.headers['user-agent'],
      };
      if (info.verb === 'watch') {
        this.watch(res, rreq);
        return;
      }
      const result = this.dispatch(info.verb as Verb, rreq);
      sendJson(res, result.code, result.body);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      sendJson(res, err.code, err.toStatus());
    }
  }

  private dispatch(verb: Verb, req: ResourceRequest): ResourceResponse {
    switch (verb) {
      case 'get':
        return this.resources.get(req);
      case 'list':
        return this.resources.list(req);
      case 'create':
        return this.resources.create(req);
      case 'update':
        return this.resources.update(req);
      case 'patch':
        return this.resources.patch(req);
      case 'delete':
        return this.resources.delete(req);
      case 'deletecollection':
        return this.resources.deleteCollection(req);
      case 'watch':
        throw new ApiError(500, 'watch is not dispatched');
    }
  }

  private verbOf(method: string, route: ParsedRoute, query: Record<string, string>): Verb {
    const named = route.name !== undefined;
    const allowed = (verb: Verb): Verb => {
      if (route.subresource && verb !== 'get' && verb !== 'update' && verb !== 'patch') {
        throw new ApiError(
          405,
          `the server does not allow this method on the requested resource`,
          'MethodNotAllowed',
        );
      }
      return verb;
    };
    switch (method) {
      case 'GET':
        if (named) return allowed('get');
        return query.watch === 'true' || query.watch === '1' ? 'watch' : 'list';
      case 'POST':
        if (!named) return 'create';
        break;
      case 'PUT':
        if (named) return allowed('update');
        break;
      case 'PATCH':
        if (named) return allowed('patch');
        break;
      case 'DELETE':
        return allowed(named ? 'delete' : 'deletecollection');
    }
    throw new ApiError(
      405,
      `the server does not allow this method on the requested resource`,
      'MethodNotAllowed',
    );
  }

  private route(pathname: string): ParsedRoute {
    const segments = pathname
      .split('/')
      .filter((s) => s.length > 0)
      .map(decodeURIComponent);
    const missing = new ApiError(404, 'the server could not find the requested resource', 'NotFound');
    let group: string;
    let version: string;
    let rest: string[];
    if (segments[0] === 'api' && segments.length >= 3) {
      [group, version, rest] = ['', segments[1], segments.slice(2)];
    } else if (segments[0] === 'apis' && segments.length >= 4) {
      [group, version, rest] = [segments[1], segments[2], segments.slice(3)];
    } else {
      throw missing;
    }
    const lookup = (plural: string): ResourceKind | undefined =>
      this.kinds.get(`${group}/${version}/${plural}`);
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3 && lookup(rest[2])?.namespaced) {
      namespace = rest[1];
      rest = rest.slice(2);
    }
    const [plural, name, subresource, ...extra] = rest;
    const kind = lookup(plural);
    if (!kind || extra.length > 0) throw missing;
    if (namespace !== undefined && !kind.namespaced) throw missing;
    if (name !== undefined && kind.namespaced && namespace === undefined) throw missing;
    if (subresource !== undefined && (subresource !== 'status' || !kind.statusSubresource)) throw missing;
    return { kind, kindKey: kindKeyOf(kind), namespace, name, subresource };
  }

  private discovery(pathname: string, method: string): JsonObject | undefined {
    if (method !== 'GET') return undefined;
    const path = pathname.replace(/\/+$/, '');
    const kinds = [...this.kinds.values()];
    const groupVersions = (group: string): string[] => [
      ...new Set(kinds.filter((k) => k.group === group).map((k) => k.version)),
    ];
    const apiGroup = (name: string): JsonObject => {
      const versions = groupVersions(name).map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
      return { name, versions, preferredVersion: versions[0] };
    };
    if (path === '/version') {
      return { major: '1', minor: '31', gitVersion: 'v1.31.0-envstack-fake', platform: 'linux/amd64' };
    }
    if (path === '/api') {
      return {
        kind: 'APIVersions',
        versions: ['v1'],
        serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: `127.0.0.1:${this.port}` }],
      };
    }
    if (path === '/apis') {
      const groups = [...new Set(kinds.map((k) => k.group).filter((g) => g !== ''))].map(apiGroup);
      return { kind: 'APIGroupList', apiVersion: 'v1', groups };
    }
    const m = /^\/(?:api\/(v1)|apis\/([^/]+)(?:\/([^/]+))?)$/.exec(path);
    if (!m) return undefined;
    const group = m[2] ?? '';
    if (m[2] && !m[3]) {
      return groupVersions(group).length
        ? { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(group) }
        : undefined;
    }
    const version = m[1] ?? m[3];
    const served = kinds.filter((k) => k.group === group && k.version === version);
    if (served.length === 0) return undefined;
    const resources: JsonObject[] = [];
    for (const k of served) {
      resources.push({
        name: k.plural,
        singularName: k.singular ?? k.kind.toLowerCase(),
        namespaced: k.namespaced,
        kind: k.kind,
        verbs: RESOURCE_VERBS,
        ...(k.shortNames ? { shortNames: k.shortNames } : {}),
      });
      if (k.statusSubresource) {
        resources.push({
          name: `${k.plural}/status`,
          singularName: '',
          namespaced: k.namespaced,
          kind: k.kind,
          verbs: ['get', 'patch', 'update'],
        });
      }
    }
    return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(served[0]), resources };
  }

  private async delay(info: RequestInfo): Promise<void> {
    const spec = this.latencies.find((l) => l.remaining > 0 && matches(l, info));
    if (!spec) return;
    spec.remaining -= 1;
    await new Promise((resolve) => setTimeout(resolve, spec.ms));
  }

  private takeFault(info: RequestInfo): FaultSpec | undefined {
    const spec = this.faults.find((f) => f.remaining > 0 && matches(f, info));
    if (!spec) return undefined;
    spec.remaining -= 1;
    this.faults = this.faults.filter((f) => f.remaining > 0);
    return spec;
  }

  private answerFault(res: ServerResponse, fault: FaultSpec, info: RequestInfo, route?: ParsedRoute): void {
    const error = this.faultError(fault, info, route);
    if (info.verb === 'watch' && fault.status === 410) {
      // The real server accepts the watch (200) and reports expiry as an ERROR event, then ends the stream.
      this.startStream(res);
      this.writeEvent(res, 'ERROR', error.toStatus());
      res.end();
      return;
    }
    const retryAfter = error.details?.retryAfterSeconds;
    sendJson(
      res,
      error.code,
      error.toStatus(),
      retryAfter === undefined ? {} : { 'Retry-After': String(retryAfter) },
    );
  }

  private faultError(fault: FaultSpec, info: RequestInfo, route?: ParsedRoute): ApiError {
    const { status, message } = fault;
    switch (status) {
      case 409: {
        const base = route ? conflict(route.kind, route.name ?? '') : new ApiError(409, 'conflict');
        return new ApiError(409, message ?? base.message, base.reason, base.details);
      }
      case 410: {
        const base = tooOldResourceVersion(
          Number(info.query.resourceVersion ?? 0),
          this.store.resourceVersion,
        );
        return new ApiError(410, message ?? base.message, base.reason);
      }
      case 429: {
        const retryAfterSeconds = fault.retryAfterSeconds ?? 1;
        const text = message ?? 'Too many requests, please try again later.';
        return new ApiError(429, text, 'TooManyRequests', { retryAfterSeconds });
      }
      case 500: {
        const cause = message ?? 'injected fault';
        return new ApiError(500, `Internal error occurred: ${cause}`, 'InternalError', {
          causes: [{ message: cause }],
        });
      }
      default: {
        const retry = fault.retryAfterSeconds;
        const details = retry === undefined ? undefined : { retryAfterSeconds: retry };
        return new ApiError(status, message ?? `injected ${status}`, undefined, details);
      }
    }
  }

  private startStream(res: ServerResponse): void {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
    res.flushHeaders();
  }

  private writeEvent(res: ServerResponse, type: WatchEventType, object: unknown): void {
    if (!res.writableEnded && !res.destroyed) res.write(`${JSON.stringify({ type, object })}\n`);
  }

  private watch(res: ServerResponse, req: ResourceRequest): void {
    const { query } = req;
    const byLabel = labelSelector(query.labelSelector);
    const byField = fieldSelector(query.fieldSelector);
    const inNamespace: ObjectPredicate = (o) =>
      req.namespace === undefined || o.metadata.namespace === req.namespace;
    const match: ObjectPredicate = (o) => inNamespace(o) && byLabel(o) && byField(o);
    const rvParam = query.resourceVersion ?? '';
    let backlog: Change[] = [];
    let initial: KubeObject[] = [];
    if (rvParam === '' || rvParam === '0') {
      initial = this.store.list(req.kindKey, req.namespace).filter(match);
    } else {
      const rv = Number(rvParam);
      if (!Number.isInteger(rv) || rv < 0) throw new ApiError(400, `invalid resource version: ${rvParam}`);
      try {
        backlog = this.store.changesSince(req.kindKey, rv);
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        this.startStream(res);
        this.writeEvent(res, 'ERROR', err.toStatus());
        res.end();
        return;
      }
    }
    this.startStream(res);
    const deliver = (change: Change): void => {
      if (change.kindKey !== req.kindKey) return;
      const now = match(change.object);
      const before = change.type === 'MODIFIED' && change.previous !== undefined && match(change.previous);
      let type: WatchEventType | undefined;
      if (change.type === 'MODIFIED')
        type = now && before ? 'MODIFIED' : now ? 'ADDED' : before ? 'DELETED' : undefined;
      else if (now) type = change.type;
      if (type) this.writeEvent(res, type, change.object);
    };
    for (const obj of initial) this.writeEvent(res, 'ADDED', obj);
    for (const change of backlog) deliver(change);
    const timeoutSeconds = Number(query.timeoutSeconds ?? this.options.defaultWatchTimeoutSeconds ?? 1800);
    const conn: WatchConnection = {
      res,
      kind: req.kind,
      allowBookmarks: query.allowWatchBookmarks === 'true',
      unsubscribe: this.store.subscribe(deliver),
      timer: setTimeout(() => this.closeWatch(conn, 'end'), timeoutSeconds * 1000),
    };
    this.watches.add(conn);
    res.on('close', () => this.closeWatch(conn, 'end'));
  }

  private closeWatch(conn: WatchConnection, mode: DropMode): void {
    if (!this.watches.delete(conn)) return;
    conn.unsubscribe();
    clearTimeout(conn.timer);
    if (mode === 'destroy') conn.res.socket?.destroy();
    else conn.res.end();
  }
}

export async function startFakeApiServer(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  return new FakeApiServer(options).start();
}
