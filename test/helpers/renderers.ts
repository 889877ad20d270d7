import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
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
