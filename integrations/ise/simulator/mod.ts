/**
 * A loopback Cisco ISE ERS API for tests and the demo: a real HTTPS server
 * (Bun.serve with TLS) on 127.0.0.1 and a free port, with a CA of its own
 * made at start, speaking the documented ERS format for SGTs, SGACLs and
 * egress matrix cells (reference/ise-and-ios.md). A test gets the CA to
 * trust, the data to edit as an administrator would in ISE's GUI
 * (`state`), failures and delays to inject (`faults`) and a record of what
 * the client sent (`traffic`).
 */
import { CsrfTokens, Role, type SimulatorUser } from './auth.ts';
import { makeCertificates, type SimulatorCertificates } from './certs.ts';
import { Faults, Traffic } from './faults.ts';
import { type SgtSpec, STOCK_SGTS } from './records.ts';
import { ersHandler } from './routes.ts';
import { IseState } from './store.ts';
import { ersResponse } from './wire.ts';

export { Role, type SimulatorUser } from './auth.ts';
export type { SimulatorCertificates } from './certs.ts';
export { Faults, type InjectedFailure, type RecordedRequest, Traffic } from './faults.ts';
export {
  ANY_SGT_ID,
  type CellRecord,
  type CellSpec,
  DEFAULT_CELL_ID,
  RuleError,
  type SgaclRecord,
  type SgaclSpec,
  type SgtRecord,
  type SgtSpec,
  STOCK_SGTS,
  UNKNOWN_SGT_ID,
} from './records.ts';
export { IseState } from './store.ts';

export interface IseSimulatorOptions {
  /** Who may log in (default one ERS Admin, `ersadmin` / `Simulated-ERS-1`). */
  users?: readonly SimulatorUser[];
  /** ISE's "enhanced security": writes need the CSRF token (default false, as on a fresh ISE). */
  csrf?: boolean;
  /**
   * The groups besides the built-in Unknown (0) and ANY (65535): a list, or a
   * number N for N generated ones (`SGT_1`… with values 1000+). Default: the
   * groups a fresh ISE ships with.
   */
  tags?: readonly SgtSpec[] | number;
  /** Page size when a get-all gives none (ISE: 20). */
  defaultPageSize?: number;
  /** Default 127.0.0.1. The certificate covers it, `localhost` and 127.0.0.1. */
  hostname?: string;
  /** Default 0: a free port. */
  port?: number;
  /** Reuse certificates (e.g. across restarts of a demo) instead of making new ones. */
  certificates?: SimulatorCertificates;
}

export interface IseSimulator {
  /** `https://127.0.0.1:<port>`: what the client takes as its ISE URL. */
  url: string;
  port: number;
  /** The CA that signed the server certificate: the client's CA bundle. */
  caPem: string;
  certificates: SimulatorCertificates;
  users: readonly SimulatorUser[];
  state: IseState;
  faults: Faults;
  traffic: Traffic;
  close(): Promise<void>;
}

export const DEFAULT_SIMULATOR_USER: SimulatorUser = {
  username: 'ersadmin',
  password: 'Simulated-ERS-1',
  role: Role.Admin,
};

export async function startIseSimulator(o: IseSimulatorOptions = {}): Promise<IseSimulator> {
  const hostname = o.hostname ?? '127.0.0.1';
  const certificates =
    o.certificates ?? (await makeCertificates(unique(['localhost', '127.0.0.1', hostname])));
  const users = o.users ?? [DEFAULT_SIMULATOR_USER];
  const state = new IseState(seedTags(o.tags));
  const faults = new Faults();
  const traffic = new Traffic();
  const tokens = new CsrfTokens();
  faults.onExpireTokens(() => tokens.expireAll());

  let origin = '';
  const handler = { current: (_req: Request): Promise<Response> => Promise.reject(new Error('not started')) };
  const server = Bun.serve({
    hostname,
    port: o.port ?? 0,
    development: false,
    tls: { cert: certificates.certPem, key: certificates.keyPem },
    fetch: (req) => handler.current(req),
    error: (e) => ersResponse(500, `Internal error: ${String(e.message).slice(0, 200)}`, 'unknown', origin),
  });
  const port = server.port ?? 0;
  origin = `https://${hostname.includes(':') ? `[${hostname}]` : hostname}:${port}`;
  handler.current = ersHandler({
    origin,
    state,
    faults,
    traffic,
    users,
    csrf: o.csrf ?? false,
    tokens,
    defaultPageSize: o.defaultPageSize ?? 20,
  });

  return {
    url: origin,
    port,
    caPem: certificates.caPem,
    certificates,
    users,
    state,
    faults,
    traffic,
    async close() {
      faults.clear();
      await server.stop(true);
    },
  };
}

function seedTags(tags: IseSimulatorOptions['tags']): readonly SgtSpec[] {
  if (tags === undefined) return STOCK_SGTS;
  if (typeof tags === 'number') {
    return Array.from({ length: tags }, (_, i) => ({
      name: `SGT_${i + 1}`,
      value: 1000 + i,
      description: '',
    }));
  }
  return tags;
}

const unique = (xs: string[]): string[] => [...new Set(xs)];
