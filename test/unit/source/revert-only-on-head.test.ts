import { isCairnError } from '../../../controller/model/errors';
import {
  movedOnFrom,
  notRevertOf,
  pushRevertCommit,
  type RevertCommitRequest,
} from '../../../controller/source/revert-commit';
import { createTestRepo, runGit, type TestRepo } from '../../helpers/git-repo';

jest.setTimeout(30_000);

/**
 * The automatic revert of a failed commit is made on that commit only (`onlyOnHead`). Found in
 * review: a branch that moved between failure-revert's look at it and the revert's fetch got a
 * revert made on the new head and pushed to `cairn/revert-failed-<sha12>`, whose one parent was
 * then not the failed commit; a holder finding it without its pull request refused to vouch for it,
 * and said cairn had not made it. With a real git on a local bare repository.
 */
describe('pushRevertCommit with onlyOnHead', () => {
  let repo: TestRepo;
  let fromSha: string;
  let failed: string;

  beforeEach(() => {
    repo = createTestRepo('revert-on-head', { dev: { 'k8s-resources/web.yaml': 'image: nginx:1.27\n' } });
    fromSha = repo.sha('dev');
    failed = repo.commit('dev', 'web: nginx 1.28', { 'k8s-resources/web.yaml': 'image: nginx:1.28\n' });
  });
  afterEach(() => repo.remove());

  const request = (over: Partial<RevertCommitRequest> = {}): RevertCommitRequest => ({
    url: repo.bare,
    branch: 'dev',
    fromSha,
    toSha: failed,
    message: 'Revert "web: nginx 1.28"\n',
    identity: { name: 'cairn', email: 'cairn@localhost' },
    pushTo: 'cairn/revert-failed-x',
    onlyOnHead: failed,
    ...over,
  });

  it('makes the revert on the failed commit, a branch the holder can vouch for', async () => {
    // when the branch is still at the failed commit
    const made = await pushRevertCommit(request());

    // then the revert's one parent is the failed commit, and notRevertOf vouches for it
    expect(made.parent).toBe(failed);
    expect(runGit(repo.bare, 'rev-parse', `${made.sha}^`)).toBe(failed);
    await expect(
      notRevertOf({ url: repo.bare, branch: 'cairn/revert-failed-x', fromSha, toSha: failed }),
    ).resolves.toBeUndefined();
  });

  it.each([
    ['a pull request branch', 'cairn/revert-failed-x'],
    ['the environment branch (commit mode)', 'dev'],
  ])(
    'pushes nothing to %s once the environment branch moved on from the failed commit',
    async (_n, pushTo) => {
      // given a commit pushed onto dev after the failure, on another file (the revert applies on it)
      const fix = repo.commit('dev', 'db: more memory', { 'k8s-resources/db.yaml': 'memory: 2Gi\n' });

      // when the revert of the failed commit is made
      const error = await pushRevertCommit(request({ pushTo })).catch((e: unknown) => e);

      // then it is refused as moved on, naming both heads, and nothing was pushed
      expect(isCairnError(error) && error.code).toBe('revert.branch-moved');
      expect(isCairnError(error) && error.detail).toContain(movedOnFrom('dev', failed, fix));
      expect(repo.sha('dev')).toBe(fix);
      expect(runGit(repo.bare, 'branch', '--list', 'cairn/revert-failed-x')).toBe('');
    },
  );
});
