/**
 * The dashboard in a real browser: Debian's Chromium driven by
 * playwright-core (never a downloaded build), a signed-in context that
 * records every console error, uncaught page error and Content Security
 * Policy violation, and checks that a chart drew something and carries its
 * text and table alternative.
 */
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const chromiumAvailable = existsSync(CHROMIUM);
/** CI sets SCOPILOT_TEST_REQUIRE_BROWSER=1: a missing browser fails there instead of skipping. */
export const browserRequired = process.env.SCOPILOT_TEST_REQUIRE_BROWSER === '1';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
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
}

export type Scheme = 'light' | 'dark';

/**
 * A fresh context in `scheme`, signed in with `token`; console errors, page
 * errors and CSP violations (the `securitypolicyviolation` event, reported
 * from an init script, which the page's CSP does not govern) land in `problems`.
 */
export async function signedIn(
  browser: Browser,
  base: string,
  token: string,
  scheme: Scheme,
  problems: string[],
): Promise<{ ctx: BrowserContext; page: Page }> {
  const ctx = await browser.newContext({ viewport: { width: 1366, height: 900 }, colorScheme: scheme });
  const page = await ctx.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()} (${m.location().url})`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.addInitScript(() =>
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`),
    ),
  );
  await page.goto(`${base}/ui/login`);
  await page.getByLabel('API token or bearer JWT').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(`${base}/ui`);
  return { ctx, page };
}

/** Canvas pixels under `selector` that differ from their canvas's first pixel (the background). */
export function paintedPixels(page: Page, selector: string): Promise<number> {
  return page.evaluate((sel) => {
    let count = 0;
    for (const canvas of document.querySelectorAll<HTMLCanvasElement>(`${sel} canvas`)) {
      const ctx = canvas.getContext('2d');
      if (ctx === null || canvas.width === 0 || canvas.height === 0) continue;
      const px = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < px.length; i += 4)
        if (px[i] !== px[0] || px[i + 1] !== px[1] || px[i + 2] !== px[2] || px[i + 3] !== px[3]) count++;
    }
    return count;
  }, selector);
}

export interface ChartCheck {
  painted: number;
  label: string;
  summary: string;
  tableRows: number;
}

/**
 * Waits until the chart `id` finished drawing, then reads what a check needs:
 * its painted pixels, its accessible name, the summary it is described by and
 * the rows of its table.
 */
export async function chartCheck(page: Page, id: string): Promise<ChartCheck> {
  const chart = page.locator(`#${id}`);
  await page.locator(`#${id}[data-finished]`).waitFor({ timeout: 15_000 });
  const summaryId = (await chart.getAttribute('aria-describedby')) ?? '';
  return {
    painted: await paintedPixels(page, `#${id}`),
    label: `${await chart.getAttribute('role')}: ${(await chart.getAttribute('aria-label')) ?? ''}`,
    summary: summaryId === '' ? '' : ((await page.locator(`#${summaryId}`).textContent()) ?? ''),
    tableRows: await page.locator(`#${id} ~ details table tbody tr`).count(),
  };
}
