import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * test/sandbox/build-binaries.sh decides what a start builds: a cache that holds every binary of a
 * set needs no Go at all (a second start reuses everything), and the demo's set holds no Gitea. The
 * script runs for real against a temporary cache; PATH lacks Go, so any build it would start ends in
 * its "Go is missing" exit (3) instead of minutes of compiling.
 */
const root = join(__dirname, '..', '..', '..');
const script = join(root, 'test', 'sandbox', 'build-binaries.sh');
const pins = Object.fromEntries(
  readFileSync(join(root, 'test', 'sandbox', 'versions.env'), 'utf8')
    .split('\n')
    .map((line) => /^([A-Z0-9_]+)=(\S+)/.exec(line))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [m[1], m[2]]),
) as Record<string, string>;

/** The files each target leaves in the cache (what the script's `built` checks). */
const files: Record<string, string[]> = {
  etcd: [`bin/etcd-${pins.ETCD_VERSION}`],
  kubernetes: ['kube-apiserver', 'kube-controller-manager', 'kube-scheduler'].map(
    (n) => `bin/${n}-${pins.KUBERNETES_VERSION}`,
  ),
  kwok: [`bin/kwok-${pins.KWOK_VERSION}`, `kwok-stages-${pins.KWOK_VERSION}/pod-ready.yaml`],
  helm: [`bin/helm-${pins.HELM_VERSION}`],
  kustomize: [`bin/kustomize-${pins.KUSTOMIZE_VERSION}`],
  gitea: [`bin/gitea-${pins.GITEA_VERSION}`, `gitea-${pins.GITEA_VERSION}-static/options/.keep`],
};

describe('build-binaries.sh target sets', () => {
  let cache: string;
  beforeEach(() => {
    cache = mkdtempSync(join(tmpdir(), 'cairn-build-sets-'));
  });
  afterEach(() => rmSync(cache, { recursive: true, force: true }));

  const fill = (targets: string[]) => {
    for (const file of targets.flatMap((t) => files[t]!)) {
      mkdirSync(join(cache, file, '..'), { recursive: true });
      writeFileSync(join(cache, file), '#!/bin/sh\n');
      chmodSync(join(cache, file), 0o755);
    }
  };
  const run = (...args: string[]) => {
    const result = spawnSync('bash', [script, ...args], {
      env: { HOME: cache, PATH: '/usr/bin:/bin', CAIRN_CACHE_DIR: cache },
      encoding: 'utf8',
      timeout: 30_000,
    });
    return { code: result.status, err: result.stderr };
  };

  it('builds nothing (and needs no Go) when the demo set is cached; Gitea is not in it', () => {
    fill(['etcd', 'kubernetes', 'kwok', 'helm', 'kustomize']);
    expect(run('demo')).toEqual({ code: 0, err: '' });
    // The full set does want Gitea: without Go it stops, naming what to install.
    const all = run('all');
    expect(all.code).toBe(3);
    expect(all.err).toContain('Go is missing');
  });

  it.each(['etcd', 'kubernetes', 'kwok', 'helm', 'kustomize'])('the demo set wants %s', (target) => {
    fill(['etcd', 'kubernetes', 'kwok', 'helm', 'kustomize', 'gitea'].filter((t) => t !== target));
    const demo = run('demo');
    expect(demo.code).toBe(3);
    expect(demo.err).toContain('Go is missing');
  });
});
