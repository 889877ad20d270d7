import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { mutedStderr } from '../../helpers/cli';
import { auditKeyFile } from '../../helpers/e2e-platform';
import { AuditLog } from '../../../controller/audit/audit-log';
import type { ListedEntry } from '../../../controller/audit/types';
import {
  parseIdentity,
  refusal,
  revertBranch,
  revertCommand,
  revertMessage,
  type RevertDeps,
} from '../../../controller/cli/commands/revert';
import { EXIT, main } from '../../../controller/cli/main';
import { loadConfig } from '../../../controller/config/load-config';
import type { GitHost, OpenPullRequest } from '../../../controller/host/types';
import type { Outcome } from '../../../controller/model';
import type { RevertCommitRequest } from '../../../controller/source/revert-commit';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

function entry(over: Partial<ListedEntry> = {}): ListedEntry {
  return {
    id: '0123abcd-1111-2222-3333-444455556666',
    env: 'dev',
    trigger: 'webhook',
    fromSha: A,
    toSha: B,
    author: 'Ada <ada@example.com>',
    message: 'greeting: say hi\n\nlonger text',
    committedAt: '2026-11-29T10:00:00.000Z',
    startedAt: '2026-11-29T10:00:01.000Z',
    finishedAt: '2026-11-29T10:00:02.000Z',
    outcome: 'succeeded',
    phases: [],
    changes: [],
    ...over,
  };
}

describe('which entries can be reverted', () => {
  it.each<[string, Partial<ListedEntry>, string]>([
    ['the first apply', { fromSha: null }, 'the first apply of environment dev: there is no earlier commit'],
    ['a failed apply', { outcome: 'failed' }, 'did not succeed (outcome failed)'],
    [
      'an interrupted apply',
      { outcome: 'interrupted' },
      'push a fix, or revert the commit bbbbbbbbbbbb yourself',
    ],
    ['a no-op', { outcome: 'no-op' }, 'was a no-op (nothing was applied)'],
    ['a re-apply of the same sha', { fromSha: B }, 'brought no new commit to revert'],
    [
      'an untrusted entry',
      { untrusted: 'chain broken at record 3' },
      'it is untrusted (chain broken at record 3)',
    ],
  ])('refuses %s', (_case, over, said) => {
    expect(refusal(entry(over))).toContain(said);
  });

  it('accepts a succeeded entry that moved the environment', () => {
    expect(refusal(entry())).toBeUndefined();
    expect(refusal(entry({ outcome: 'succeeded' as Outcome, forcePushed: true }))).toBeUndefined();
  });
});

describe('the revert commit message and branch', () => {
  it('says what it reverts, names the entry, env and shas, and ends with a trailer', () => {
    const message = revertMessage(entry(), 'dev', '  the new greeting broke the probe  ');
    expect(message.split('\n')).toEqual([
      'Revert "greeting: say hi"',
      '',
      `This reverts the commits ${A}..${B} on branch dev,`,
      'applied to environment dev as audit entry 0123abcd-1111-2222-3333-444455556666.',
      '',
      'the new greeting broke the probe',
      '',
      'Cairn-Revert-Of: 0123abcd-1111-2222-3333-444455556666',
      `Cairn-Reverted-Range: ${A}..${B}`,
      '',
    ]);
  });

  it('names the pull request branch after the short entry id', () => {
    expect(revertBranch(entry())).toBe('cairn/revert-0123abcd');
  });

  it.each([
    ['Release Bot <bot@example.com>', { name: 'Release Bot', email: 'bot@example.com' }],
    ['  x <x@y.z> ', { name: 'x', email: 'x@y.z' }],
  ])('parses --author %j', (text, identity) => {
    expect(parseIdentity(text)).toEqual(identity);
  });

  it.each(['nobody', '<a@b.c>', 'A <not-an-email>', 'A <a@b.c> trailing'])('refuses --author %j', (text) => {
    expect(() => parseIdentity(text)).toThrow('--author takes "Name <email>"');
  });
});

describe('cairn revert on the command line', () => {
  mutedStderr();

  it.each([
    ['without an entry', ['revert', '-c', 'c.yaml']],
    ['without --config', ['revert', 'abc']],
    ['with a bad --author', ['revert', 'abc', '-c', 'c.yaml', '--author', 'nobody']],
    ['with an unknown option', ['revert', 'abc', '-c', 'c.yaml', '--force']],
  ])('exits 2 %s', async (_case, argv) => {
    expect(await main(argv)).toBe(EXIT.usage);
  });

  it('documents itself in --help', async () => {
    const stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(await main(['revert', '--help'])).toBe(EXIT.ok);
      const help = stdout.mock.calls.map((c) => String(c[0])).join('');
      expect(help).toContain('Usage: cairn revert [options] <entry>');
      expect(help).toContain('--pr');
      expect(help).toContain('git binary');
    } finally {
      stdout.mockRestore();
    }
  });
});

/** The command over a real JSONL audit log, with the push and the Git host as doubles. */
describe('revertCommand', () => {
  let dir: string;
  let configFile: string;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-revert-unit-'));
    configFile = join(dir, 'cairn.yaml');
    writeFileSync(
      configFile,
      stringify({
        repository: { url: 'https://git.example.com/platform.git', auth: { tokenEnv: 'UNIT_GIT_TOKEN' } },
        environments: [{ name: 'dev', branch: 'env/dev', kubernetes: { namespace: 'apps' } }],
        audit: { dir: join(dir, 'audit'), keyFile: auditKeyFile(dir) },
        server: { port: 0 },
      }),
    );
    const log = await AuditLog.open(loadConfig(configFile).audit);
    try {
      const record = async (name: string, over: Partial<ListedEntry>) => {
        const e = entry(over);
        const id = await log.start({ env: 'dev', trigger: 'webhook', fromSha: e.fromSha, toSha: e.toSha });
        await log.end({ ...e, id });
        ids[name] = id;
      };
      await record('first', {
        fromSha: null,
        toSha: A,
        changes: [{ target: 'kubernetes', subject: 'ConfigMap/apps/greeting', action: 'created' }],
      });
      await record('second', {
        changes: [{ target: 'kubernetes', subject: 'ConfigMap/apps/greeting', action: 'configured' }],
      });
    } finally {
      await log.close();
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function doubles(host?: GitHost) {
    const out: string[] = [];
    const err: string[] = [];
    const pushes: RevertCommitRequest[] = [];
    const deps: RevertDeps = {
      env: { UNIT_GIT_TOKEN: 'unit-token-123456' },
      stdout: (t) => out.push(t),
      stderr: (t) => err.push(t),
      hostFor: () => host,
      push: async (request) => {
        pushes.push(request);
        return {
          sha: 'c'.repeat(40),
          parent: B,
          pushedTo: request.pushTo,
          files: ['k8s-resources/greeting.yaml'],
          rebased: false,
        };
      },
    };
    return { deps, out, err, pushes };
  }

  function hostDouble(): GitHost & { opened: OpenPullRequest[]; closed: number } {
    const host = {
      type: 'gitea' as const,
      opened: [] as OpenPullRequest[],
      closed: 0,
      setCommitStatus: async () => undefined,
      upsertPullRequestComment: async () => '1',
      openPullRequest: async (request: OpenPullRequest) => {
        host.opened.push(request);
        return { number: 7, url: 'https://git.example.com/platform/pulls/7' };
      },
      pullRequestFrom: () => Promise.reject(new Error('unused')),
      close: async () => {
        host.closed += 1;
      },
    };
    return host;
  }

  it('pushes the revert to the environment branch with the token, and prints what it did', async () => {
    const { deps, out, pushes } = doubles();
    expect(await revertCommand(ids.second!.slice(0, 8), { config: configFile }, deps)).toBe(0);
    expect(pushes).toEqual([
      expect.objectContaining({
        url: 'https://git.example.com/platform.git',
        auth: { username: 'x-access-token', password: 'unit-token-123456' },
        branch: 'env/dev',
        pushTo: 'env/dev',
        fromSha: A,
        toSha: B,
        identity: { name: 'cairn', email: 'cairn@localhost' },
      }),
    ]);
    expect(pushes[0]!.message).toContain(`Cairn-Revert-Of: ${ids.second}`);
    expect(out.join('')).toContain(
      `Reverted audit entry ${ids.second} (dev): aaaaaaaaaaaa..bbbbbbbbbbbb "greeting: say hi"`,
    );
    expect(out.join('')).toContain(`commit ${'c'.repeat(40)} on branch env/dev`);
    // the command it suggests runs as printed: sync needs --config
    expect(out.join('')).toContain(`(or now: cairn sync --config ${configFile} --env dev)`);
  });

  it('with --pr pushes cairn/revert-<id> and opens a pull request into the env branch, printing its URL', async () => {
    const host = hostDouble();
    const { deps, out, pushes } = doubles(host);
    const code = await revertCommand(
      ids.second!,
      { config: configFile, pr: true, json: true, author: { name: 'Bot', email: 'bot@x.y' } },
      deps,
    );
    expect(code).toBe(0);
    expect(pushes[0]).toMatchObject({
      pushTo: `cairn/revert-${ids.second!.slice(0, 8)}`,
      branch: 'env/dev',
      identity: { name: 'Bot', email: 'bot@x.y' },
    });
    expect(host.opened).toEqual([
      expect.objectContaining({
        title: 'Revert "greeting: say hi"',
        head: `cairn/revert-${ids.second!.slice(0, 8)}`,
        base: 'env/dev',
      }),
    ]);
    expect(host.closed).toBe(1);
    expect(JSON.parse(out.join(''))).toMatchObject({
      entry: ids.second,
      pushedTo: `cairn/revert-${ids.second!.slice(0, 8)}`,
      pullRequest: { number: 7, url: 'https://git.example.com/platform/pulls/7' },
    });
  });

  it('exits 2 naming repository.host when --pr has no host, before any push', async () => {
    const { deps, err, pushes } = doubles(undefined);
    expect(await revertCommand(ids.second!, { config: configFile, pr: true }, deps)).toBe(2);
    expect(err.join('')).toContain(`${configFile} has no repository.host`);
    expect(pushes).toEqual([]);
  });

  it('refuses to push onto the branch where heads must be signed (its commit is unsigned), and opens a pull request instead with --pr', async () => {
    // given the same environment and ledger with repository.verify set
    const signed = join(dir, 'signed.yaml');
    writeFileSync(join(dir, 'allowed_signers'), '');
    writeFileSync(
      signed,
      stringify({
        repository: {
          url: 'https://git.example.com/platform.git',
          auth: { tokenEnv: 'UNIT_GIT_TOKEN' },
          verify: { allowedSigners: join(dir, 'allowed_signers') },
        },
        environments: [{ name: 'dev', branch: 'env/dev', kubernetes: { namespace: 'apps' } }],
        audit: { dir: join(dir, 'audit'), keyFile: join(dir, 'audit.key') },
        server: { port: 0 },
      }),
    );
    const { deps, err, pushes } = doubles();
    expect(await revertCommand(ids.second!, { config: signed }, deps)).toBe(1);
    expect(err.join('')).toContain('repository.verify is set');
    expect(err.join('')).toContain('cairn revert --pr');
    expect(pushes).toEqual([]);
    const withHost = doubles(hostDouble());
    expect(await revertCommand(ids.second!, { config: signed, pr: true }, withHost.deps)).toBe(0);
    expect(withHost.pushes[0]).toMatchObject({ pushTo: `cairn/revert-${ids.second!.slice(0, 8)}` });
  });

  it.each([
    ['an unknown id', 'ffffffff', 'no audit entry with id ffffffff'],
    ['the first apply', 'first', 'cannot revert: it is the first apply of environment dev'],
  ])('exits 1 for %s, naming the entry and why', async (_case, which, said) => {
    const { deps, err, pushes } = doubles();
    expect(await revertCommand(ids[which] ?? which, { config: configFile }, deps)).toBe(1);
    expect(err.join('')).toContain(said);
    if (ids[which]) expect(err.join('')).toContain(`audit entry ${ids[which]} (dev)`);
    expect(pushes).toEqual([]);
  });

  it('masks the token in a failure it prints', async () => {
    const { deps, err } = doubles();
    const failing: RevertDeps = {
      ...deps,
      push: async () => {
        throw new Error('remote said: bad credentials unit-token-123456');
      },
    };
    expect(await revertCommand(ids.second!, { config: configFile }, failing)).toBe(1);
    expect(err.join('')).toContain(
      `cairn revert: audit entry ${ids.second} (dev): remote said: bad credentials`,
    );
    expect(err.join('')).not.toContain('unit-token-123456');
  });

  it('says the branch was pushed, and what to do, when opening the pull request fails', async () => {
    const host = hostDouble();
    host.openPullRequest = async () => {
      throw new Error('gitea answered 422');
    };
    const { deps, err } = doubles(host);
    expect(await revertCommand(ids.second!, { config: configFile, pr: true }, deps)).toBe(1);
    const branch = `cairn/revert-${ids.second!.slice(0, 8)}`;
    expect(err.join('')).toContain(
      `pushed the revert commit ${'c'.repeat(40)} to branch ${branch}, but opening the pull request failed: gitea answered 422`,
    );
    expect(err.join('')).toContain(`open a pull request from ${branch} into env/dev by hand`);
    expect(host.closed).toBe(1);
  });
});
