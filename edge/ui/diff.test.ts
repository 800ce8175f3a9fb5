/**
 * The version diff as a matrix on the versions page, and "What this approval
 * changes" on a proposal's page and its approval page (both engines).
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { FLAVOURS } from '../../test/support/engines.ts';
import { describeNats } from '../../test/support/nats.ts';
import {
  approve,
  createManual,
  inventoryRecord,
  json,
  type RestHarness,
  seedFlows,
  startRest,
  TOKENS,
} from '../../test/support/rest-api.ts';
import { login, pageText, uiFetch } from '../../test/support/ui.ts';

let h: RestHarness;
afterEach(async () => {
  await h?.stop();
});

/** The grid's row of `source`: its cells' text in column order. */
function gridRow(page: string, prefix: string, source: string): string[] {
  const table = new RegExp(`<table class="grid diff" id="${prefix}-grid">([\\s\\S]*?)</table>`).exec(
    page,
  )?.[1];
  expect(table).toBeDefined();
  const row = new RegExp(`<tr><th scope="row">${source}</th>(.*?)</tr>`).exec(table!)?.[1];
  expect(row).toBeDefined();
  return [...row!.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, ''));
}

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`diff pages on ${flavour.name}`, () => {
    async function started(): Promise<string> {
      h = await startRest(flavour);
      await seedFlows(h, 'acme', [
        inventoryRecord('10-20-tcp-any-443', { hits: 90 }),
        inventoryRecord('10-20-tcp-any-22', { hits: 4 }),
        inventoryRecord('10-30-tcp-any-8443', { hits: 12 }),
      ]);
      // A name from a log or a person is escaped wherever the picture shows it.
      const named = await h.api.request(
        '/api/v1/sgts/20',
        json({ name: '<Web & "Co">' }, TOKENS.admin, 'PUT'),
      );
      expect(named.status).toBe(200);
      return login(h.api, TOKENS.operator);
    }

    test('a proposal shows what its approval changes, before approval, on its page and its approval page', async () => {
      const operator = await started();
      const p = await createManual(h.api, { port: 443 });
      for (const path of [`/ui/proposals/${p.id}`, `/ui/proposals/${p.id}/approve`]) {
        const page = await pageText(h.api, path, operator);
        expect(page).toContain('<h2 id="preview-heading">What this approval changes</h2>');
        expect(page).toContain('v0 (nothing approved yet)');
        expect(page).toContain(
          '<p id="preview-summary">1 cell changes: 1 added, 0 changed, 0 removed.\n1 observed flow changes status (90 hits): 90 hits now permitted, 0 now denied, 0 now uncovered.</p>',
        );
        // Rows are source tags, columns destination tags; the cell says A, not only green.
        expect(page).toContain('<th scope="col">&lt;Web &amp; &quot;Co&quot;&gt; (20)</th>');
        expect(page).not.toContain('<Web &');
        expect(gridRow(page, 'preview', 'SGT10 \\(10\\)')).toEqual(['A']);
        expect(page).toMatch(
          /<td class="s-added"><a href="#preview-10-20" aria-label="SGT10 \(10\) → &lt;Web/,
        );
        // The cell lists its ACE change and the flow it covers, with how it fares.
        expect(page).toContain('<details id="preview-10-20" class="panel" open>');
        expect(page).toContain('<ins>+ permit tcp dst eq 443</ins>');
        expect(page).toContain(
          '<li><code>10-20-tcp-any-443</code> 90 hits, <span class="s-permitted">uncovered → permitted</span></li>',
        );
        expect(page).not.toContain('10-20-tcp-any-22</code>');
      }
      // Once applied there is nothing left to approve: no preview.
      expect((await approve(h.api, p.id, TOKENS.admin)).status).toBe(200);
      expect(await pageText(h.api, `/ui/proposals/${p.id}`, operator)).not.toContain(
        'What this approval changes',
      );
    });

    test('a version page draws the cells it adds, changes and removes, against its parent or another version', async () => {
      const operator = await started();
      expect((await approve(h.api, (await createManual(h.api, { port: 443 })).id, TOKENS.admin)).status).toBe(
        200,
      );
      expect(
        (await approve(h.api, (await createManual(h.api, { dgt: 30, port: 8443 })).id, TOKENS.admin)).status,
      ).toBe(200);
      expect((await approve(h.api, (await createManual(h.api, { port: 22 })).id, TOKENS.admin)).status).toBe(
        200,
      );

      const v3 = await pageText(h.api, '/ui/versions/3', operator);
      expect(v3).toContain('<h2 id="changes">Changes from v2</h2>');
      expect(gridRow(v3, 'diff', 'SGT10 \\(10\\)')).toEqual(['C']);
      expect(v3).toContain('<span class="tag s-changed">C changed</span>');
      expect(v3).toContain('<ins>+ permit tcp dst eq 22</ins>');
      expect(v3).toContain(
        '<code>10-20-tcp-any-22</code> 4 hits, <span class="s-permitted">uncovered → permitted</span>',
      );
      expect(v3).toContain('<option value="2" selected>v2 (parent)</option>');

      // v1 against v3: 10 → 20 loses its tcp/22 line and 10 → 30 goes; columns only where a cell changes.
      const back = await pageText(h.api, '/ui/versions/1?against=3', operator);
      expect(back).toContain('<h2 id="changes">Changes from v3</h2>');
      expect(back).toMatch(
        /<thead><tr><td><\/td><th scope="col">&lt;Web &amp; &quot;Co&quot;&gt; \(20\)<\/th><th scope="col">SGT30 \(30\)<\/th><\/tr><\/thead>/,
      );
      expect(gridRow(back, 'diff', 'SGT10 \\(10\\)')).toEqual(['C', 'R']);
      expect(back).toContain('<td class="s-removed"><a href="#diff-10-30"');
      expect(back).toContain('<del>- permit tcp dst eq 8443</del>');
      expect(back).toContain('<span class="muted">decided before:</span>');
      expect(back).toContain('<span class="s-uncovered">permitted → uncovered</span>');
      // A version that was never written is ignored: the parent is the default.
      expect(await pageText(h.api, '/ui/versions/3?against=99', operator)).toContain('Changes from v2');
      expect(await pageText(h.api, '/ui/versions/3?against=3', operator)).toContain('No policy change.');
      expect((await uiFetch(h.api, '/ui/versions/9', { cookie: operator })).status).toBe(404);
      // No inline script: the CSP stays strict.
      expect(back).not.toMatch(/<script(?![^>]*\bsrc=)/);
    });
  });
}
