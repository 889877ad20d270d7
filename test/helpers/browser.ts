import { existsSync, readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Where Debian's chromium is (apt-get install chromium); CHROMIUM_PATH overrides. */
export function chromiumPath(): string {
  const path =
    process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
  if (!path || !existsSync(path))
    throw new Error('no chromium found: apt-get install -y chromium (or set CHROMIUM_PATH)');
  return path;
}

/** A real headless Chromium. As root it cannot use its own sandbox, which is what --no-sandbox says. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
}

/** What a page did that a safe page never does: dialogs opened, console errors, uncaught exceptions. */
export interface PageWatch {
  readonly dialogs: string[];
  readonly errors: string[];
}

/** Records (and dismisses) every dialog, console error and page error of `page`. */
export function watchPage(page: Page): PageWatch {
  const watch: PageWatch = { dialogs: [], errors: [] };
  page.on('dialog', (dialog) => {
    watch.dialogs.push(`${dialog.type()}: ${dialog.message()}`);
    void dialog.dismiss();
  });
  page.on('console', (message) => {
    if (message.type() === 'error') watch.errors.push(message.text());
  });
  page.on('pageerror', (error) => watch.errors.push(error.message));
  return watch;
}

const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** One axe-core rule a page broke, with the elements that broke it. */
export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly targets: string[];
}

/**
 * Runs axe-core (WCAG 2 A and AA rules) on the page as it is and returns the violations. axe is
 * evaluated through the DevTools protocol, which the page's CSP does not govern; the page itself
 * still runs under its strict CSP.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  // A string is evaluated as an expression by the protocol itself: no eval() in the page, so the
  // page's CSP (no 'unsafe-eval') stays as strict as it is for the product.
  await page.evaluate(`${AXE}\n;0`);
  return page.evaluate(async () => {
    type Result = {
      violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
    };
    // The test runs in Node (no DOM types); these are the page's globals.
    const g = globalThis as unknown as {
      axe: { run(c: unknown, o: unknown): Promise<Result> };
      document: unknown;
    };
    const result = await g.axe.run(g.document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
}
