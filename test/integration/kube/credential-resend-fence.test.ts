import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { createKubeApplier } from '../../../controller/kube/create-kube-applier';
import { createKubeClient } from '../../../controller/kube/kube-client';
import { silentLog } from '../../../controller/log';
import { writeExecKubeconfig } from '../../helpers/exec-kubeconfig';
import { startKillProxy, type KillProxy } from '../../helpers/kill-proxy';
import { heldLease } from '../../helpers/lost-lease';
import { kubeKit } from './kube-kit';

jest.setTimeout(60_000);

/**
 * An exec credential plugin (as `aws eks get-token` is one): its first run answers a token at once;
 * every later run (the one after a 401) says so in `refetching`, then waits for `go` before it
 * answers: a plugin run that takes a while, or a replica paused while it ran.
 */
const PLUGIN = `#!/bin/sh
dir=$1
echo run >> "$dir/runs"
n=$(wc -l < "$dir/runs")
if [ "$n" -gt 1 ]; then
  touch "$dir/refetching"
  while [ ! -f "$dir/go" ]; do sleep 0.05; done
fi
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"token-%s"}}\\n' "$n"
`;

const kit = kubeKit('credfence');
const root = mkdtempSync(join(tmpdir(), 'cairn-credential-fence-'));
let proxy: KillProxy;

beforeAll(async () => {
  // The proxy holds the sandbox admin's certificate: the plugin's tokens only make the client's
  // credentials rotating ones, which it fetches anew and resends with after a 401.
  proxy = await startKillProxy(join(root, 'proxy.kubeconfig'));
  writeFileSync(join(root, 'plugin.sh'), PLUGIN);
  chmodSync(join(root, 'plugin.sh'), 0o755);
});
afterAll(async () => {
  await proxy?.close();
  rmSync(root, { recursive: true, force: true });
  await kit.cleanup();
});

/** A kubeconfig of the proxy's cluster whose user is the plugin. */
function pluginKubeconfig(): string {
  const proxied = parse(readFileSync(proxy.kubeconfig, 'utf8')) as {
    clusters: { cluster: Record<string, unknown> }[];
  };
  // The library refuses a plain-HTTP server unless told to skip TLS checks (there is no TLS).
  const cluster = { ...proxied.clusters[0]!.cluster, 'insecure-skip-tls-verify': true };
  return writeExecKubeconfig(join(root, 'plugin.kubeconfig'), cluster, join(root, 'plugin.sh'), [root]);
}

/** A fresh start of the plugin: its next run is a first one again. */
function resetPlugin(): void {
  for (const file of ['runs', 'refetching', 'go']) rmSync(join(root, file), { force: true });
}

/** A fresh applier of environment `env` whose client's user is the plugin (its first run again). */
function pluginApplier(env: string) {
  resetPlugin();
  const client = createKubeClient({ kubeconfig: pluginKubeconfig(), concurrency: 4 });
  const namespace = kit.name('ns');
  const applier = createKubeApplier(
    { env, repository: 'https://git.example.com/platform/credfence.git' },
    kit.target(namespace),
    silentLog(),
    { client },
  );
  return { client, namespace, applier, env };
}

/** A tree of `namespace` and one ConfigMap, `settings`, holding `a: value`. */
function settingsTree(namespace: string, value: string) {
  return kit.workspace({
    'ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${namespace}}`,
    'cm.yaml': `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\ndata: {a: "${value}"}`,
  });
}

async function close(applier: { close(): Promise<void> }, client: { close(): void }): Promise<void> {
  await applier.close();
  client.close();
}

/** Loses `lease` while the plugin runs anew after the 401, then lets the plugin answer. */
async function loseWhileRefetching(lease: { lose(): void }): Promise<void> {
  await until('the plugin to run again after the 401', () => existsSync(join(root, 'refetching')));
  lease.lose();
  writeFileSync(join(root, 'go'), '');
}

async function until(what: string, check: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The write fence holds for every attempt of a Kubernetes write, not only the first: after a 401,
 * the client runs the credential plugin again and resends (as client-go's callers do), and the
 * Lease can be lost while that plugin runs. Found in review: the resend went out unfenced, so a
 * replica that lost its Lease meanwhile applied its stale object over its successor's release.
 */
describe('the Kubernetes write fence on the resend after a 401', () => {
  it('does not resend an apply once the Lease was lost while the credentials were fetched anew', async () => {
    // given a ConfigMap the environment applied through a client whose user is an exec plugin
    const { client, namespace, applier, env } = pluginApplier('credfence');
    const tree = (value: string) => settingsTree(namespace, value);
    expect((await applier.apply(await applier.load(await tree('1')))).failure).toBeUndefined();
    const path = `/api/v1/namespaces/${namespace}/configmaps/settings`;

    // when the next commit's apply of it is answered 401 (its token revoked), and the Lease is lost
    // while the plugin runs again for new credentials
    proxy.refuse((method, p, url) => method === 'PATCH' && p === path && !url.includes('dryRun'), 1, 401);
    const lease = heldLease(env);
    const manifests = await applier.load(await tree('2'));
    const applied = applier.apply(manifests, { fence: lease.fence });
    await loseWhileRefetching(lease);
    const result = await applied;
    proxy.disarm();

    // then the resend did not go out: the ConfigMap still holds the value of the release before
    expect((await kit.get(path))?.data).toEqual({ a: '1' });
    expect(result.failure?.code).toBe('shard.lost');
    await close(applier, client);
  });

  it('does not resend a prune delete once the Lease was lost while the credentials were fetched anew', async () => {
    // given two ConfigMaps the environment applied, one of which the next commit drops
    const { client, namespace, applier, env } = pluginApplier('credfence-prune');
    const files = {
      'ns.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${namespace}}`,
      'keep.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: keep}\ndata: {a: "1"}',
    };
    const dropped = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: dropped}\ndata: {a: "1"}';
    const first = await applier.load(await kit.workspace({ ...files, 'dropped.yaml': dropped }));
    expect((await applier.apply(first)).failure).toBeUndefined();
    const path = `/api/v1/namespaces/${namespace}/configmaps/dropped`;

    // when its prune is answered 401, and the Lease is lost while the plugin runs again
    proxy.refuse((method, p) => method === 'DELETE' && p === path, 1, 401);
    const lease = heldLease(env);
    const pruning = applier.apply(await applier.load(await kit.workspace(files)), { fence: lease.fence });
    await loseWhileRefetching(lease);
    const result = await pruning;
    proxy.disarm();

    // then the delete was not sent again: the ConfigMap stays, and the apply stops with shard.lost
    expect(await kit.get(path)).toBeDefined();
    expect(result.failure?.code).toBe('shard.lost');
    await close(applier, client);
  });
  it('does not resend the inventory write once the Lease was lost while the credentials were fetched anew', async () => {
    // given a tree the environment applied, and the inventory that records it
    const { client, namespace, applier, env } = pluginApplier('credfence-inventory');
    const tree = (value: string) => settingsTree(namespace, value);
    expect((await applier.apply(await applier.load(await tree('1')))).failure).toBeUndefined();
    const inventory = async () => {
      const list = (await kit.get(`/api/v1/namespaces/${namespace}/configmaps`)) as unknown as {
        items: { metadata: { name: string; resourceVersion: string } }[];
      };
      return list.items.find((c) => c.metadata.name.startsWith('cairn-inventory-'))!.metadata;
    };
    const before = await inventory();

    // when the next commit's inventory write (the last write of its apply) is answered 401, and the
    // Lease is lost while the plugin runs again for new credentials
    proxy.refuse((method, p) => method === 'PATCH' && p.endsWith(`/configmaps/${before.name}`), 1, 401);
    const lease = heldLease(env);
    const applying = applier.apply(await applier.load(await tree('2')), { fence: lease.fence });
    await loseWhileRefetching(lease);
    const result = await applying;
    proxy.disarm();

    // then the write was not sent again: the inventory is as the release before left it
    expect((await inventory()).resourceVersion).toBe(before.resourceVersion);
    expect(result.failure?.code).toBe('shard.lost');
    await close(applier, client);
  });
});
