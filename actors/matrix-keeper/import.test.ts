import { afterEach, describe, expect, test } from 'bun:test';
import type { Contract } from '../../domain/contracts.ts';
import { samePolicy } from '../../domain/ise/import.ts';
import { DefaultRule, type Matrix } from '../../domain/matrix.ts';
import { currentMatrix, keys, openStores, type Stores } from '../../kv-schema/mod.ts';
import { StreamName, subjectsFor } from '../../streams/mod.ts';
import { readAll } from '../../test/support/actors.ts';
import { FLAVOURS, type TestEngine } from '../../test/support/engines.ts';
import { describeNats } from '../../test/support/nats.ts';
import { type ImportDeps, importMatrix } from './import.ts';

function cell(sgt: number, dgt: number, dstPort: number): Contract {
  return {
    name: `S${sgt}_to_D${dgt}`,
    sgt,
    dgt,
    sourceName: `S${sgt}`,
    destinationName: `D${dgt}`,
    aces: [
      {
        action: 'permit',
        protocol: 'tcp',
        dstPort,
        hits: 0,
        events: 0,
        flowIds: [],
        conflict: false,
        decision: {
          flowId: '',
          category: 'business_relevant',
          source: 'manual',
          risk: 'low',
          rationale: 'ise',
        },
      },
    ],
    hits: 0,
    events: 0,
    classification: {
      business_relevant: { flows: 0, hits: 0 },
      default: { flows: 0, hits: 0 },
      business_irrelevant: { flows: 0, hits: 0 },
      harmful: { flows: 0, hits: 0 },
      unclassified: { flows: 0, hits: 0 },
    },
  };
}

const matrix = (...cells: Contract[]): Matrix => ({ cells, defaultRule: DefaultRule.PermitIp });
const command = (m: Matrix) => ({
  matrix: m,
  by: 'ann',
  channel: 'api',
  reason: 'imported from ISE',
  source: 'ise' as const,
  same: samePolicy,
});

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`matrix keeper import on ${flavour.name}`, () => {
    let te: TestEngine;
    let stores: Stores;
    let deps: ImportDeps;
    afterEach(async () => {
      await te?.dispose();
    });

    async function setup() {
      te = await flavour.open();
      stores = await openStores(te.engine, te.ns);
      deps = { stores, log: te.engine.log, subjects: subjectsFor(te.ns), now: Date.now };
    }

    test('an import becomes the next version (source ise), announced and audited; the same policy again writes nothing', async () => {
      await setup();
      expect(await importMatrix(deps, 'acme', command(matrix(cell(4, 11, 443))))).toEqual({
        version: 1,
        created: true,
        previous: null,
      });
      const v1 = (await stores.matrix.get(keys.matrixVersion('acme', 1)))?.value;
      expect(v1).toMatchObject({ version: 1, parent: null, source: 'ise', author: 'ann', proposals: [] });
      // Evidence and names do not count: only the policy.
      const renamed = { ...cell(4, 11, 443), name: 'OTHER', hits: 9 };
      expect(await importMatrix(deps, 'acme', command(matrix(renamed)))).toEqual({
        version: 1,
        created: false,
        previous: 1,
      });
      expect(
        await importMatrix(deps, 'acme', command(matrix(cell(4, 11, 443), cell(4, 12, 22)))),
      ).toMatchObject({ version: 2, created: true, previous: 1 });
      const live = await currentMatrix(stores, 'acme');
      expect(live.pointer?.value).toMatchObject({ version: 2, latest: 2, generation: 2, by: 'ann' });
      expect(live.version?.matrix.cells.map((c) => c.dgt)).toEqual([11, 12]);

      const subjects = subjectsFor(te.ns);
      const changed = await readAll(te, StreamName.Events, subjects.matrixChanged('acme'));
      expect(changed.map((m) => (m.json as { data: { version: number } }).data.version)).toEqual([1, 2]);
      const audit = await readAll(te, StreamName.Audit, subjects.audit('acme'));
      expect(audit.map((m) => (m.json as { data: { action: string; object: string } }).data)).toEqual([
        expect.objectContaining({ action: 'matrix.import', object: 'v1' }),
        expect.objectContaining({ action: 'matrix.import', object: 'v2' }),
      ]);
    });

    test('concurrent imports of one matrix leave one live version', async () => {
      await setup();
      const m = matrix(cell(4, 11, 443));
      const results = await Promise.all(
        Array.from({ length: 10 }, () => importMatrix(deps, 'acme', command(m))),
      );
      const live = await currentMatrix(stores, 'acme');
      expect(results.every((r) => r.version === live.version?.version)).toBe(true);
      const flips = await stores.pointer.history(keys.matrixCurrent('acme'));
      expect(flips).toHaveLength(1);
    });
  });
}
