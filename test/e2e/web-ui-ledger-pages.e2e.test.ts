import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { buildUi } from '../../controller/ui/build';
import { launchChromium, watchPage, type PageWatch } from '../helpers/browser';
import { startBuiltCairnRun, writeLargeLedger, type BuiltCairnRun } from '../helpers/built-cairn-run';

jest.setTimeout(180_000);

const READ = 'ledger-pages-read-token-0123456789';
/** The environment page's PAGE_SIZE (controller/ui/app is built for the browser, not imported here). */
const PAGE_SIZE = 25;
const ENTRIES = 50;
/** Objects per entry's tree: about 200 KB a record, so 25 of them are past a page's 4 MiB. */
const OBJECTS = 1200;

/**
 * The environment page's ledger, in a real headless Chromium against the built `cairn run`, where
 * entries are over 160 KB each. Found after the server began ending a page at 4 MiB of records:
 * the page asked for 26 entries and paged by 25, so it showed fewer entries and no link to older
 * ones, and everything past the first page was out of reach. It now pages by the server's
 * X-Cairn-Next-Offset: every entry is reached, older and back newer.
 */
describe('the web UI ledger of large entries, in Chromium, against cairn run', () => {
  let dir: string;
  let run: BuiltCairnRun | undefined;
  let base: string;
  let browser: Browser;
  let page: Page;
  let watch: PageWatch;

  beforeAll(async () => {
    await buildUi();
    // Given a ledger of 50 entries, each of a tree of 1,200 objects
    dir = mkdtempSync(join(tmpdir(), 'cairn-ledger-pages-'));
    const ledger = join(dir, 'ledger');
    await writeLargeLedger(ledger, { entries: ENTRIES, objects: OBJECTS });
    // And cairn run (one environment, nothing to apply) on that ledger, with a read token
    run = await startBuiltCairnRun(dir, {
      server: { apiTokens: [{ env: 'LEDGER_PAGES_READ', scopes: ['read'] }] },
      audit: { dir: ledger, keyFile: `${ledger}.key` },
      env: { LEDGER_PAGES_READ: READ },
    });
    base = run.url;
    // cairn run's own reconcile at start-up adds an entry: the pages below are read after it
    await until('cairn run reconciled once', async () =>
      run!.output().includes('"msg":"reconcile finished"'),
    );
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    watch = watchPage(page);
  });

  afterAll(async () => {
    await browser?.close();
    await run?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function until(what: string, check: () => Promise<boolean>): Promise<void> {
    for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
      if (run?.child.exitCode !== null && run?.child.exitCode !== undefined)
        throw new Error(`cairn run exited:\n${run.output()}`);
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`not ${what} within 60 s`);
  }

  /** The ids of the ledger rows the page shows, in order. */
  const shown = () =>
    page.locator('tr[data-entry]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-entry') ?? ''));
  const button = (name: 'Older' | 'Newer') => page.getByRole('button', { name, exact: true });

  /** Clicks Older or Newer and waits for the other page's rows. */
  async function turn(name: 'Older' | 'Newer', before: readonly string[]): Promise<string[]> {
    await button(name).click();
    let now: string[] = [];
    await until(`a page other than the one of ${before[0]}`, async () => {
      now = await shown();
      return now.length > 0 && now[0] !== before[0];
    });
    return now;
  }

  it('pages older through every entry, and back newer through the same pages', async () => {
    // (each entry's record is over 160 KB: a page of 25 is past the server's 4 MiB)
    const first = await fetch(`${base}/api/environments/dev/audit?limit=${PAGE_SIZE}`, {
      headers: { authorization: `Bearer ${READ}` },
    });
    const body = await first.text();
    const sizes = JSON.parse(body) as unknown[];
    expect(body.length / sizes.length).toBeGreaterThan(160_000);
    expect(sizes.length).toBeLessThan(PAGE_SIZE);

    // When a read token signs in and opens the environment's ledger
    await page.goto(base);
    await page.getByLabel('API token').fill(READ);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Environments' }).waitFor();
    await page.goto(`${base}/#/env/dev`);
    await page.locator('tr[data-entry]').first().waitFor();
    await expect(button('Newer').isDisabled()).resolves.toBe(true);

    // And goes older for as long as there is an older page
    const pages: string[][] = [await shown()];
    while (await button('Older').isEnabled()) pages.push(await turn('Older', pages.at(-1)!));

    // Then it saw every entry once, newest first, at most PAGE_SIZE a page
    const ids = pages.flat();
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.filter((id) => id.startsWith('e-'))).toEqual(
      Array.from({ length: ENTRIES }, (_, i) => `e-${String(ENTRIES - 1 - i).padStart(4, '0')}`),
    );
    for (const p of pages) expect(p.length).toBeLessThanOrEqual(PAGE_SIZE);
    expect(pages.length).toBeGreaterThan(2); // (a page in the middle too)
    await expect(page.locator('.pager span').textContent()).resolves.toBe(`page ${pages.length}`);

    // And going newer shows the same pages again, back to the first
    for (let i = pages.length - 2; i >= 0; i -= 1)
      expect(await turn('Newer', pages[i + 1]!)).toEqual(pages[i]);
    await expect(button('Newer').isDisabled()).resolves.toBe(true);
    await expect(page.locator('.pager span').textContent()).resolves.toBe('page 1');
    expect(watch.dialogs).toEqual([]);
    // (Chrome logs the signed-out page's 401 as a console error: that is the network, not a script)
    expect(watch.errors.filter((e) => !/status of 401 \(Unauthorized\)/.test(e))).toEqual([]);
  });
});
