/**
 * The dashboard in a real browser against a real `scopilot serve` (embedded
 * engine): sign in, upload a gzip log and see its matrix, ingest live lines
 * until proposals appear, approve two, see the versions, roll back and see
 * the pointer move. Uses the system's Chromium (never downloads one); skipped
 * with one loud line only when it is missing and SCOPILOT_TEST_REQUIRE_BROWSER
 * is not 1.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { waitFor } from './support/actors.ts';
import { type Child, killChildren, spawnChild } from './support/child.ts';

const CHROMIUM = '/usr/bin/chromium';
const MAIN = join(import.meta.dir, '../cli/main.ts');
const TOKEN = 'browser-test-admin-token-0123456789';
const available = existsSync(CHROMIUM);
const required = process.env.SCOPILOT_TEST_REQUIRE_BROWSER === '1';
if (!available && !required)
  console.warn(`\n*** SKIPPED: the dashboard browser test: no Chromium at ${CHROMIUM} ***\n`);

const dirs: string[] = [];
let browser: Browser | undefined;
let server: Child | undefined;
afterAll(async () => {
  await browser?.close().catch(() => undefined);
  server?.process.kill('SIGTERM');
  await server?.process.exited;
  killChildren();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** One SGACLHIT line as a switch logs it, stamped `ms`. */
function hit(
  ms: number,
  sgt: number,
  dgt: number,
  protocol: string,
  port: number,
  hits: number,
  i: number,
): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`;
  return (
    `${stamp}: %RBM-6-SGACLHIT: ingress_interface='GigabitEthernet1/0/${i % 48}' sgacl_name='${sgt}_to_${dgt}' ` +
    `action='Permit' protocol='${protocol}' src-ip='10.${sgt}.0.${(i % 250) + 1}' src-port='${40000 + i}' ` +
    `dest-ip='10.${dgt}.1.${(i % 20) + 1}' dest-port='${port}' sgt='${sgt}' dgt='${dgt}' logging_interval_hits='${hits}'`
  );
}

function serverEnv(dataDir: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('SCOPILOT_') && v !== undefined) env[k] = v;
  return {
    ...env,
    SCOPILOT_DATA_DIR: dataDir,
    SCOPILOT_HTTP__PORT: '0',
    SCOPILOT_LOG_LEVEL: 'info',
    SCOPILOT_API__API_KEYS: JSON.stringify([{ token: TOKEN, tenant: 'default', role: 'admin' }]),
  };
}

async function go(page: Page, url: string): Promise<void> {
  const res = await page.goto(url);
  expect(res?.status()).toBe(200);
}

describe.skipIf(!available && !required)('the dashboard in Chromium', () => {
  test('sign in, upload a log, approve proposals, roll back', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'scopilot-ui-'));
    dirs.push(dataDir);
    server = await spawnChild(MAIN, serverEnv(dataDir), /"msg":"listening"/, ['serve']);
    const line = server.lines.find((l) => l.includes('"msg":"listening"')) ?? '';
    const base = JSON.parse(line).url as string;
    await waitFor(
      '/readyz 200',
      async () => (await fetch(`${base}/readyz`).catch(() => null))?.status === 200,
      30_000,
    );

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    const page = await context.newPage();
    const outside: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(base)) outside.push(r.url());
    });

    // Sign in: any page sends us to the login form first; the skip link is the first stop.
    await page.goto(`${base}/ui/versions`);
    expect(new URL(page.url()).pathname).toBe('/ui/login');
    await page.getByLabel('API token or bearer JWT').fill(TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${base}/ui/versions`);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');

    // Name the tags: the classifier judges by tag class, and flows between nameless tags need review (denied).
    const names: Record<number, string> = {
      4: 'Employees',
      5: 'Contractors',
      10: 'Web_Servers',
      20: 'IT_Admins',
      21: 'Jump_Hosts',
      30: 'App_Servers',
    };
    for (const [tag, name] of Object.entries(names)) {
      const named = await fetch(`${base}/api/v1/sgts/${tag}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name }),
      });
      expect(named.status).toBe(200);
    }

    // Upload a gzip log and see its matrix.
    const now = Date.now();
    const lines: string[] = [];
    for (let i = 0; i < 200; i++) lines.push(hit(now - 60_000 + i * 100, 4 + (i % 2), 10, 'tcp', 443, 3, i));
    const file = join(dataDir, 'switches.log.gz');
    writeFileSync(file, Bun.gzipSync(new TextEncoder().encode(`${lines.join('\n')}\n`)));
    await go(page, `${base}/ui/upload`);
    await page.getByLabel('Classifier').selectOption('heuristic');
    await page.getByLabel('Syslog file').setInputFiles(file);
    await page.getByRole('button', { name: 'Upload and analyse' }).click();
    await page.waitForURL(/\/ui\/upload\/[-0-9a-f]+$/, { timeout: 30_000 });
    const matrix = page.locator('#run-matrix');
    await expect(matrix.locator('tbody tr').count()).resolves.toBe(2);
    expect(await matrix.textContent()).toContain('permit tcp dst eq 443');
    const csvPath = await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
    const csv = await context.request.get(`${base}${csvPath}`);
    expect(csv.status()).toBe(200);
    expect(await csv.text()).toContain('443');

    // Live lines through the ingest API show up on the live flows page, then become proposals.
    const watcher = await context.newPage();
    await go(watcher, `${base}/ui/flows`);
    await watcher.locator('#live-status', { hasText: 'live' }).waitFor({ timeout: 10_000 });
    const before = await watcher.locator('#flows-live tbody tr').count();
    const live: string[] = [];
    for (let i = 0; i < 40; i++) live.push(hit(now - 5_000, 20, 30, 'tcp', 8443 + (i % 2) * 1000, 5, i));
    for (let i = 0; i < 40; i++) live.push(hit(now - 5_000, 21, 30, 'tcp', 22, 5, i));
    const ingested = await fetch(`${base}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ lines: live }),
    });
    expect(ingested.status).toBe(202);
    await waitFor(
      'live rows',
      async () => (await watcher.locator('#flows-live tbody tr').count()) > before,
      15_000,
    );
    expect(await watcher.locator('#flows-live tbody tr').first().textContent()).toContain('(30)');
    await watcher.close();
    await waitFor(
      'two proposals in the inbox',
      async () => {
        await go(page, `${base}/ui/proposals`);
        return (await page.getByRole('link', { name: 'Approve…' }).count()) >= 2;
      },
      45_000,
    );

    // Approve two, each confirmed, each a new version.
    for (const expected of [1, 2]) {
      await page.getByRole('link', { name: 'Approve…' }).first().click();
      await page.getByRole('button', { name: 'Confirm approval' }).click();
      const result = page.getByRole('status').filter({ hasText: 'is now live' });
      // On failure, say what the page showed instead (an error page, a conflict…).
      const shown = await result
        .textContent({ timeout: 20_000 })
        .catch(
          async () =>
            `no status; the page said: ${(await page.locator('main').textContent())?.slice(0, 500)}`,
        );
      expect(shown).toContain(`matrix version ${expected} is now live`);
      await go(page, `${base}/ui/proposals`);
    }
    await go(page, `${base}/ui/versions`);
    expect(await page.locator('#live-version').textContent()).toBe('v2');
    expect(await page.getByRole('link', { name: 'v1', exact: true }).count()).toBe(1);

    // The matrix shows permitted cells; a cell opens with Enter.
    await go(page, `${base}/ui/matrix`);
    const cell = page.locator('table.grid td.s-permit a').first();
    await cell.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/ui\/matrix\/cell\/\d+\/\d+$/);
    expect(await page.locator('pre').first().textContent()).toContain('permit tcp');

    // Roll back to v1, with a reason, and see the pointer move.
    await go(page, `${base}/ui/versions/1`);
    await page.getByRole('link', { name: 'Roll back to v1…' }).click();
    await page.getByLabel('Reason (required)').fill('the second contract broke the backups');
    await page.getByRole('button', { name: 'Confirm rollback to v1' }).click();
    await page.waitForURL(/\/ui\/versions\?done=rollback/);
    expect(await page.locator('#live-version').textContent()).toBe('v1');
    expect(await page.locator('#flip-log').textContent()).toContain(
      'rollback: the second contract broke the backups',
    );
    await go(page, `${base}/ui`);
    expect(await page.locator('.verdict').textContent()).toMatch(/^(Yes|No)\./);

    expect(outside).toEqual([]);
  }, 120_000);
});
