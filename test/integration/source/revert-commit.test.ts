import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { isCairnError } from '../../../controller/model/errors';
import { shardLost } from '../../../controller/shard/lease';
import { pushRevertCommit, type RevertCommitRequest } from '../../../controller/source/revert-commit';
import { serveGitHttp, type GitHttpServer } from '../../helpers/git-http-server';
import { createTestRepo, runGit, type TestRepo } from '../../helpers/git-repo';

jest.setTimeout(60_000);

const TOKEN = 'revert-test-token-7f3a91';
const REAL_GIT = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();

/**
 * `pushRevertCommit` against a real repository served over smart HTTP behind a token, through a
 * `git` wrapper on PATH that records every argv git is started with and a copy of the temporary
 * clone's config when it pushes, so the test sees what `ps` and the disk would.
 */
describe('pushRevertCommit over HTTP with a token', () => {
  let repo: TestRepo;
  let http: GitHttpServer;
  let dir: string;
  let tmpRoot: string;
  let argvLog: string;
  let snapshots: string;
  let moveOnPush: string;
  let modes: string;
  const savedPath = process.env.PATH;
  const shas: Record<string, string> = {};

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-revert-it-'));
    tmpRoot = join(dir, 'tmp');
    argvLog = join(dir, 'argv.log');
    snapshots = join(dir, 'configs');
    moveOnPush = join(dir, 'move-on-push.sh');
    modes = join(dir, 'modes');
    mkdirSync(tmpRoot);
    mkdirSync(snapshots);
    mkdirSync(join(dir, 'bin'));
    const wrapper = join(dir, 'bin', 'git');
    writeFileSync(
      wrapper,
      [
        '#!/bin/sh',
        `printf '%s ' "$@" >> '${argvLog}'; echo >> '${argvLog}'`,
        `if [ "$1" = "--git-dir" ]; then cp "$2/config" '${snapshots}/config-'$$ 2>/dev/null; stat -c %a "$(dirname "$2")" >> '${modes}'; fi`,
        // A push first runs the script (once) that moves the branch, as a colleague pushing meanwhile would.
        `if [ "$3" = "push" ] && [ -f '${moveOnPush}' ]; then sh '${moveOnPush}'; rm -f '${moveOnPush}'; fi`,
        `exec '${REAL_GIT}' "$@"`,
        '',
      ].join('\n'),
    );
    chmodSync(wrapper, 0o755);
    process.env.PATH = `${join(dir, 'bin')}:${savedPath}`;

    repo = createTestRepo('revert', {
      dev: { 'k8s-resources/a.yaml': 'value: one\n', 'k8s-resources/b.yaml': 'value: one\n' },
    });
    runGit(repo.bare, 'config', 'http.receivepack', 'true');
    shas.first = repo.sha('dev');
    // The entry's range holds a merge: a feature branch changing a.yaml, merged with --no-ff.
    repo.commit('feature', 'a: two', { 'k8s-resources/a.yaml': 'value: two\n' }, 'dev');
    runGit(repo.work, 'checkout', '-q', 'dev');
    runGit(repo.work, 'merge', '-q', '--no-ff', '-m', 'Merge feature', 'feature');
    runGit(repo.work, 'push', '-q', 'origin', 'dev');
    shas.merged = repo.sha('dev');
    // A later commit touching another file: the revert must keep it.
    shas.later = repo.commit('dev', 'b: three', { 'k8s-resources/b.yaml': 'value: three\n' });
    http = await serveGitHttp(repo.bare, { token: TOKEN });
  });

  afterAll(async () => {
    process.env.PATH = savedPath;
    await http?.close();
    repo?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const request = (over: Partial<RevertCommitRequest> = {}): RevertCommitRequest => ({
    url: http.url,
    auth: { username: 'x-access-token', password: TOKEN },
    branch: 'dev',
    fromSha: shas.first!,
    toSha: shas.merged!,
    message: 'Revert "Merge feature"\n\nCairn-Revert-Of: test\n',
    identity: { name: 'cairn', email: 'cairn@localhost' },
    pushTo: 'dev',
    tmpRoot,
    ...over,
  });
  const show = (sha: string, path: string) => runGit(repo.bare, 'show', `${sha}:${path}`);
  const reasonOf = async (promise: Promise<unknown>) => {
    try {
      await promise;
    } catch (error) {
      return error;
    }
    throw new Error('expected a rejection');
  };

  it('reverts a range holding a merge on top of a later commit, rebuilding it once when the branch moved meanwhile', async () => {
    // Given a colleague pushes c.yaml between cairn's fetch and its push
    const other = join(dir, 'other');
    runGit(dir, 'clone', '-q', '-b', 'dev', repo.bare, other);
    writeFileSync(
      moveOnPush,
      `cd '${other}' && echo 'value: c' > k8s-resources/c.yaml && '${REAL_GIT}' add -A && ` +
        `'${REAL_GIT}' -c user.name=Col -c user.email=col@example.com commit -q -m 'c: add' && '${REAL_GIT}' push -q origin dev\n`,
    );

    // When
    const result = await pushRevertCommit(request());

    // Then the revert sits on the colleague's commit, undoes only a.yaml and keeps the rest
    const head = repo.sha('dev');
    expect(result.sha).toBe(head);
    expect(result.rebased).toBe(true);
    expect(result.files).toEqual(['k8s-resources/a.yaml']);
    expect(runGit(repo.bare, 'log', '-1', '--format=%s', `${head}^`)).toBe('c: add');
    expect(show(head, 'k8s-resources/a.yaml')).toBe('value: one');
    expect(show(head, 'k8s-resources/b.yaml')).toBe('value: three');
    expect(show(head, 'k8s-resources/c.yaml')).toBe('value: c');
    expect(runGit(repo.bare, 'log', '-1', '--format=%an <%ae>|%cn <%ce>|%B', head)).toBe(
      'cairn <cairn@localhost>|cairn <cairn@localhost>|Revert "Merge feature"\n\nCairn-Revert-Of: test',
    );
    // and the private temporary clone is gone
    expect(readdirSync(tmpRoot)).toEqual([]);
  });

  it('ends a conflicting revert with an error naming the file, pushing nothing and leaving no clone behind', async () => {
    // Given a later commit changed a.yaml again
    const before = repo.commit('dev', 'a: four', { 'k8s-resources/a.yaml': 'value: four\n' });

    // When
    const error = await reasonOf(pushRevertCommit(request()));

    // Then
    expect(isCairnError(error) && error.code).toBe('revert.conflict');
    expect((error as Error).message).toContain('k8s-resources/a.yaml');
    expect((error as Error).message).toContain('nothing was pushed');
    expect(repo.sha('dev')).toBe(before);
    expect(readdirSync(tmpRoot)).toEqual([]);
  });

  it('refuses a range the branch no longer contains (force-pushed away)', async () => {
    const error = await reasonOf(pushRevertCommit(request({ toSha: '1'.repeat(40) })));
    expect(isCairnError(error) && error.code).toBe('revert.not-on-branch');
    expect((error as Error).message).toContain('no longer contains 111111111111');
  });

  it('pushes a new branch for a pull request, and refuses when that branch exists already', async () => {
    // Given a.yaml is back at two, so the revert applies cleanly again
    const base = repo.commit('dev', 'a: two again', { 'k8s-resources/a.yaml': 'value: two\n' });

    // When
    const result = await pushRevertCommit(request({ pushTo: 'cairn/revert-test' }));

    // Then the env branch did not move, the new branch holds the revert on its head
    expect(repo.sha('dev')).toBe(base);
    expect(repo.sha('cairn/revert-test')).toBe(result.sha);
    expect(runGit(repo.bare, 'rev-parse', `${result.sha}^`)).toBe(base);
    const again = await reasonOf(pushRevertCommit(request({ pushTo: 'cairn/revert-test' })));
    expect(isCairnError(again) && again.code).toBe('revert.branch-exists');
  });

  it('pushes no revert once its fence reports the Lease lost, not even the one rebuilt on a moved branch', async () => {
    // Given a commit to revert, and a colleague who pushes e.yaml between cairn's fetch and its push
    const before = repo.sha('dev');
    const added = repo.commit('dev', 'd: add', { 'k8s-resources/d.yaml': 'value: d\n' });
    const other = join(dir, 'other-fenced');
    runGit(dir, 'clone', '-q', '-b', 'dev', repo.bare, other);
    writeFileSync(
      moveOnPush,
      `cd '${other}' && echo 'value: e' > k8s-resources/e.yaml && '${REAL_GIT}' add -A && ` +
        `'${REAL_GIT}' -c user.name=Col -c user.email=col@example.com commit -q -m 'e: add' && '${REAL_GIT}' push -q origin dev\n`,
    );
    const moved = () => !existsSync(moveOnPush);
    // and a fence (the replica's Lease, as failure-revert passes it) lost once the branch moved:
    // the replica was paused past its Lease while its first push was refused
    const fence = () => {
      if (moved())
        throw shardLost('dev', 'no successful renewal for 13000 ms (the bound is 12000 ms)', 'record');
    };

    // When
    const error = await reasonOf(
      pushRevertCommit(request({ fromSha: before, toSha: added, message: 'Revert "d: add"\n', fence })),
    );

    // Then it stopped with shard.lost and the branch holds the colleague's commit, not a revert on it
    expect(isCairnError(error) && error.code).toBe('shard.lost');
    expect(moved()).toBe(true);
    expect(runGit(repo.bare, 'log', '-1', '--format=%s', 'dev')).toBe('e: add');
    expect(show('dev', 'k8s-resources/d.yaml')).toBe('value: d');
    expect(readdirSync(tmpRoot)).toEqual([]);
  });

  it('rebuilds no automatic revert (onlyOnHead) on a branch that moved during its push', async () => {
    // Given a failed commit at the head of dev, and a colleague who pushes g.yaml between cairn's
    // fetch and its push
    const before = repo.sha('dev');
    const failed = repo.commit('dev', 'f: add', { 'k8s-resources/f.yaml': 'value: f\n' });
    const other = join(dir, 'other-moved');
    runGit(dir, 'clone', '-q', '-b', 'dev', repo.bare, other);
    writeFileSync(
      moveOnPush,
      `cd '${other}' && echo 'value: g' > k8s-resources/g.yaml && '${REAL_GIT}' add -A && ` +
        `'${REAL_GIT}' -c user.name=Col -c user.email=col@example.com commit -q -m 'g: add' && '${REAL_GIT}' push -q origin dev\n`,
    );

    // When the automatic revert of the failed commit is pushed onto dev (onFailure.revert: commit)
    const error = await reasonOf(
      pushRevertCommit(
        request({ fromSha: before, toSha: failed, message: 'Revert "f: add"\n', onlyOnHead: failed }),
      ),
    );

    // Then it stopped as moved on, and dev holds the colleague's commit, not a revert on it
    expect(isCairnError(error) && error.code).toBe('revert.branch-moved');
    expect((error as Error).message).toMatch(new RegExp(`^branch dev moved on from ${failed.slice(0, 12)}`));
    expect(existsSync(moveOnPush)).toBe(false);
    expect(runGit(repo.bare, 'log', '-1', '--format=%s', 'dev')).toBe('g: add');
    expect(readdirSync(tmpRoot)).toEqual([]);
  });

  it('makes every temporary clone private to cairn’s user (0700)', () => {
    const seen = readFileSync(modes, 'utf8').split('\n').filter(Boolean);
    expect(seen.length).toBeGreaterThan(3);
    expect(new Set(seen)).toEqual(new Set(['700']));
  });

  it('never puts the token in an argv, a URL or the clone’s config', () => {
    const argv = readFileSync(argvLog, 'utf8');
    expect(argv).toContain(' push --porcelain --end-of-options http://127.0.0.1:');
    const header = Buffer.from(`x-access-token:${TOKEN}`).toString('base64');
    expect(argv).not.toContain(TOKEN);
    expect(argv).not.toContain(header);
    const configs = readdirSync(snapshots).map((f) => readFileSync(join(snapshots, f), 'utf8'));
    expect(configs.length).toBeGreaterThan(3);
    for (const text of configs) {
      expect(text).not.toContain(TOKEN);
      expect(text).not.toContain(header);
      expect(text).not.toMatch(/extraheader|credential/i);
    }
  });
});

describe('pushRevertCommit to a local repository that is not bare', () => {
  it('says that the branch is checked out there and what to do, instead of blaming a token', async () => {
    // given the repository a new user makes by hand: a plain (non-bare) repository whose working
    // tree has the environment branch checked out, which git refuses pushes to
    const repo = createTestRepo('revert-checked-out', { dev: { 'k8s-resources/a.yaml': 'value: one\n' } });
    try {
      const first = repo.sha('dev');
      const second = repo.commit('dev', 'a: two', { 'k8s-resources/a.yaml': 'value: two\n' });
      expect(runGit(repo.work, 'symbolic-ref', '--short', 'HEAD')).toBe('dev');
      // when an entry of that branch is reverted
      const error = await pushRevertCommit({
        url: repo.work,
        branch: 'dev',
        fromSha: first,
        toSha: second,
        message: 'Revert "a: two"\n',
        identity: { name: 'cairn', email: 'cairn@localhost' },
        pushTo: 'dev',
      }).then(
        () => undefined,
        (e: unknown) => e,
      );
      // then the refusal names the reason, and it is not one a retry fixes
      expect(isCairnError(error) && [error.code, error.retryable]).toEqual(['revert.push-rejected', false]);
      expect((error as Error).message).toContain(`branch dev is checked out in ${repo.work}`);
      expect(isCairnError(error) && error.hint).toMatch(/git clone --bare/);
    } finally {
      repo.remove();
    }
  });
});
