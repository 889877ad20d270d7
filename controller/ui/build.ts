import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { packageRoot } from '../package-root';

/**
 * Bundles the web UI (Preact, TypeScript) into `<outDir>/app.js` and copies the page, style and
 * icon beside it: everything the server serves under `/` (see controller/server/ui-routes.ts).
 * One minified file, no source map, no chunk loaded later, nothing fetched at run time. Run by
 * `npm run build` and by the tests that open the UI.
 */
export async function buildUi(outDir: string = join(packageRoot(), 'dist', 'ui')): Promise<string> {
  const src = join(packageRoot(), 'controller', 'ui');
  mkdirSync(outDir, { recursive: true });
  await build({
    entryPoints: [join(src, 'app', 'main.tsx')],
    outfile: join(outDir, 'app.js'),
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2022'],
    platform: 'browser',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'none',
    logLevel: 'warning',
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  for (const file of ['index.html', 'app.css', 'icon.svg'])
    copyFileSync(join(src, 'static', file), join(outDir, file));
  return outDir;
}

if (require.main === module) {
  buildUi().then(
    (dir) => process.stdout.write(`web UI built in ${dir}\n`),
    (error: unknown) => {
      process.stderr.write(`web UI build failed: ${String(error)}\n`);
      process.exit(1);
    },
  );
}
