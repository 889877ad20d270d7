/**
 * The web UI in headless Chromium: the environments page with 1,000 environments and the entry
 * page of a 1,000-object release (both planes, every object with a diff), each measured from
 * navigation to interactive (every row in the page and a filter keystroke answered, or every
 * change listed and its first diff opened). The floor, measured in the same browser and run, is
 * the same rows as static HTML with no script at all; the ratio says what the UI costs over it.
 * Budget (issue 27): each page interactive within 1 s. Run: `npx tsx test/bench/web-ui-bench.ts [--json]`.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { silentLog } from '../../controller/log';
import type { AuditEntry, Change } from '../../controller/model';
import { createServer } from '../../controller/server/create-server';
import { LiveEvents } from '../../controller/server/live-events';
import { Metrics } from '../../controller/server/metrics';
import { buildUi } from '../../controller/ui/build';
import { launchChromium } from '../helpers/browser';
import { ArrayAuditReader, FakeController } from '../helpers/fake-controller';

const TOKEN = 'web-ui-bench-token';
const ENVIRONMENTS = 1000;
const OBJECTS = 1000;
const RUNS = 5;

/** What the benchmark prints. */
export interface WebUiFigures {
  readonly environmentsPage: {
    readonly p50Ms: number;
    readonly maxMs: number;
    readonly floorMs: number;
    readonly ratio: number;
  };
  readonly entryPage: {
    readonly p50Ms: number;
    readonly maxMs: number;
    readonly floorMs: number;
    readonly ratio: number;
  };
}

function release(): AuditEntry {
  const changes: Change[] = [];
  for (let i = 0; i < OBJECTS; i++) {
    const aws = i % 10 === 0;
    changes.push(
      aws
        ? {
            target: 'aws',
            subject: `bench-stack-${i % 3}/Queue${i}`,
            action: 'created',
            type: 'AWS::SQS::Queue',
          }
        : {
            target: 'kubernetes',
            subject: `ConfigMap/ns-${i % 20}/settings-${i}`,
            action: 'configured',
            type: 'v1',
            file: `k8s-resources/settings-${i}.yaml`,
            diff: `  apiVersion: v1\n  data:\n-   color: blue\n+   color: green-${i}\n  kind: ConfigMap\n`,
          },
    );
  }
  const at = '2026-01-01T00:00:00.000Z';
  return {
    id: 'bench-release-0001',
    env: 'env-0000',
    trigger: 'webhook',
    fromSha: 'a'.repeat(40),
    toSha: 'b'.repeat(40),
    author: 'Bench Author',
    message: 'A release of a thousand objects',
    committedAt: at,
    startedAt: at,
    finishedAt: '2026-01-01T00:00:09.000Z',
    outcome: 'succeeded',
    phases: [
      { name: 'fetch', startedAt: at, durationMs: 500 },
      { name: 'apply-kubernetes', startedAt: '2026-01-01T00:00:01.000Z', durationMs: 8000 },
    ],
    changes,
  };
}

/** The floor: the same rows as static HTML, no script. */
function staticPages(entry: AuditEntry): Promise<{ server: Server; url: string }> {
  const envRows = Array.from(
    { length: ENVIRONMENTS },
    (_, i) =>
      `<tr data-env="env-${i}"><th><a href="#">env-${i}</a></th><td>synced</td><td>-</td><td>-</td><td>-</td><td>-</td></tr>`,
  ).join('');
  const changeRows = entry.changes
    .map((c) => `<li data-subject="${c.subject}"><span>${c.action}</span> ${c.subject} ${c.type ?? ''}</li>`)
    .join('');
  const pages: Record<string, string> = {
    '/envs': `<!doctype html><html><head><link rel="stylesheet" href="/app.css"></head><body><table><tbody>${envRows}</tbody></table></body></html>`,
    '/entry': `<!doctype html><html><body><ul>${changeRows}</ul></body></html>`,
  };
  const server = createHttpServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' }).end(pages[req.url ?? ''] ?? '');
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({
        server,
        url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
      });
    }),
  );
}

/** Waits until the page holds exactly `n` elements matching `selector` (evaluated in the page). */
async function count(page: Page, selector: string, n: number): Promise<void> {
  // A function, not a string: a string would be eval()ed in the page, which its CSP forbids.
  type Doc = { querySelectorAll(s: string): { length: number } };
  await page.waitForFunction(
    (a) => (globalThis as unknown as { document: Doc }).document.querySelectorAll(a.selector).length === a.n,
    { selector, n },
  );
}

async function timed(run: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<WebUiFigures> {
  const assets = mkdtempSync(join(tmpdir(), 'cairn-ui-bench-'));
  await buildUi(assets);
  const entry = release();
  const names = Object.fromEntries(
    Array.from({ length: ENVIRONMENTS }, (_, i) => [`env-${String(i).padStart(4, '0')}`, 'main']),
  );
  const server = await createServer({
    controller: new FakeController(names, new ArrayAuditReader([entry])),
    metrics: new Metrics(),
    log: silentLog(),
    live: new LiveEvents(),
    uiAssetsDir: assets,
    config: { port: 0, host: '127.0.0.1', maxBodyBytes: 1 << 20, apiTokenEnv: 'BENCH_TOKEN' },
    env: { BENCH_TOKEN: TOKEN },
  });
  const floor = await staticPages(entry);
  const browser = await launchChromium();
  try {
    const page: Page = await browser.newPage();
    // The token as the sign-in form would have kept it (an init script is not subject to the page's CSP).
    await page.addInitScript({ content: `sessionStorage.setItem('cairn.token', ${JSON.stringify(TOKEN)})` });
    const envTimes: number[] = [];
    const entryTimes: number[] = [];
    const envFloor: number[] = [];
    const entryFloor: number[] = [];
    for (let run = 0; run < RUNS + 1; run++) {
      const envMs = await timed(async () => {
        await page.goto(`${server.url}/`);
        await count(page, 'tr[data-env]', ENVIRONMENTS);
        // Interactive: a filter keystroke is answered.
        await page.locator('input[type=search]').fill('env-0999');
        await count(page, 'tr[data-env]', 1);
      });
      const entryMs = await timed(async () => {
        await page.goto(`${server.url}/#/entry/${entry.id}`);
        await count(page, 'li[data-subject]', OBJECTS);
        await page.locator('li[data-subject] summary').first().click();
        await page.locator('pre.diff').first().waitFor();
      });
      const envFloorMs = await timed(async () => {
        await page.goto(`${floor.url}/envs`);
        await count(page, 'tr[data-env]', ENVIRONMENTS);
      });
      const entryFloorMs = await timed(async () => {
        await page.goto(`${floor.url}/entry`);
        await count(page, 'li[data-subject]', OBJECTS);
      });
      if (run === 0) continue; // the first run warms the browser's caches and JIT
      envTimes.push(envMs);
      entryTimes.push(entryMs);
      envFloor.push(envFloorMs);
      entryFloor.push(entryFloorMs);
    }
    const figure = (times: number[], floorTimes: number[]) => ({
      p50Ms: Math.round(median(times)),
      maxMs: Math.round(Math.max(...times)),
      floorMs: Math.round(median(floorTimes)),
      ratio: Number((median(times) / median(floorTimes)).toFixed(2)),
    });
    return { environmentsPage: figure(envTimes, envFloor), entryPage: figure(entryTimes, entryFloor) };
  } finally {
    await browser.close();
    await server.close();
    floor.server.close();
    rmSync(assets, { recursive: true, force: true });
  }
}

main().then(
  (f) => {
    if (process.argv.includes('--json')) {
      console.log(JSON.stringify(f));
      return;
    }
    console.log(`web UI in headless Chromium, median of ${RUNS} (budget 1000 ms each)`);
    console.log(
      `environments page, ${ENVIRONMENTS} environments: ${f.environmentsPage.p50Ms} ms (max ${f.environmentsPage.maxMs}); static HTML floor ${f.environmentsPage.floorMs} ms; ratio ${f.environmentsPage.ratio}`,
    );
    console.log(
      `entry page, ${OBJECTS} objects: ${f.entryPage.p50Ms} ms (max ${f.entryPage.maxMs}); static HTML floor ${f.entryPage.floorMs} ms; ratio ${f.entryPage.ratio}`,
    );
    if (f.environmentsPage.maxMs > 1000 || f.entryPage.maxMs > 1000) process.exitCode = 1;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
