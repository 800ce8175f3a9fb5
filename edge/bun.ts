/** Serving the edge app under Bun. */
import type { Hono } from 'hono';

export interface HttpServer {
  readonly url: string;
  stop(): Promise<void>;
}

/** Longer than the flows stream's 15 s heartbeat, so idle SSE clients stay connected. */
const IDLE_TIMEOUT_SECONDS = 60;
/** Requests in flight get this long to finish on shutdown; long-lived streams are then closed. */
const GRACE_MS = 5_000;

export function serveWithBun(app: Hono, host: string, port: number): HttpServer {
  const server = Bun.serve({ hostname: host, port, fetch: app.fetch, idleTimeout: IDLE_TIMEOUT_SECONDS });
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${server.port}`,
    async stop() {
      await Promise.race([server.stop(), Bun.sleep(GRACE_MS)]);
      await server.stop(true);
    },
  };
}
