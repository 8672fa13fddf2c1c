/**
 * A small Kubernetes HTTP client for the calls the controller must bound in time: every request
 * has a deadline (a hung renew must not keep a leader; a hung write must not outlive the lease),
 * bodies go out as the API server expects them (MicroTime with six fraction digits, apply patches
 * as JSON), and connections are kept alive. Authentication and TLS come from the KubeConfig.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type RequestOptions } from 'node:https';
import { ApiError } from './errors.js';
import { ListItemStream } from './liststream.js';

/** A request that did not finish before its deadline (or was aborted). */
class RequestTimeoutError extends Error {
  constructor(method: string, path: string, ms: number) {
    super(`${method} ${path}: no answer within ${ms} ms`);
    this.name = 'RequestTimeoutError';
  }
}

export interface RequestOptionsK {
  body?: unknown;
  /** Default application/json; `apply` and `merge` name the patch types. */
  contentType?: 'json' | 'apply' | 'merge';
  query?: Record<string, string | number | boolean | undefined>;
  /** Give up after this long (the socket is destroyed). */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** A 2xx list is decoded as it arrives: each of its items is handed here, and it resolves to the rest. */
  onItem?: (item: unknown) => void;
}

const CONTENT_TYPES = {
  json: 'application/json',
  apply: 'application/apply-patch+yaml',
  merge: 'application/merge-patch+json',
} as const;

/** RFC 3339 with microseconds, as a Lease's MicroTime must be (2006-01-02T15:04:05.000000Z07:00). */
export function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class KubeClient {
  private agent?: HttpAgent | HttpsAgent;
  readonly defaultTimeoutMs: number;

  constructor(
    private readonly kc: KubeConfig,
    options: { timeoutMs?: number } = {},
  ) {
    this.defaultTimeoutMs = options.timeoutMs ?? 30_000;
  }

  get server(): string {
    const server = this.kc.getCurrentCluster()?.server;
    if (!server) throw new Error('the kubeconfig names no cluster server');
    return server.replace(/\/+$/, '');
  }

  async request<T = unknown>(method: string, path: string, options: RequestOptionsK = {}): Promise<T> {
    const url = new URL(`${this.server}${path}`);
    for (const [k, v] of Object.entries(options.query ?? {}))
      if (v !== undefined) url.searchParams.set(k, String(v));
    const opts: RequestOptions = { headers: {} };
    await this.kc.applyToHTTPSOptions(opts);
    const secure = url.protocol === 'https:';
    this.agent ??= secure
      ? new HttpsAgent({
          keepAlive: true,
          ca: opts.ca,
          cert: opts.cert,
          key: opts.key,
          ...(opts.rejectUnauthorized !== undefined ? { rejectUnauthorized: opts.rejectUnauthorized } : {}),
          ...(opts.servername ? { servername: opts.servername } : {}),
        })
      : new HttpAgent({ keepAlive: true });
    const payload =
      options.body === undefined
        ? undefined
        : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
    const headers: Record<string, string> = {
      Accept: 'application/json',
      ...(opts.headers as Record<string, string>),
      ...(payload
        ? {
            'Content-Type': CONTENT_TYPES[options.contentType ?? 'json'],
            'Content-Length': String(payload.length),
          }
        : {}),
    };
    const timeoutMs = Math.max(1, Math.round(options.timeoutMs ?? this.defaultTimeoutMs));
    const requestFn = secure ? httpsRequest : httpRequest;
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (fn: () => void): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        fn();
      };
      const req = requestFn(
        url,
        { method, headers, agent: this.agent, ...(opts.auth ? { auth: opts.auth } : {}) },
        (res: IncomingMessage) => {
          const code = res.statusCode ?? 0;
          const chunks: Buffer[] = [];
          const stream =
            options.onItem && code >= 200 && code < 300 ? new ListItemStream(options.onItem) : undefined;
          res.on('data', (c: Buffer) => {
            if (settled) return;
            if (!stream) return void chunks.push(c);
            try {
              stream.write(c);
            } catch (err) {
              req.destroy();
              finish(() => reject(err));
            }
          });
          res.on('error', (err) => finish(() => reject(err)));
          res.on('end', () => {
            const text = stream ? stream.end() : Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text === '' ? undefined : JSON.parse(text);
            } catch {
              parsed = text;
            }
            if (code >= 200 && code < 300) finish(() => resolve(parsed as T));
            else finish(() => reject(new ApiError(code, parsed, method, url.pathname)));
          });
        },
      );
      const timer = setTimeout(() => {
        req.destroy();
        finish(() => reject(new RequestTimeoutError(method, url.pathname, timeoutMs)));
      }, timeoutMs);
      const onAbort = (): void => {
        req.destroy();
        finish(() => reject(new RequestTimeoutError(method, url.pathname, 0)));
      };
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener('abort', onAbort);
      req.on('error', (err) => finish(() => reject(err)));
      req.end(payload);
    });
  }

  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }
}

/** `/apis/GROUP/VERSION[/namespaces/NS]/PLURAL[/NAME][/SUB]` (or `/api/v1/...` for the core group). */
export function resourcePath(
  type: { group: string; version: string; plural: string },
  namespace?: string,
  name?: string,
  subresource?: string,
): string {
  const base = type.group ? `/apis/${type.group}/${type.version}` : `/api/${type.version}`;
  const ns = namespace ? `/namespaces/${encodeURIComponent(namespace)}` : '';
  const n = name ? `/${encodeURIComponent(name)}` : '';
  return `${base}${ns}/${type.plural}${n}${name && subresource ? `/${subresource}` : ''}`;
}

/** The kubeconfig kubectl would use: KUBECONFIG, ~/.kube/config, or the in-cluster service account. */
export function defaultKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}
