import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { createKubeClient } from '../../controller/kube/kube-client';
import { watchChild, type WatchedChild } from '../helpers/cli';
import { bulkRelease } from '../helpers/bulk-release';
import { configMapValues } from '../helpers/config-map-values';
import { createTestRepo, type TestRepo } from '../helpers/git-repo';
import { BUILT_CAIRN } from '../helpers/killable-run';
import { freePort } from '../helpers/net';
import { sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(300_000);

const ENV = 'dev';
const OBJECTS = 400;
const CONCURRENCY = 2;
const BIN = BUILT_CAIRN;

/** A release of OBJECTS ConfigMaps holding `value`. */
const release = (namespace: string, value: string): string => bulkRelease(namespace, value, OBJECTS);

/**
 * Without sharding, the heartbeat Lease is what keeps a repository to one writer. A `cairn sync`
 * holding it is frozen (SIGSTOP) mid-apply of commit A past the lease duration; a sync on another
 * pod (its own audit folder) takes the stale heartbeat and applies commit B whole. After SIGCONT the
 * frozen sync may finish at most the requests it had in flight (`kubernetes.concurrency`), and
 * fails with `shard.lost` instead of writing the rest of A over B.
 */
describe('an unsharded sync frozen mid-apply', () => {
  const sandbox = sandboxEnv();
  const dir = mkdtempSync(join(tmpdir(), 'cairn-unsharded-fence-'));
  const namespace = `ufence-${randomBytes(3).toString('hex')}`;
  const kube = createKubeClient({ kubeconfig: sandbox.kubernetes.kubeconfig, concurrency: 4 });
  const children: ChildProcess[] = [];
  let repo: TestRepo;

  const configOf = (pod: string, port?: number): string => {
    const file = join(dir, `${pod}.yaml`);
    writeFileSync(
      file,
      stringify({
        repository: { url: repo.bare, pollInterval: '10m', watch: false },
        environments: [
          {
            name: ENV,
            kubernetes: { kubeconfig: sandbox.kubernetes.kubeconfig, namespace, concurrency: CONCURRENCY },
          },
        ],
        audit: { dir: join(dir, `${pod}-audit`), unkeyed: true },
        ...(port ? { server: { port } } : {}),
        // Not enabled: where the heartbeat lives, with short timings so that the test waits less.
        sharding: {
          enabled: false,
          namespace: 'default',
          kubeconfig: sandbox.kubernetes.kubeconfig,
          leaseDuration: '6s',
          renewInterval: '2s',
        },
        workspaces: { dir: join(dir, `${pod}-workspaces`) },
      }),
    );
    return file;
  };

  /** `cairn ARGS --config <pod's config>` as another pod (POD_NAME), with its output kept. */
  const cairn = (pod: string, args: readonly string[], config: string): WatchedChild => {
    const child = spawn(process.execPath, [BIN, ...args, '--config', config], {
      env: { ...process.env, POD_NAME: pod },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    return watchChild(child);
  };
  const sync = (pod: string): WatchedChild => cairn(pod, ['sync', '--env', ENV], configOf(pod));
  const run = async (pod: string): Promise<WatchedChild> =>
    cairn(pod, ['run'], configOf(pod, await freePort()));

  const configMaps = () => configMapValues(kube, namespace);

  beforeAll(() => {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
    repo = createTestRepo('ufence', { [ENV]: { 'k8s-resources/cms.yaml': release(namespace, 'A') } });
  });

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await kube.request({ method: 'DELETE', path: `/api/v1/namespaces/${namespace}` }).catch(() => undefined);
    kube.close();
    repo?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const until = async (what: string, probe: () => Promise<boolean>, watched: WatchedChild): Promise<void> => {
    const deadline = Date.now() + 120_000;
    while (!(await probe())) {
      if (watched.child.exitCode !== null) throw new Error(`${what}: it exited:\n${watched.output()}`);
      if (Date.now() > deadline) throw new Error(`${what}: not within 120 s:\n${watched.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  /** How many of the release's ConfigMaps hold `value`. */
  const holding = async (value: string) =>
    [...(await configMaps())].filter(([name, [v]]) => name.startsWith('cm-') && v === value).length;

  /** Freezes `first` once it has written 20 objects of release `value`, and waits past the lease duration. */
  const freezeMidApply = async (first: WatchedChild, value: string): Promise<void> => {
    await until(`20 objects of ${value} written`, async () => (await holding(value)) >= 20, first);
    first.child.kill('SIGSTOP');
    expect(await holding(value)).toBeLessThan(OBJECTS);
    await new Promise((resolve) => setTimeout(resolve, 7_000));
  };

  /**
   * Thaws `first` once release `newer` is applied whole: it may finish what it had in flight
   * (`kubernetes.concurrency` requests, the stated bound), writes nothing more, and exits 1.
   */
  const thawAndCheck = async (first: WatchedChild, newer: string): Promise<void> => {
    expect(await holding(newer)).toBe(OBJECTS);
    const before = await configMaps();
    first.child.kill('SIGCONT');
    expect(await first.exited).toBe(1);
    const after = await configMaps();
    expect(OBJECTS - (await holding(newer))).toBeLessThanOrEqual(CONCURRENCY);
    // Nothing else was written: not the successor's inventory either.
    const rewritten = [...after].filter(
      ([name, [, rv]]) => !name.startsWith('cm-') && before.get(name)?.[1] !== rv,
    );
    expect(rewritten).toEqual([]);
  };

  it('a sync does not write commit A over commit B once another sync took the heartbeat', async () => {
    // given a sync of A frozen past the lease duration after its first objects were written
    const first = sync('pod-a');
    await freezeMidApply(first, 'A');

    // when commit B lands and a sync on another pod applies it
    repo.commit(ENV, 'release B', { 'k8s-resources/cms.yaml': release(namespace, 'B') });
    expect(await sync('pod-b').exited).toBe(0);

    // then the first, thawed, stops before its next write and says why
    await thawAndCheck(first, 'B');
    expect(first.output()).toContain('shard.lost');
  });

  it('a replica (cairn run) does not write commit C over the release D of the replica that took over', async () => {
    // given a replica frozen past the lease duration in its apply of C
    repo.commit(ENV, 'release C', { 'k8s-resources/cms.yaml': release(namespace, 'C') });
    const first = await run('pod-c');
    await freezeMidApply(first, 'C');

    // when commit D lands and a replica on another pod starts and applies it
    repo.commit(ENV, 'release D', { 'k8s-resources/cms.yaml': release(namespace, 'D') });
    const second = await run('pod-d');
    await until('D applied whole', async () => (await holding('D')) === OBJECTS, second);

    // then the first, thawed, writes at most what it had in flight, and stops
    await thawAndCheck(first, 'D');
    expect(first.output()).toContain('another unsharded replica took over');
    second.child.kill('SIGTERM');
    await second.exited;
  });
});
