/**
 * The NATS JetStream adapter of the engine ports: the reference behaviour the
 * embedded adapter mirrors. `openNatsEngine` connects once; every port shares
 * that connection.
 */
import type { Engine } from '../types.ts';
import { type NatsEngineOptions, openConnection } from './connection.ts';
import { NatsEventLog } from './event-log.ts';
import { NatsKvStore } from './kv.ts';
import { errorMessage } from './nats-errors.ts';
import { NatsRpc } from './rpc.ts';

export type { Logger, LogLevel, NatsEngineOptions } from './connection.ts';
export { DEFAULT_RPC_TIMEOUT_MS, RPC_ERROR_HEADER } from './rpc.ts';

export async function openNatsEngine(options: NatsEngineOptions): Promise<Engine> {
  const ctx = await openConnection(options);
  const rpc = new NatsRpc(ctx);
  const log = new NatsEventLog(ctx);
  return {
    kind: 'nats',
    log,
    kv: new NatsKvStore(ctx),
    rpc,
    isConnected: () => ctx.isConnected(),
    connectionProblem: () => ctx.connectionProblem(),
    async drain() {
      if (ctx.nc.isClosed() || ctx.nc.isDraining()) return;
      // Running rpc handlers answer first and publishes get their PubAcks (the
      // connection drain would close the reply inbox under them); then flush and close.
      await rpc.stopAll();
      await log.settlePublishes();
      try {
        await ctx.nc.drain();
      } catch (error) {
        ctx.log('debug', 'drain failed, closing', { error: errorMessage(error) });
        await ctx.nc.close();
      }
    },
    async close() {
      if (ctx.nc.isClosed()) return;
      await ctx.nc.close();
    },
  };
}
