/**
 * A large tenant for the dashboard's scale test, written straight into a
 * data directory before `scopilot serve` opens it: a generated SGACLHIT log
 * is analysed and each flow merged into its inventory record exactly as the
 * aggregator would (actors/aggregator), and every tag gets a name. Putting
 * the records is seconds; the same 20,000 flows through the ingest API and
 * the actors would take minutes on a shared machine.
 */
import { flowIdOf, merge } from '../../actors/aggregator/logic.ts';
import { observedOf } from '../../actors/tail/deltas.ts';
import { Analysis } from '../../domain/analysis.ts';
import { openEmbeddedEngine } from '../../engine/embedded/mod.ts';
import { ensureSchema, keys, openStores } from '../../kv-schema/mod.ts';
import { DEFAULT_NAMESPACE } from '../../streams/namespace.ts';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** Name prefixes the tag classes are inferred from (domain/classify/classes.ts), so collapsing groups them. */
const PREFIXES = [
  'Employees',
  'Contractors',
  'Web_Servers',
  'App_Servers',
  'Database_Servers',
  'Printers',
  'Cameras',
  'IT_Admins',
  'DNS_Servers',
  'Guests',
];

export interface BigTenant {
  tags: number;
  flows: number;
}

/** `perTag` lines from each of `tags` tags (2 … tags+1) to as many others: one flow per cell. */
export function bigTenantLines(tags: number, perTag: number, ms: number): string[] {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.000`;
  const out: string[] = [];
  for (let k = 0; k < tags * perTag; k++) {
    const s = k % tags;
    const dgt = 2 + ((s + Math.floor(k / tags) * 12 + 1) % tags);
    const port = [443, 53, 22, 445, 8080][k % 5];
    out.push(
      `${stamp}: %RBM-6-SGACLHIT: ingress_interface='Gi1/0/1' sgacl_name='x' action='Permit' protocol='tcp' ` +
        `src-ip='10.1.${k % 250}.1' src-port='40000' dest-ip='10.2.${k % 250}.2' dest-port='${port}' sgt='${s + 2}' dgt='${dgt}' logging_interval_hits='${1 + (k % 97)}'`,
    );
  }
  return out;
}

/** Seed `tenant` in the embedded engine at `dataDir` (nothing else may have it open). */
export async function seedBigTenant(
  dataDir: string,
  tenant: string,
  tags: number,
  perTag: number,
  nowMs: number,
): Promise<BigTenant> {
  const analysis = new Analysis({ referenceMs: nowMs });
  analysis.addLines(bigTenantLines(tags, perTag, nowMs - 60_000));
  const { flows } = analysis.result();
  const engine = await openEmbeddedEngine({ dataDir });
  try {
    await ensureSchema(engine, DEFAULT_NAMESPACE);
    const stores = await openStores(engine, DEFAULT_NAMESPACE);
    const at = new Date(nowMs).toISOString();
    const puts: Promise<number>[] = [];
    for (let t = 2; t < tags + 2; t++)
      puts.push(
        stores.sgt.put(keys.sgt(tenant, t), {
          name: `${PREFIXES[t % PREFIXES.length]}_${t}`,
          updatedBy: 'seed',
          updatedAt: at,
        }),
      );
    for (const f of flows) {
      const d = observedOf(f, 'api');
      puts.push(stores.inventory.put(keys.inventory(tenant, flowIdOf(d)), merge(undefined, d)));
    }
    await Promise.all(puts);
    return { tags, flows: flows.length };
  } finally {
    await engine.close();
  }
}

// `bun test/support/big-tenant.ts DIR TENANT TAGS PER_TAG`: seed in a child process, so a test's own event loop
// (and the browser it drives) keeps running while sqlite takes the puts; prints the result as one JSON line.
if (import.meta.main) {
  const [dir, tenant, tags, perTag] = process.argv.slice(2);
  if (dir === undefined || tenant === undefined)
    throw new Error('usage: big-tenant.ts DIR TENANT TAGS PER_TAG');
  const seeded = await seedBigTenant(dir, tenant, Number(tags ?? 500), Number(perTag ?? 40), Date.now());
  console.log(JSON.stringify({ seeded }));
}
