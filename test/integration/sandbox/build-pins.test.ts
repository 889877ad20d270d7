import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../sandbox/sandbox-env';

/**
 * build-binaries.sh builds etcd, the Kubernetes binaries, kwok, helm and kustomize in one module
 * graph, and names each binary after its pin in versions.env. Two ways the pins can disagree, each
 * of which would build something other than what the names say: a pin that MVS raises (another
 * pin requires a newer release of it), and a pin whose k8s.io modules are newer than the Kubernetes
 * release's (the staging replace would lower them under it). The script runs for real, with real
 * Go and the module proxy, from a copy whose versions.env has one pin changed; it must stop after
 * resolving the graph, before compiling anything, naming the module, both versions and the file.
 */
const sandboxDir = join(repoRoot, 'test', 'sandbox');

describe('build-binaries.sh pins that disagree', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-build-pins-'));
    copyFileSync(join(sandboxDir, 'build-binaries.sh'), join(dir, 'build-binaries.sh'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Runs the copy with versions.env's `name` set to `value`, building the demo set into an empty cache. */
  const runWithPin = (name: string, value: string) => {
    const pins = readFileSync(join(sandboxDir, 'versions.env'), 'utf8');
    expect(pins).toMatch(new RegExp(`^${name}=`, 'm'));
    writeFileSync(
      join(dir, 'versions.env'),
      pins.replace(new RegExp(`^${name}=.*$`, 'm'), `${name}=${value}`),
    );
    const result = spawnSync('bash', [join(dir, 'build-binaries.sh'), 'demo'], {
      env: { ...process.env, CAIRN_CACHE_DIR: join(dir, 'cache') },
      encoding: 'utf8',
      timeout: 300_000,
    });
    return { code: result.status, err: result.stderr, log: readLog() };
  };
  const readLog = () => {
    try {
      return readFileSync(join(dir, 'cache', 'build', 'binaries.log'), 'utf8');
    } catch {
      return '';
    }
  };

  it('stops when another pin raises etcd above its own (Kubernetes v1.37 requires etcd v3.7)', () => {
    // Given an etcd pin older than the etcd server the pinned Kubernetes release requires
    // When the demo set is built
    const { code, err, log } = runWithPin('ETCD_VERSION', 'v3.6.16');
    // Then it exits 4 before compiling, naming the module, the pin, what MVS selected, and the file
    expect(code).toBe(4);
    expect(log).toMatch(
      /go\.etcd\.io\/etcd\/server\/v3: test\/sandbox\/versions\.env pins v3\.6\.16 but the module graph selects v3\.7\.\d+/,
    );
    expect(log).not.toContain('in one go build');
    expect(err).toContain('failed');
  }, 300_000);

  it("stops when helm's k8s.io modules are newer than the Kubernetes release's", () => {
    // Given a Kubernetes pin older than the k8s.io modules helm's pin requires (v0.37)
    // When the demo set is built
    const { code, log } = runWithPin('KUBERNETES_VERSION', 'v1.36.3');
    // Then it exits 4, listing helm as requiring a k8s.io module newer than v0.36.3
    expect(code).toBe(4);
    expect(log).toContain("require a Kubernetes module newer than v1.36.3's v0.36.3");
    expect(log).toMatch(/helm\.sh\/helm\/v3@v3\.22\.0 requires k8s\.io\/client-go v0\.37\.\d+/);
    expect(log).not.toContain('in one go build');
  }, 300_000);
});
