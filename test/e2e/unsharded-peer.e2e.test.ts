import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { publicRepository } from '../../controller/kube/identity';
import { silentLog } from '../../controller/log';
import { createKubeLeaseApi } from '../../controller/shard/kube-lease-api';
import { shardGroup } from '../../controller/shard/names';
import { unshardedLeaseName } from '../../controller/shard/unsharded-guard';
import { runCli, startCli, watchChild, type WatchedChild } from '../helpers/cli';
import { createTestRepo, type TestRepo } from '../helpers/git-repo';
import { greetingManifest } from '../helpers/manifests';
import { freePort } from '../helpers/net';
import { sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(180_000);

interface Started extends WatchedChild {
  readonly api: string;
}

/**
 * Issue 24: two `cairn run` processes of one repository without sharding, on the sandbox's
 * kube-apiserver. Each process has its own audit folder (so the JSONL lock is not what stops the
 * second) and its own POD_NAME (so they count as two pods, and a dead one's heartbeat must expire).
 */
describe('a second unsharded replica', () => {
  const sandbox = sandboxEnv();
  const dir = mkdtempSync(join(tmpdir(), 'cairn-unsharded-'));
  const namespace = `unsharded-${randomBytes(3).toString('hex')}`;
  let repo: TestRepo;
  const started: ChildProcess[] = [];

  beforeAll(() => {
    repo = createTestRepo('unsharded', {
      dev: { 'k8s-resources/greeting.yaml': greetingManifest(namespace, 'v1') },
    });
  });

  afterAll(() => {
    for (const child of started) child.kill('SIGKILL');
    repo?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A config of `pod`'s own (audit folder, workspaces, port). */
  function configOf(pod: string, port: number): string {
    const config = join(dir, `${pod}.yaml`);
    writeFileSync(
      config,
      stringify({
        repository: { url: repo.bare, pollInterval: '10m', watch: false },
        environments: [
          {
            name: 'dev',
            driftInterval: '0s',
            kubernetes: { kubeconfig: sandbox.kubernetes.kubeconfig, namespace },
          },
        ],
        audit: { dir: join(dir, `${pod}-audit`), unkeyed: true },
        server: { port },
        // Not enabled: only where the heartbeat lives, and short timings so that the test waits less.
        sharding: {
          enabled: false,
          namespace: 'default',
          kubeconfig: sandbox.kubernetes.kubeconfig,
          leaseDuration: '30s',
          renewInterval: '10s',
        },
        workspaces: { dir: join(dir, `${pod}-workspaces`) },
      }),
    );
    return config;
  }

  async function start(pod: string): Promise<Started> {
    const port = await freePort();
    const config = configOf(pod, port);
    const child = startCli(['run', '--config', config], { POD_NAME: pod });
    started.push(child);
    return { ...watchChild(child), api: `http://127.0.0.1:${port}` };
  }

  async function healthy(r: Started): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (r.child.exitCode !== null) throw new Error(`cairn run exited ${r.child.exitCode}:\n${r.output()}`);
      const ok = await fetch(`${r.api}/healthz`).then(
        (a) => a.ok,
        () => false,
      );
      if (ok) return;
      if (Date.now() > deadline) throw new Error(`no /healthz within 60 s:\n${r.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  async function refused(r: Started): Promise<string> {
    const code = await Promise.race([
      r.exited,
      new Promise<'running'>((resolve) => setTimeout(() => resolve('running'), 60_000).unref()),
    ]);
    expect(code).toBe(1);
    return r.output();
  }

  /** SIGTERM once `r` is ready (the stop signal's handler is installed after the first fetch); its exit code. */
  async function stopped(r: Started): Promise<number | null> {
    const deadline = Date.now() + 60_000;
    while (
      !(await fetch(`${r.api}/readyz`).then(
        (a) => a.ok,
        () => false,
      )) &&
      Date.now() < deadline
    )
      await new Promise((resolve) => setTimeout(resolve, 200));
    await new Promise((resolve) => setTimeout(resolve, 500));
    r.child.kill('SIGTERM');
    return r.exited;
  }

  it('refuses to start while the first runs, naming it, and starts once the killed first one has expired', async () => {
    const leases = createKubeLeaseApi(
      { kubeconfig: sandbox.kubernetes.kubeconfig, namespace: 'default' },
      shardGroup(publicRepository(repo.bare)),
      silentLog(),
    );
    const name = unshardedLeaseName(shardGroup(publicRepository(repo.bare)));
    try {
      // Given a first replica running
      const first = await start('replica-a');
      await healthy(first);
      const held = await leases.get(name);
      expect(held?.spec.holderIdentity).toMatch(/^replica-a_/);

      // When a second one starts: it exits 1 naming the first (identity, pod, since)
      const secondOut = await refused(await start('replica-b'));
      expect(secondOut).toContain('another cairn replica runs for this repository');
      expect(secondOut).toContain(`${held!.spec.holderIdentity} on replica-a`);
      expect(secondOut).toContain(`since ${held!.spec.acquireTime}`);
      expect((await leases.get(name))?.spec.holderIdentity).toBe(held!.spec.holderIdentity);

      // When the first is killed outright, its heartbeat still counts until it expires
      first.child.kill('SIGKILL');
      await first.exited;
      const killedAt = Date.now();
      expect(await refused(await start('replica-c'))).toContain('on replica-a');

      // Then, once it has expired (30 s), a new replica starts and holds the heartbeat
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, killedAt + 30_500 - Date.now())));
      const fourth = await start('replica-d');
      await healthy(fourth);
      expect((await leases.get(name))?.spec.holderIdentity).toMatch(/^replica-d_/);

      // And a SIGTERM deletes it, so a successor does not wait
      expect(await stopped(fourth)).toBe(0);
      expect(await leases.get(name)).toBeNull();
    } finally {
      leases.close();
    }
  });

  it('refuses a one-shot cairn sync beside a running replica, naming it, and lets it run once the replica stops', async () => {
    const group = shardGroup(publicRepository(repo.bare));
    const leases = createKubeLeaseApi(
      { kubeconfig: sandbox.kubernetes.kubeconfig, namespace: 'default' },
      group,
      silentLog(),
    );
    const name = unshardedLeaseName(group);
    try {
      // Given a replica running (its own audit folder: the JSONL lock is not what stops the sync)
      const replica = await start('replica-e');
      await healthy(replica);
      const held = await leases.get(name);
      expect(held?.spec.holderIdentity).toMatch(/^replica-e_/);
      const syncConfig = configOf('laptop', await freePort());
      const sync = () =>
        runCli(['sync', '--config', syncConfig, '--env', 'dev', '--json'], { POD_NAME: 'laptop' });

      // When a one-shot sync of the same repository runs: it exits 1 naming the replica, and records nothing
      const refused = await sync();
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('another cairn process runs for this repository');
      expect(refused.stderr).toContain(`${held!.spec.holderIdentity} on replica-e`);
      expect(refused.stderr).toContain('so this sync does not run');
      expect(refused.stdout).toBe('');
      const listed = await runCli(['audit', 'list', '--config', syncConfig, '--json']);
      expect(JSON.parse(listed.stdout)).toEqual([]);
      expect((await leases.get(name))?.spec.holderIdentity).toBe(held!.spec.holderIdentity);

      // Then, the replica stopped (its heartbeat deleted), the same sync applies, and gives the heartbeat back
      expect(await stopped(replica)).toBe(0);
      const ran = await sync();
      expect(ran.code).toBe(0);
      expect((JSON.parse(ran.stdout) as { outcome: string }).outcome).toBe('succeeded');
      expect(await leases.get(name)).toBeNull();
    } finally {
      leases.close();
    }
  });
});
