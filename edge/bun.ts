/** Serving the edge app under Bun. */
import type { Hono } from 'hono';

export interface HttpServer {
  readonly url: string;
  stop(): Promise<void>;
}

export function serveWithBun(app: Hono, host: string, port: number): HttpServer {
  const server = Bun.serve({ hostname: host, port, fetch: app.fetch });
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${server.port}`,
    stop: () => server.stop(),
  };
}
