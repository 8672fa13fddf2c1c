/**
 * `/metrics`, `/healthz` and `/readyz`. Ready means: the informers have synced and leader election
 * works — this replica leads, or stands by behind a leader it can see.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

export interface HealthServerOptions {
  registry: Registry;
  ready: () => boolean;
  /** Why not ready (the 503 body); `ok` when ready. */
  readyDetail?: () => string;
  healthy?: () => boolean;
  port?: number;
  host?: string;
}

export interface HealthServer {
  url: string;
  close(): Promise<void>;
}

export async function startHealthServer(options: HealthServerOptions): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const text = (status: number, body: string, type = 'text/plain; charset=utf-8'): void => {
      res.writeHead(status, { 'Content-Type': type });
      res.end(body);
    };
    if (req.method !== 'GET') return text(405, 'method not allowed\n');
    if (path === '/healthz')
      return (options.healthy ?? (() => true))() ? text(200, 'ok\n') : text(503, 'unhealthy\n');
    if (path === '/readyz')
      return options.ready()
        ? text(200, 'ok\n')
        : text(503, `${options.readyDetail?.() ?? 'informers not synced'}\n`);
    if (path === '/metrics') {
      options.registry.metrics().then(
        (body) => text(200, body, options.registry.contentType),
        (err: unknown) => text(500, String(err)),
      );
      return;
    }
    text(404, 'not found\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 8080, options.host ?? '0.0.0.0', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host && options.host !== '0.0.0.0' ? options.host : '127.0.0.1';
  return {
    url: `http://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
