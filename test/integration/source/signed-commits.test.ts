import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import type { AuditEntry } from '../../../controller/audit/types';
import { runCli } from '../../helpers/cli';
import { auditKeyFile } from '../../helpers/e2e-platform';
import { sandboxEnv } from '../../sandbox/sandbox-env';
import { kubeKit } from '../kube/kube-kit';

/**
 * `repository.verify` as a user meets it: real repositories whose commits are signed by real
 * `git commit -S` (SSH keys from ssh-keygen, OpenPGP keys from gpg), `cairn sync` as a child
 * process on both Git backends, the sandbox's kube-apiserver. A refused head must leave the
 * cluster untouched and its refusal in the ledger.
 */
jest.setTimeout(240_000);
const kit = kubeKit('signed');
const root = mkdtempSync(join(tmpdir(), 'cairn-signed-'));
afterAll(async () => {
  rmSync(root, { recursive: true, force: true });
  await kit.cleanup();
});

function sh(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } }).trim();
}

/** An SSH key pair; returns the private key's path and its public key line. */
function sshKey(name: string): { key: string; pub: string } {
  const key = join(root, `${name}_ed25519`);
  sh('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', name, '-f', key]);
  return { key, pub: readFileSync(`${key}.pub`, 'utf8').trim() };
}

/** An OpenPGP signing key in its own keyring; returns the keyring, the fingerprint and the armored public key. */
function pgpKey(name: string): { home: string; fpr: string; armored: string } {
  const home = join(root, `gnupg-${name}`);
  mkdirSync(home, { mode: 0o700 });
  const gpg = (...args: string[]) => sh('gpg', ['--batch', '--homedir', home, ...args]);
  gpg('--passphrase', '', '--quick-gen-key', `${name} <${name}@example.com>`, 'ed25519', 'sign', 'never');
  const fpr = /^fpr:+([0-9A-F]+):/m.exec(gpg('--with-colons', '--list-keys'))![1]!;
  return { home, fpr, armored: gpg('--armor', '--export', fpr) };
}

type Signing = { kind: 'none' } | { kind: 'ssh'; key: string } | { kind: 'pgp'; home: string; fpr: string };

interface Platform {
  readonly config: string;
  commit(message: string, files: Readonly<Record<string, string>>, signing: Signing): string;
}

function platform(
  name: string,
  backend: 'isomorphic' | 'native',
  allowed: string,
  namespace: string,
): Platform {
  const dir = join(root, name);
  const repo = join(dir, 'repo');
  mkdirSync(repo, { recursive: true });
  const git = (args: readonly string[], env: NodeJS.ProcessEnv = {}) =>
    sh('git', args, {
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'Ada',
      GIT_AUTHOR_EMAIL: 'ada@example.com',
      GIT_COMMITTER_NAME: 'Ada',
      GIT_COMMITTER_EMAIL: 'ada@example.com',
      ...env,
    });
  git(['-C', repo, 'init', '-q', '-b', 'dev']);
  const signers = join(dir, 'allowed_signers');
  writeFileSync(signers, allowed);
  const config = join(dir, 'cairn.yaml');
  writeFileSync(
    config,
    stringify({
      repository: { url: repo, backend, verify: { mode: 'head', allowedSigners: signers } },
      environments: [
        {
          name: 'dev',
          kubernetes: { kubeconfig: sandboxEnv().kubernetes.kubeconfig, namespace, healthTimeout: '10s' },
        },
      ],
      audit: { dir: join(dir, 'audit'), keyFile: auditKeyFile(dir) },
    }),
  );
  return {
    config,
    commit(message, files, signing) {
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(repo, path)), { recursive: true });
        writeFileSync(join(repo, path), text);
      }
      git(['-C', repo, 'add', '-A']);
      const empty = Object.keys(files).length === 0 ? ['--allow-empty'] : [];
      const sign =
        signing.kind === 'ssh'
          ? ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${signing.key}`, 'commit', '-S']
          : signing.kind === 'pgp'
            ? ['-c', `user.signingkey=${signing.fpr}`, 'commit', '-S']
            : ['commit'];
      git(
        ['-C', repo, ...sign, ...empty, '-q', '-m', message],
        signing.kind === 'pgp' ? { GNUPGHOME: signing.home } : {},
      );
      return git(['-C', repo, 'rev-parse', 'HEAD']);
    },
  };
}

async function sync(p: Platform): Promise<{ code: number | null; entry: AuditEntry; stderr: string }> {
  const result = await runCli(['sync', '--config', p.config, '--env', 'dev', '--json']);
  return { code: result.code, entry: JSON.parse(result.stdout) as AuditEntry, stderr: result.stderr };
}

const cm = (name: string, value: string) =>
  stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { value } });

describe.each(['isomorphic', 'native'] as const)('repository.verify on the %s backend', (backend) => {
  const alice = sshKey(`alice-${backend}`);
  const mallory = sshKey(`mallory-${backend}`);
  const bob = pgpKey(`bob-${backend}`);
  const eve = pgpKey(`eve-${backend}`);
  const ns = kit.name(`sig-${backend.slice(0, 3)}`);
  kit.track(`/api/v1/namespaces/${ns}`);
  const allowed = `# the team's signers\nalice@example.com ${alice.pub}\n\n${bob.armored}\n`;
  const p = platform(backend, backend, allowed, ns);
  const path = (name: string) => `/api/v1/namespaces/${ns}/configmaps/${name}`;
  const namespace = stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });

  it.each([
    ['an unsigned head', { kind: 'none' } as Signing, 'it is not signed'],
    [
      'a head signed by an SSH key not in the list',
      { kind: 'ssh', key: mallory.key } as Signing,
      'SSH key that is not allowed (ED25519 SHA256:',
    ],
    [
      'a head signed by an OpenPGP key not in the list',
      { kind: 'pgp', home: eve.home, fpr: eve.fpr } as Signing,
      'OpenPGP key that is not allowed',
    ],
  ])('refuses %s: nothing applied, the refusal in the ledger', async (_, signing, why) => {
    // given a head that no allowed key signed
    const name = `refused-${signing.kind}`;
    const sha = p.commit(
      `add ${name}`,
      { 'k8s-resources/ns.yaml': namespace, [`k8s-resources/${name}.yaml`]: cm(name, 'x') },
      signing,
    );

    // when cairn syncs it
    const { code, entry, stderr } = await sync(p);

    // then it failed as source.unverified, naming the commit, and applied nothing
    expect(code).toBe(1);
    expect(entry.toSha).toBe(sha);
    expect(entry.outcome).toBe('failed');
    expect(entry.failure).toMatchObject({
      code: 'source.unverified',
      phase: 'fetch',
      retryable: false,
      subject: `commit ${sha.slice(0, 12)}`,
    });
    expect(entry.failure!.message).toContain(why);
    expect(entry.changes).toEqual([]);
    expect(stderr).toContain('source.unverified');
    expect(await kit.get(path(name))).toBeUndefined();
  });

  it.each([
    ['an allowed SSH key', { kind: 'ssh', key: alice.key } as Signing, 'alice@example.com (ED25519 SHA256:'],
    ['an allowed OpenPGP key', { kind: 'pgp', home: bob.home, fpr: bob.fpr } as Signing, ''],
  ])('applies a head signed by %s', async (_, signing) => {
    // given a head signed by an allowed key
    const name = `applied-${signing.kind}`;
    const sha = p.commit(
      `add ${name}`,
      { 'k8s-resources/ns.yaml': namespace, [`k8s-resources/${name}.yaml`]: cm(name, 'ok') },
      signing,
    );

    // when cairn syncs it
    const { code, entry, stderr } = await sync(p);

    // then it was applied
    expect({ code, stderr: code === 0 ? '' : stderr }).toEqual({ code: 0, stderr: '' });
    expect(entry).toMatchObject({ toSha: sha, outcome: 'succeeded' });
    expect((await kit.get(path(name)))?.data).toEqual({ value: 'ok' });
  });

  it('refuses an unsigned head that changes no file, rather than recording it as applied', async () => {
    // given the applied signed head, then an unsigned commit on top that changes nothing
    const sha = p.commit('nothing to see', {}, { kind: 'none' });

    // when cairn syncs it (neither half would be applied)
    const { code, entry } = await sync(p);

    // then it is refused all the same
    expect(code).toBe(1);
    expect(entry).toMatchObject({ toSha: sha, outcome: 'failed', failure: { code: 'source.unverified' } });
  });
});
