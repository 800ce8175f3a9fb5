/** Public surface of edge/. */
export { createApp, type EdgeDeps } from './app.ts';
export { type HttpServer, serveWithBun } from './bun.ts';
export type { Readiness } from './health.ts';
export { type Problem, problem } from './problem.ts';
