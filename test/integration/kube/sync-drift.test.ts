import { localPlatform, type LocalPlatform } from '../../helpers/local-platform';
import { nameOf } from '../../helpers/changes';
import { DRIFT_REPAIRED } from '../../../controller/model';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { AuditEntry } from '../../../controller/audit/types';
import { runCli } from '../../helpers/cli';
import { kubeKit } from './kube-kit';

/**
 * `cairn sync` as a user runs it: a real git repository, a config file, the CLI as a child process,
 * the sandbox's kube-apiserver. Two such repositories share one environment name and one namespace.
 */
jest.setTimeout(180_000);
const kit = kubeKit('sync');
const root = mkdtempSync(join(tmpdir(), 'cairn-sync-drift-'));
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await kit.cleanup();
});

type Platform = LocalPlatform;

// adoptUnowned: the Secret test takes over a Secret kubectl made
const platform = (name: string, namespace: string): Platform =>
  localPlatform(join(root, name), { namespace, adoptUnowned: true });

async function sync(p: Platform): Promise<{ entry: AuditEntry; stderr: string }> {
  const result = await p.sync();
  if (result.code !== 0) throw new Error(`cairn sync exited ${String(result.code)}: ${result.stderr}`);
  return result;
}

const cm = (name: string, data: Record<string, string>) =>
  stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data });
const objectsOf = (entry: AuditEntry) =>
  entry.changes
    .filter((c) => c.target === 'kubernetes')
    .map((c) => `${nameOf(c)}:${c.action}${c.reason === DRIFT_REPAIRED ? ' (drift repaired)' : ''}`)
    .sort();

describe('cairn sync against the sandbox', () => {
  const ns = kit.name('sync');
  const a = platform('a', ns);
  const b = platform('b', ns);
  const path = (name: string) => `/api/v1/namespaces/${ns}/configmaps/${name}`;
  kit.track(`/api/v1/namespaces/${ns}`);

  it('repairs a hand edit on an unchanged commit, and on the next commit whatever it touches', async () => {
    // given repository A's dev synced once
    a.commit('first', {
      'k8s-resources/ns.yaml': stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
      'k8s-resources/settings.yaml': cm('settings', { mode: 'safe' }),
      'k8s-resources/other.yaml': cm('other', { k: 'v' }),
    });
    await sync(a);

    // when settings is edited by hand and sync runs on the same commit
    await kit.edit(path('settings'), { data: { mode: 'hacked' } });
    const same = await sync(a);
    const repairedOnSync = (await kit.get(path('settings')))?.data;

    // and edited again, then a commit that touches only another file is synced
    await kit.edit(path('settings'), { data: { mode: 'hacked-again' } });
    a.commit('touch other', { 'k8s-resources/other.yaml': cm('other', { k: 'w' }) });
    const next = await sync(a);

    // then both syncs repaired it and said so
    expect(repairedOnSync).toEqual({ mode: 'safe' });
    expect(objectsOf(same.entry)).toEqual(
      [`${ns}:unchanged`, 'other:unchanged', 'settings:configured (drift repaired)'].sort(),
    );
    expect(objectsOf(next.entry)).toEqual(
      [`${ns}:unchanged`, 'other:configured', 'settings:configured (drift repaired)'].sort(),
    );
    expect((await kit.get(path('settings')))?.data).toEqual({ mode: 'safe' });

    // and a sync with nothing changed anywhere reads no manifest
    const quiet = await sync(a);
    expect(quiet.entry.outcome).toBe('no-op');
    expect(quiet.entry.skipped?.kubernetes).toBe('unchanged since last apply');
  });

  it("lets a second repository's dev sync into the same namespace without touching A's objects", async () => {
    // given B's dev, same environment name, same namespace, its own objects
    b.commit('first', { 'k8s-resources/b.yaml': cm('b-settings', { team: 'b' }) });

    // when B syncs twice, the second time after removing nothing
    const first = await sync(b);
    const second = await sync(b);

    // then B created only its object, and A's objects are as A left them
    expect(objectsOf(first.entry)).toEqual(['b-settings:created']);
    expect(first.entry.outcome).toBe('succeeded');
    expect(second.entry.outcome).toBe('no-op');
    expect((await kit.get(path('settings')))?.data).toEqual({ mode: 'safe' });
    expect((await kit.get(path('other')))?.data).toEqual({ k: 'w' });
  });

  it("refuses A's object in B's commit, naming A, and leaves it alone", async () => {
    // when B commits an object of the same name as one of A's
    b.commit('collide', { 'k8s-resources/settings.yaml': cm('settings', { mode: 'b' }) });
    const result = await runCli(['sync', '--config', b.config, '--env', 'dev', '--json']);

    // then the sync fails naming A's environment and repository; A's object is untouched
    expect(result.code).toBe(1);
    const entry = JSON.parse(result.stdout) as AuditEntry;
    expect(entry.failure?.message).toMatch(/owned by environment dev of .*\/a\/repo/);
    expect((await kit.get(path('settings')))?.data).toEqual({ mode: 'safe' });
    b.commit('back off', { 'k8s-resources/settings.yaml': null });
  });

  it("keeps a Secret's value out of the audit entry and the logs", async () => {
    // given a live Secret that kubectl applied client-side (its value repeated in an annotation)
    const value = Buffer.from('hunter2-audit').toString('base64');
    const res = await kit.createLikeKubectl(`/api/v1/namespaces/${ns}/secrets`, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'creds', namespace: ns },
      data: { pw: value },
    });
    expect(res.status).toBe(201);

    // when A's dev takes it over with a new value, planned and synced
    a.commit('secret', {
      'k8s-resources/creds.yaml': stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 'creds' },
        stringData: { pw: 'hunter2-git' },
      }),
    });
    const plan = await runCli(['plan', '--config', a.config, '--env', 'dev', '--json']);
    const synced = await sync(a);

    // then no value is in the plan, the sync's logs, the entry or the audit files
    const audit = readdirSync(a.audit, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile())
      .map((f) => readFileSync(join(f.parentPath, f.name), 'utf8'))
      .join('');
    const text = plan.stdout + plan.stderr + synced.stderr + JSON.stringify(synced.entry) + audit;
    expect(plan.stdout).toContain('creds');
    expect(objectsOf(synced.entry)).toContain('creds:configured');
    expect(text).not.toContain(value);
    expect(text).not.toMatch(/hunter2/);
    expect(text).not.toContain(Buffer.from('hunter2-git').toString('base64'));
  });
});
