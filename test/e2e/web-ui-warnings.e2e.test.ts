import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { AuditLog } from '../../controller/audit/audit-log';
import type { Change } from '../../controller/model';
import { buildUi } from '../../controller/ui/build';
import { auditConfig, entry, recordEntry, sha } from '../integration/audit/audit-fixtures';
import { axeViolations, launchChromium, watchPage, type PageWatch } from '../helpers/browser';
import { startBuiltCairnRun, type BuiltCairnRun } from '../helpers/built-cairn-run';

jest.setTimeout(180_000);

const READ = 'warnings-read-token-0123456789abcdef';
const DEPRECATED = 'v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice';
// A webhook's warning is text from outside: it must show as text, never become markup.
const HOSTILE = '<img src=x onerror="alert(1)"> label "team" is not set';

const warned: Change = {
  target: 'kubernetes',
  subject: 'Endpoints/shop-dev/legacy',
  action: 'created',
  type: 'v1',
  file: 'k8s-resources/legacy.yaml',
  warnings: [DEPRECATED, HOSTILE],
};
const quiet: Change = {
  target: 'kubernetes',
  subject: 'ConfigMap/shop-dev/settings',
  action: 'configured',
  type: 'v1',
  file: 'k8s-resources/settings.yaml',
};

/**
 * The entry page's "Warnings from the API server", in a real headless Chromium against the built
 * `cairn run`: what the server warned about while it applied (recorded in `changes[].warnings`) is
 * listed by file and object and marked on the object's row; an entry without any shows no list.
 */
describe('the web UI entry page, with the API server warnings of its changes, in Chromium', () => {
  let dir: string;
  let run: BuiltCairnRun | undefined;
  let browser: Browser;
  let page: Page;
  let watch: PageWatch;

  beforeAll(async () => {
    await buildUi();
    // Given a ledger of an entry whose Endpoints was warned about twice, then one with no warnings
    dir = mkdtempSync(join(tmpdir(), 'cairn-ui-warnings-'));
    const ledger = join(dir, 'ledger');
    const writer = await AuditLog.open(auditConfig(ledger));
    await recordEntry(writer, entry({ id: 'warned-entry', toSha: sha('1'), changes: [warned, quiet] }));
    await recordEntry(
      writer,
      entry({ id: 'quiet-entry', fromSha: sha('1'), toSha: sha('2'), changes: [quiet] }),
    );
    await writer.close();
    // And cairn run on that ledger, with a read token
    run = await startBuiltCairnRun(dir, {
      server: { apiTokens: [{ env: 'WARNINGS_READ', scopes: ['read'] }] },
      audit: { dir: ledger, keyFile: `${ledger}.key` },
      env: { WARNINGS_READ: READ },
    });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    watch = watchPage(page);
    await page.goto(run.url);
    await page.getByLabel('API token').fill(READ);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Environments' }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await run?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const openEntry = async (id: string) => {
    await page.goto(`${run!.url}/#/entry/${id}`);
    await page.getByRole('heading', { name: /^Entry/ }).waitFor();
  };
  const warningsBox = () => page.getByRole('region', { name: 'Warnings from the API server' });
  const row = (subject: string) => page.locator(`ul.changes li[data-subject="${subject}"]`);

  it('lists each warning with its file and object, and marks the warned object row', async () => {
    // When the entry with warnings is opened
    await openEntry('warned-entry');

    // Then its warnings are listed, each naming file and object, the hostile one as plain text
    await expect(warningsBox().getByRole('heading').textContent()).resolves.toBe(
      'Warnings from the API server',
    );
    await expect(warningsBox().locator('li').allTextContents()).resolves.toEqual([
      `k8s-resources/legacy.yaml: Endpoints/shop-dev/legacy: ${DEPRECATED}`,
      `k8s-resources/legacy.yaml: Endpoints/shop-dev/legacy: ${HOSTILE}`,
    ]);
    await expect(page.locator('main img').count()).resolves.toBe(0);
    // And the warned object's row is marked, the other object's is not
    await expect(row(warned.subject).locator('.warned').textContent()).resolves.toContain('2 warnings');
    await expect(row(quiet.subject).locator('.warned').count()).resolves.toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    expect(watch.dialogs).toEqual([]);
    expect(watch.errors.filter((e) => !/status of 401 \(Unauthorized\)/.test(e))).toEqual([]);
  });

  it('shows no warnings list nor marker for an entry the server warned nothing about', async () => {
    // When the entry without warnings is opened
    await openEntry('quiet-entry');
    await row(quiet.subject).waitFor();

    // Then there is no warnings list and no row is marked
    await expect(warningsBox().count()).resolves.toBe(0);
    await expect(page.getByText('Warnings from the API server').count()).resolves.toBe(0);
    await expect(page.locator('.warned').count()).resolves.toBe(0);
  });
});
