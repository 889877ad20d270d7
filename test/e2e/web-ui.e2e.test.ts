import type { ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
import { buildUi } from '../../controller/ui/build';
import { axeViolations, launchChromium, watchPage, type PageWatch } from '../helpers/browser';
import { runCli, startCli } from '../helpers/cli';
import { awsTestCredentials, makeE2ePlatform, settings, type E2ePlatform } from '../helpers/e2e-platform';
import { freePort } from '../helpers/net';

jest.setTimeout(240_000);

const READ = 'web-ui-read-token-0123456789';
const SYNC = 'web-ui-sync-token-9876543210';
const SHOTS = join(__dirname, '..', '..', 'docs', 'screenshots');
const HOSTILE_MESSAGE = 'Hostile <img src=x onerror=alert(1)> <script>alert(2)</script>';
const HOSTILE_AUTHOR = '&lt;img src=x onerror=alert(3)&gt; Mallory';
const HOSTILE_FILE = 'k8s-resources/<img src=x onerror=alert(4)>.yaml';
const HOSTILE_VALUE = '<script>alert(5)</script><img src=x onerror=alert(6)>';

/**
 * The web UI in a real headless Chromium against `cairn run` on the sandbox (kube-apiserver,
 * moto_server, a real Git repository): sign-in with a read token, the environments, an
 * environment's ledger and an entry with a Kubernetes diff and an AWS change, a commit appearing
 * live, the scopes (no sync button for a read token, and the API refuses it), a sync that appears
 * live, a stalled environment, a hostile commit shown as text with no script run, axe-core on
 * every page, and screenshots of each page for docs/web-ui.md.
 */
describe('the web UI, in Chromium, against cairn run', () => {
  let platform: E2ePlatform;
  let controller: ChildProcess;
  let browser: Browser;
  let page: Page;
  let watch: PageWatch;
  let base: string;
  let log = '';

  beforeAll(async () => {
    await buildUi();
    platform = makeE2ePlatform(['dev', 'prod']);
    for (const env of ['dev', 'prod']) {
      const boot = await runCli(
        ['bootstrap', '--config', platform.configFile, '--env', env],
        awsTestCredentials(),
      );
      expect(boot.code).toBe(0);
    }
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = parse(readFileSync(platform.configFile, 'utf8')) as Record<string, unknown>;
    config.server = {
      port,
      apiTokens: [
        { env: 'WEB_UI_READ', scopes: ['read'] },
        { env: 'WEB_UI_SYNC', scopes: ['read', 'sync'] },
      ],
    };
    writeFileSync(platform.configFile, stringify(config));
    controller = startCli(['run', '--config', platform.configFile], {
      ...awsTestCredentials(),
      WEB_UI_READ: READ,
      WEB_UI_SYNC: SYNC,
    });
    controller.stdout?.on('data', (d: Buffer) => (log += d.toString()));
    controller.stderr?.on('data', (d: Buffer) => (log += d.toString()));
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    watch = watchPage(page);
    await waitForServer();
  });

  afterAll(async () => {
    await browser?.close();
    controller?.kill('SIGTERM');
    await new Promise((r) => (controller?.exitCode === null ? controller.once('exit', r) : r(null)));
    platform?.cleanup();
  });

  async function waitForServer() {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const ok = await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`cairn run did not answer within 60 s:\n${log}`);
  }

  const until = async (what: string, check: () => Promise<boolean>) => {
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error(`not ${what} within 60 s`);
  };
  const row = (env: string) => page.locator(`tr[data-env="${env}"]`);
  const signIn = async (token: string) => {
    await page.goto(base);
    await page.getByLabel('API token').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Environments' }).waitFor();
  };
  const noScriptRan = () => {
    expect(watch.dialogs).toEqual([]);
    // Chrome logs a refused request (the signed-out page's 401) as a console error; that is the
    // network, not a script. A CSP refusal ("Refused to ...") or a thrown error still counts.
    expect(watch.errors.filter((e) => !/status of 401 \(Unauthorized\)/.test(e))).toEqual([]);
  };
  const accessible = async () => expect(await axeViolations(page)).toEqual([]);

  it('signs in with a read token and shows every environment, synced, with its head commit', async () => {
    await page.goto(base);
    await accessible();
    await page.screenshot({ path: join(SHOTS, 'sign-in.png') });
    await signIn(READ);
    await row('dev').and(page.locator('[data-status="synced"]')).waitFor({ timeout: 120_000 });
    await row('prod').and(page.locator('[data-status="synced"]')).waitFor({ timeout: 120_000 });
    await expect(row('dev').textContent()).resolves.toContain(platform.git('rev-parse', 'dev').slice(0, 8));
    await expect(row('dev').textContent()).resolves.toContain('dev: first platform');
  });

  it('gives a read token no sync button, and the API refuses its sync', async () => {
    await expect(page.getByRole('button', { name: /Sync now/ }).count()).resolves.toBe(0);
    const refused = await fetch(`${base}/api/environments/dev/sync`, {
      method: 'POST',
      headers: { authorization: `Bearer ${READ}` },
    });
    expect(refused.status).toBe(403);
  });

  it('shows a commit pushed during the test without a reload', async () => {
    await page.evaluate(() => ((globalThis as Record<string, unknown>).notReloaded = true));
    const sha = platform.commit('dev', 'Paint it green and add a queue', {
      'k8s-resources/settings.yaml': settings(platform.namespace('dev'), 'green'),
      'aws-resources/stack.json': JSON.stringify({ prefix: `e2e${platform.id}`, queue: true }),
    });
    await row('dev').locator(`code[title="${sha}"]`).first().waitFor({ timeout: 60_000 });
    await row('dev').and(page.locator('[data-status="synced"]')).waitFor({ timeout: 120_000 });
    await expect(page.evaluate(() => (globalThis as Record<string, unknown>).notReloaded)).resolves.toBe(
      true,
    );
    await accessible();
    await page.screenshot({ path: join(SHOTS, 'environments.png'), fullPage: true });
  });

  it('opens an environment and an entry: a Kubernetes diff and an AWS resource change', async () => {
    await row('dev').getByRole('link', { name: 'dev' }).click();
    await page.getByRole('heading', { name: 'Ledger' }).waitFor();
    const newest = page.locator('tr[data-entry]').first();
    await newest.getByText('Paint it green').waitFor({ timeout: 30_000 });
    await expect(page.locator('.chain').textContent()).resolves.toContain('verified');
    await accessible();
    await page.screenshot({ path: join(SHOTS, 'environment.png'), fullPage: true });

    await newest.getByRole('link').first().click();
    await page.getByRole('heading', { name: 'Changes' }).waitFor();
    const settingsChange = page.locator(`li[data-subject="ConfigMap/${platform.namespace('dev')}/settings"]`);
    await expect(settingsChange.textContent()).resolves.toContain('configured');
    await settingsChange.getByText('diff').click();
    await expect(settingsChange.locator('pre.diff').textContent()).resolves.toMatch(/green/);
    const awsGroup = page.getByRole('region', { name: `AWS stack ${platform.stackName('dev')}` });
    await expect(awsGroup.locator('li', { hasText: 'AWS::SQS::Queue' }).textContent()).resolves.toContain(
      'created',
    );
    await expect(page.locator('.timeline li').count()).resolves.toBeGreaterThan(2);
    await expect(page.locator('.command code').textContent()).resolves.toMatch(/^cairn revert /);
    await expect(page.getByRole('button', { name: 'Open revert PR' }).count()).resolves.toBe(0);
    await accessible();
    await page.screenshot({ path: join(SHOTS, 'entry.png'), fullPage: true });
    noScriptRan();
  });

  it('shows a hostile commit as text and runs none of its script', async () => {
    // One commit (an amend would be a second, racing the 1 s poll), its author set by git itself.
    platform.git('checkout', '-q', 'dev');
    writeFileSync(
      join(platform.repo, HOSTILE_FILE),
      stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'hostile', namespace: platform.namespace('dev') },
        data: { value: HOSTILE_VALUE },
      }),
    );
    platform.git('add', '-A');
    platform.git('commit', '-q', '-m', HOSTILE_MESSAGE, `--author=${HOSTILE_AUTHOR} <m@example.com>`);
    await page.goto(`${base}/#/env/dev`);
    const newest = page.locator('tr[data-entry]').first();
    await newest
      .getByText('Hostile <img src=x onerror=alert(1)>', { exact: false })
      .waitFor({ timeout: 120_000 });
    await expect(newest.textContent()).resolves.toContain(HOSTILE_AUTHOR);
    await newest.getByRole('link').first().click();
    await page.getByRole('heading', { name: 'Changes' }).waitFor();
    await expect(page.locator('pre.message').first().textContent()).resolves.toBe(HOSTILE_MESSAGE);
    const hostile = page.locator(`li[data-subject="ConfigMap/${platform.namespace('dev')}/hostile"]`);
    if ((await hostile.count()) === 0)
      throw new Error(`no hostile object on the page:\n${await page.locator('main').innerText()}`);
    await expect(hostile.textContent()).resolves.toContain('<img src=x onerror=alert(4)>.yaml');
    if ((await hostile.getByText('diff').count()) > 0) {
      await hostile.getByText('diff').click();
      await expect(hostile.locator('pre.diff').textContent()).resolves.toContain('<script>alert(5)</script>');
    }
    // Not one element came from the strings: they are text nodes.
    await expect(page.locator('img[src="x"], main script').count()).resolves.toBe(0);
    await page.waitForTimeout(500);
    noScriptRan();
    await accessible();
  });

  it('gives a sync token the button, and its reconcile shows up live', async () => {
    await page.goto(base);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(SYNC);
    const before = await row('prod').locator('td').nth(4).textContent();
    await new Promise((r) => setTimeout(r, 1100)); // the cell shows seconds
    await row('prod')
      .getByRole('button', { name: /Sync now/ })
      .click();
    await row('prod').getByText('reconcile queued').waitFor();
    await until(
      'the last check moves',
      async () => (await row('prod').locator('td').nth(4).textContent()) !== before,
    );
  });

  it('shows a stalled environment with its failure', async () => {
    platform.commit('prod', 'Break prod', {
      'k8s-resources/broken.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n   namespace: bad\n',
    });
    await row('prod').and(page.locator('[data-status="stalled"]')).waitFor({ timeout: 120_000 });
    await expect(row('prod').locator('.failure').textContent()).resolves.toMatch(/\S+\.\S+ .*broken\.yaml/);
    await page.locator('select').selectOption('stalled');
    await expect(page.locator('tbody tr').count()).resolves.toBe(1);
    noScriptRan();
  });

  it("lists an environment's control records, newest first, as text", async () => {
    const control = async (action: 'suspend' | 'resume', reason: string) => {
      const res = await fetch(`${base}/api/environments/dev/${action}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${SYNC}`, 'content-type': 'application/json' },
        body: JSON.stringify({ by: 'ana@laptop', reason }),
      });
      expect([action, res.ok]).toEqual([action, true]);
    };
    await control('suspend', 'freeze for the audit <img src=x onerror=alert(1)>');
    await control('resume', 'audit done');
    await page.goto(`${base}/#/env/dev`);
    const records = page.locator('table.controls tbody tr');
    await records.nth(1).waitFor();
    await expect(
      records.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-control'))),
    ).resolves.toEqual(['resume', 'suspend']);
    await expect(records.nth(1).textContent()).resolves.toContain(
      'ana@laptopfreeze for the audit <img src=x onerror=alert(1)>',
    );
    await expect(page.locator('table.controls img').count()).resolves.toBe(0);
    // The API gives the same, newest first.
    const api = (await fetch(`${base}/api/environments/dev/controls`, {
      headers: { authorization: `Bearer ${READ}` },
    }).then((r) => r.json())) as { controls: { action: string; by: string }[] };
    expect(api.controls.map((c) => [c.action, c.by])).toEqual([
      ['resume', 'ana@laptop'],
      ['suspend', 'ana@laptop'],
    ]);
    await accessible();
    noScriptRan();
  });
});
