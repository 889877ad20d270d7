import { dirname, join } from 'node:path';

/**
 * The node_modules folder cairn's own dependencies are installed in (aws-cdk-lib, tsx), found from
 * where Node resolves aws-cdk-lib, so the same code works from source, from dist/ and installed.
 */
export function cairnNodeModules(): string {
  return dirname(dirname(require.resolve('aws-cdk-lib/package.json')));
}

/** cairn's own node_modules/.bin, so `tsx app.ts` or `ts-node` apps run without a download. */
export function cairnBinDir(): string {
  return join(cairnNodeModules(), '.bin');
}
