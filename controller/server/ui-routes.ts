import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { packageRoot } from '../package-root';
import { answer } from './reply';

/**
 * The web UI's Content-Security-Policy: scripts, styles and connections from this origin only,
 * no inline script or style element, no plugin, no frame around it, no form posting elsewhere.
 * Whatever a commit message or object name holds, the browser runs no script it carries.
 */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The files the UI build writes (see controller/ui/build.ts) and their content types. */
const ASSETS: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
  'icon.svg': 'image/svg+xml',
};

/** Where the built UI lives in the package (`npm run build` writes it). */
export function uiAssetsDir(): string {
  return join(packageRoot(), 'dist', 'ui');
}

function securityHeaders(reply: FastifyReply, type: string): FastifyReply {
  return reply
    .header('content-type', type)
    .header('content-security-policy', UI_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('cross-origin-opener-policy', 'same-origin')
    .header('cache-control', 'no-cache');
}

/**
 * Serves the built web UI: `/` is the page, `/ui/<file>` its script, style and icon, read once
 * at start-up from `dir` (nothing is fetched from anywhere at run time). The pages hold no data:
 * they read the API with the token the user gives, so they are served without one. When the UI
 * was not built, `/` says how to build it.
 */
export function registerUiRoutes(app: FastifyInstance, dir: string = uiAssetsDir()): void {
  const files = new Map<string, Buffer>();
  for (const name of Object.keys(ASSETS)) {
    const path = join(dir, name);
    if (existsSync(path)) files.set(name, readFileSync(path));
  }
  const send = (reply: FastifyReply, name: string) => {
    const body = files.get(name);
    // Not the folder: where cairn is installed is not for whoever reaches the port.
    if (!body)
      return answer(reply, 503, `the web UI is not built (${name} is missing); run \`npm run build\``);
    return securityHeaders(reply, ASSETS[name]!).send(body);
  };
  app.get('/', async (_req, reply) => send(reply, 'index.html'));
  app.get<{ Params: { file: string } }>('/ui/:file', async (req, reply) =>
    Object.hasOwn(ASSETS, req.params.file) && req.params.file !== 'index.html'
      ? send(reply, req.params.file)
      : answer(reply, 404, `no UI file ${req.params.file}`),
  );
}
