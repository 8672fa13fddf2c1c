/**
 * A fault-injecting HTTPS proxy in front of a real kube-apiserver, on 127.0.0.1: what only a test
 * double could do before (drop connections, answer 429/500, add latency, hang) on requests matching
 * a pattern, and a record of every request (verb, resource, subresource, field manager, client,
 * status) so tests can count status writes. It serves with the API server's own certificate, so a
 * kubeconfig for it differs from the server's only in the port.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Agent, createServer, request, type Server } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';

export type Verb =
  | 'get'
  | 'list'
  | 'watch'
  | 'create'
  | 'update'
  | 'patch'
  | 'apply'
  | 'delete'
  | 'deletecollection'
  | 'discovery';

export interface ProxiedRequest {
  /** Order of arrival. */
  seq: number;
  method: string;
  verb: Verb;
  path: string;
  query: Record<string, string>;
  group?: string;
  version?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  fieldManager?: string;
  contentType?: string;
  /** The client's name (from the bearer token), or 'unknown'. */
  client: string;
  /** HTTP status answered; undefined while in flight (0 when the connection was dropped). */
  status?: number;
  /** Whether a fault rule answered (or dropped, or delayed) it. */
  injected: boolean;
  startedAt: number;
  endedAt?: number;
}

export interface RequestPattern {
  verb?: Verb | readonly Verb[];
  group?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  fieldManager?: string;
  client?: string;
  path?: RegExp;
  predicate?: (r: ProxiedRequest) => boolean;
}

export interface FaultRule extends RequestPattern {
  /** Answer with this HTTP status and a Kubernetes Status body. */
  status?: number;
  retryAfterSeconds?: number;
  message?: string;
  /** Reset the connection without an answer. */
  drop?: boolean;
  /** Never answer (until the client gives up). */
  hang?: boolean;
  /** Forward after this long. */
  latencyMs?: number;
  /** How many matching requests it applies to (default: all). */
  times?: number;
}

export interface FaultProxyOptions {
  /** https://127.0.0.1:PORT of the real API server. */
  upstream: string;
  caFile: string;
  certFile: string;
  keyFile: string;
  /** Where kubeconfigs are written. */
  dir: string;
  /** Token -> client name, for `client` in the record and in patterns. */
  clients?: Record<string, string>;
}

export interface FaultProxy {
  url: string;
  /** Adds a rule; returns a function that removes it. */
  inject(rule: FaultRule): () => void;
  clearFaults(): void;
  requests(pattern?: RequestPattern & { status?: number }): ProxiedRequest[];
  clearRequests(): void;
  /** Resets every open watch connection (both sides). */
  dropWatches(): number;
  readonly openWatches: number;
  /** A kubeconfig file through the proxy for TOKEN. */
  kubeconfigFor(token: string, name: string): string;
  kubeConfigFor(token: string, name: string): KubeConfig;
  close(): Promise<void>;
}

function parse(
  method: string,
  url: URL,
  headers: IncomingMessage['headers'],
): Omit<ProxiedRequest, 'seq' | 'client' | 'injected' | 'startedAt'> {
  const query: Record<string, string> = {};
  url.searchParams.forEach((v, k) => (query[k] = v));
  const parts = url.pathname.split('/').filter(Boolean);
  const contentType = typeof headers['content-type'] === 'string' ? headers['content-type'] : undefined;
  const base: Omit<ProxiedRequest, 'seq' | 'client' | 'injected' | 'startedAt'> = {
    method,
    verb: 'discovery',
    path: url.pathname,
    query,
    ...(query.fieldManager ? { fieldManager: query.fieldManager } : {}),
    ...(contentType ? { contentType } : {}),
  };
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 3) {
    Object.assign(base, { group: '', version: parts[1] });
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 4) {
    Object.assign(base, { group: parts[1], version: parts[2] });
    rest = parts.slice(3);
  } else return base;
  if (rest[0] === 'watch') rest = rest.slice(1);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest;
  const watch = query.watch === 'true' || query.watch === '1' || parts.includes('watch');
  const verb: Verb =
    method === 'GET'
      ? watch
        ? 'watch'
        : name
          ? 'get'
          : 'list'
      : method === 'POST'
        ? 'create'
        : method === 'PUT'
          ? 'update'
          : method === 'PATCH'
            ? contentType?.startsWith('application/apply-patch')
              ? 'apply'
              : 'patch'
            : method === 'DELETE'
              ? name
                ? 'delete'
                : 'deletecollection'
              : 'discovery';
  return {
    ...base,
    verb,
    resource,
    ...(name ? { name } : {}),
    ...(subresource ? { subresource } : {}),
    ...(namespace ? { namespace } : {}),
  };
}

export function matches(p: RequestPattern, r: ProxiedRequest): boolean {
  if (p.verb !== undefined && !(Array.isArray(p.verb) ? p.verb.includes(r.verb) : p.verb === r.verb))
    return false;
  if (p.group !== undefined && p.group !== r.group) return false;
  if (p.resource !== undefined && p.resource !== r.resource) return false;
  if (p.subresource !== undefined && p.subresource !== (r.subresource ?? '')) return false;
  if (p.namespace !== undefined && p.namespace !== r.namespace) return false;
  if (p.name !== undefined && p.name !== r.name) return false;
  if (p.fieldManager !== undefined && p.fieldManager !== r.fieldManager) return false;
  if (p.client !== undefined && p.client !== r.client) return false;
  if (p.path !== undefined && !p.path.test(r.path)) return false;
  if (p.predicate !== undefined && !p.predicate(r)) return false;
  return true;
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  403: 'Forbidden',
  404: 'NotFound',
  409: 'Conflict',
  410: 'Expired',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const ca = readFileSync(options.caFile);
  const agent = new Agent({ keepAlive: true, ca });
  const upstream = new URL(options.upstream);
  const rules: { rule: FaultRule; left: number }[] = [];
  const record: ProxiedRequest[] = [];
  const watches = new Set<{ client: Socket; upstream?: Socket }>();
  const sockets = new Set<Socket>();
  let seq = 0;

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'https://proxy');
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const entry: ProxiedRequest = {
      seq: seq++,
      ...parse(req.method ?? 'GET', url, req.headers),
      client: options.clients?.[token] ?? 'unknown',
      injected: false,
      startedAt: Date.now(),
    };
    record.push(entry);
    const done = (status: number): void => {
      entry.status = status;
      entry.endedAt = Date.now();
    };
    const applied = rules.find((r) => r.left > 0 && matches(r.rule, entry));
    if (applied) {
      applied.left -= 1;
      entry.injected = true;
    }
    const rule = applied?.rule;
    if (rule?.drop) {
      done(0);
      req.socket.destroy();
      return;
    }
    if (rule?.hang) {
      res.once('close', () => done(0));
      return;
    }
    if (rule?.status !== undefined) {
      const code = rule.status;
      const body = JSON.stringify({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: rule.message ?? `injected ${code}`,
        reason: REASONS[code] ?? 'Unknown',
        code,
        ...(rule.retryAfterSeconds !== undefined
          ? { details: { retryAfterSeconds: rule.retryAfterSeconds } }
          : {}),
      });
      res.writeHead(code, {
        'Content-Type': 'application/json',
        ...(rule.retryAfterSeconds !== undefined ? { 'Retry-After': String(rule.retryAfterSeconds) } : {}),
      });
      res.end(body);
      req.resume();
      done(code);
      return;
    }
    const forward = (): void => {
      if (req.socket.destroyed) return done(0);
      const headers = { ...req.headers, host: upstream.host };
      const out = request(
        {
          protocol: 'https:',
          hostname: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers,
          agent,
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          // As the API server does for a watch: headers now, events as they come.
          res.flushHeaders();
          done(up.statusCode ?? 502);
          if (entry.verb === 'watch') {
            const w = { client: req.socket, upstream: up.socket };
            watches.add(w);
            const forget = (): void => void watches.delete(w);
            up.once('close', forget);
            res.once('close', () => {
              forget();
              up.destroy();
            });
          }
          up.pipe(res);
        },
      );
      out.on('error', () => {
        if (!res.headersSent) {
          res.writeHead(502);
          res.end();
        } else res.destroy();
        if (entry.status === undefined) done(502);
      });
      res.once('close', () => {
        if (!res.writableFinished) out.destroy();
      });
      req.pipe(out);
    };
    if (rule?.latencyMs) {
      req.pause();
      setTimeout(forward, rule.latencyMs);
    } else forward();
  };

  const server: Server = createServer(
    { cert: readFileSync(options.certFile), key: readFileSync(options.keyFile) },
    handle,
  );
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `https://127.0.0.1:${port}`;

  const kubeconfigYaml = (token: string, name: string): string => `apiVersion: v1
kind: Config
clusters:
- name: proxy
  cluster:
    server: ${url}
    certificate-authority-data: ${ca.toString('base64')}
users:
- name: ${name}
  user:
    token: ${token}
contexts:
- name: proxy
  context:
    cluster: proxy
    user: ${name}
current-context: proxy
`;

  return {
    url,
    inject(rule) {
      const entry = { rule, left: rule.times ?? Number.POSITIVE_INFINITY };
      rules.push(entry);
      return () => {
        const i = rules.indexOf(entry);
        if (i >= 0) rules.splice(i, 1);
      };
    },
    clearFaults: () => void rules.splice(0),
    requests: (pattern = {}) =>
      record.filter(
        (r) => matches(pattern, r) && (pattern.status === undefined || r.status === pattern.status),
      ),
    clearRequests: () => void record.splice(0),
    dropWatches() {
      const n = watches.size;
      for (const w of [...watches]) {
        w.client.destroy();
        w.upstream?.destroy();
      }
      watches.clear();
      return n;
    },
    get openWatches() {
      return watches.size;
    },
    kubeconfigFor(token, name) {
      const path = join(options.dir, `${name}-${randomBytes(3).toString('hex')}.proxy.kubeconfig`);
      writeFileSync(path, kubeconfigYaml(token, name), { mode: 0o600 });
      return path;
    },
    kubeConfigFor(token, name) {
      const kc = new KubeConfig();
      kc.loadFromString(kubeconfigYaml(token, name));
      return kc;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}
