/**
 * The REST API with Cisco ISE behind it, for the ISE route, MCP and
 * dashboard tests: the loopback ERS simulator, a real ERS client and the
 * real sync over a test engine, configured for tenant `acme` only (so
 * `globex` is a tenant without ISE), and a matrix keeper to approve with.
 */
import { type KeeperService, serveMatrixKeeper } from '../../actors/mod.ts';
import { loadConfig } from '../../config/mod.ts';
import { createIseClient, type IseClientOptions } from '../../integrations/ise/mod.ts';
import {
  DEFAULT_SIMULATOR_USER,
  type IseSimulator,
  type IseSimulatorOptions,
  startIseSimulator,
} from '../../integrations/ise/simulator/mod.ts';
import { createIseSync, type IseSync } from '../../integrations/ise/sync/mod.ts';
import { openStores } from '../../kv-schema/mod.ts';
import { subjectsFor } from '../../streams/mod.ts';
import { startApi, type TestApi, TOKENS } from './api.ts';
import type { EngineFlavour, TestEngine } from './engines.ts';

export { TOKENS };

/** Tags named as in the test dictionaries: 10 and 20 are the pair most tests use. */
export const ISE_TAGS = [
  { name: 'Employees', value: 10, description: '' },
  { name: 'Web_Servers', value: 20, description: '' },
  { name: 'Printers', value: 30, description: '' },
];

export interface IseHarness {
  te: TestEngine;
  api: TestApi;
  sim: IseSimulator;
  sync: IseSync;
  keeper: KeeperService;
  stop(): Promise<void>;
}

export interface IseHarnessOptions {
  simulator?: IseSimulatorOptions;
  /** Over the client's settings (a wrong password, no CA, another URL). */
  client?: Partial<IseClientOptions>;
  monitorSoakMs?: number;
  denyDefaultMinReadiness?: number;
  /** Over the API's settings (loadConfig env). */
  env?: Record<string, string>;
}

export async function startIseApi(flavour: EngineFlavour, o: IseHarnessOptions = {}): Promise<IseHarness> {
  const sim = await startIseSimulator({ tags: ISE_TAGS, ...o.simulator });
  const te = await flavour.open();
  const stores = await openStores(te.engine, te.ns);
  const client = createIseClient({
    url: sim.url,
    username: DEFAULT_SIMULATOR_USER.username,
    password: DEFAULT_SIMULATOR_USER.password,
    caPem: sim.caPem,
    timeoutMs: 5_000,
    readAttempts: 1,
    logger: { warn: () => undefined },
    ...o.client,
  });
  const sync = createIseSync({
    engine: te.engine,
    ns: te.ns,
    stores,
    clientFor: (tenant) => (tenant === 'acme' ? client : null),
    urlFor: (tenant) => (tenant === 'acme' ? sim.url : undefined),
    settings: {
      monitorSoakMs: o.monitorSoakMs ?? 0,
      denyDefaultMinReadiness: o.denyDefaultMinReadiness ?? 0.99,
    },
  });
  const api = await startApi(te, { stores, ise: sync, config: loadConfig(o.env ?? {}) });
  const keeper = serveMatrixKeeper(te.engine, stores, subjectsFor(te.ns), false);
  return {
    te,
    api,
    sim,
    sync,
    keeper,
    stop: async () => {
      await keeper.stop();
      await te.dispose();
      await sim.close();
    },
  };
}
