import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { repoRoot } from '../sandbox/sandbox-env';

/**
 * The kustomize binary `test/sandbox/build-kustomize.sh` builds from the Go module proxy, at the
 * version pinned in versions.env; throws saying how to build it when it is missing.
 */
export function kustomizeBinary(): string {
  const version = /^KUSTOMIZE_VERSION=(\S+)/m.exec(
    readFileSync(join(repoRoot, 'test', 'sandbox', 'versions.env'), 'utf8'),
  )?.[1];
  if (!version) throw new Error('test/sandbox/versions.env pins no KUSTOMIZE_VERSION');
  const cache = process.env.CAIRN_CACHE_DIR ?? join(homedir(), '.cache', 'cairn');
  const file = join(cache, 'bin', `kustomize-${version}`);
  if (!existsSync(file))
    throw new Error(
      `kustomize ${version} is not built (${file} is missing): run \`bash test/sandbox/build-kustomize.sh\``,
    );
  return file;
}

/**
 * A chart whose dependency comes from a chart repository instead of its `charts/` folder, and the
 * error that must name it: cairn refuses it before any renderer runs (no network for a render).
 */
export const UNVENDORED_CHART: [string, Record<string, string>, RegExp] = [
  'an unvendored chart dependency',
  {
    'k8s-resources/worker/Chart.yaml': stringify({
      apiVersion: 'v2',
      name: 'worker',
      version: '0.1.0',
      dependencies: [{ name: 'redis', version: '19.0.0', repository: 'https://charts.example.com' }],
    }),
  },
  /k8s-resources\/worker\/Chart\.yaml.*dependency redis from https:\/\/charts\.example\.com is not vendored/s,
];
