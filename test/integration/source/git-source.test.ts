import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { RepositoryConfig } from '../../../controller/config/types';
import { silentLog } from '../../../controller/log';
import { createGitSource } from '../../../controller/source/create-git-source';
import type { BranchHead, Revision } from '../../../controller/source/types';
import { serveGitHttp, type GitHttpServer } from '../../helpers/git-http-server';

const root = mkdtempSync(join(tmpdir(), 'cairn-source-'));
const work = join(root, 'work');
const bare = join(root, 'platform.git');
const TOKEN = 's3cret-token';

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Ada',
      GIT_AUTHOR_EMAIL: 'ada@example.com',
      GIT_COMMITTER_NAME: 'Ada',
      GIT_COMMITTER_EMAIL: 'ada@example.com',
    },
  }).trim();
}

function commit(branch: string, message: string, files: Record<string, string | null>): string {
  if (git(work, 'symbolic-ref', '--short', 'HEAD') !== branch) git(work, 'checkout', '-q', branch);
  for (const [path, content] of Object.entries(files)) {
    const file = join(work, path);
    if (content === null) rmSync(file, { force: true });
    else {
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, content);
    }
  }
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '--allow-empty', '-m', message);
  git(work, 'push', '-q', '-f', 'origin', branch);
  return git(work, 'rev-parse', 'HEAD');
}

let http: GitHttpServer;
let shaDev: string;

beforeAll(async () => {
  mkdirSync(work, { recursive: true });
  git(root, 'init', '-q', '--bare', bare);
  git(work, 'init', '-q', '-b', 'dev');
  git(work, 'remote', 'add', 'origin', bare);
  shaDev = commit('dev', 'first', {
    'aws-resources/cdk.json': '{}',
    'k8s-resources/cm.yaml': 'kind: ConfigMap\n',
    'README.md': 'hi',
  });
  git(bare, 'symbolic-ref', 'HEAD', 'refs/heads/dev');
  git(work, 'checkout', '-q', '-b', 'prod');
  commit('prod', 'prod without aws', { 'aws-resources/cdk.json': null });
  http = await serveGitHttp(bare, { token: TOKEN });
});

afterAll(async () => {
  await http?.close();
  rmSync(root, { recursive: true, force: true });
});

const revisionOf = (head: BranchHead | undefined): Revision => {
  if (head?.kind !== 'revision')
    throw new Error(
      `expected a revision, got ${head?.kind === 'error' ? head.error.message : JSON.stringify(head)}`,
    );
  return head.revision;
};

const cases: [string, () => RepositoryConfig][] = [
  [
    'isomorphic over a path',
    () => ({ url: bare, backend: 'isomorphic', pollIntervalMs: 1000, watch: false }),
  ],
  ['native over a path', () => ({ url: bare, backend: 'native', pollIntervalMs: 1000, watch: false })],
  [
    'isomorphic over HTTP with a token',
    () => ({
      url: http.url,
      backend: 'isomorphic',
      pollIntervalMs: 1000,
      watch: false,
      auth: { tokenEnv: 'GIT_TOKEN' },
    }),
  ],
  [
    'native over HTTP with a token',
    () => ({
      url: http.url,
      backend: 'native',
      pollIntervalMs: 1000,
      watch: false,
      auth: { tokenEnv: 'GIT_TOKEN' },
    }),
  ],
];

describe.each(cases)('the Git source, %s', (_name, repoConfig) => {
  const source = () =>
    createGitSource(
      repoConfig(),
      { dir: mkdtempSync(join(root, 'ws-')), keep: 2, maxFileBytes: 1024 },
      silentLog(),
      { GIT_TOKEN: TOKEN },
    );

  it('fetches each environment’s head with commit metadata and folder trees; a missing branch is reported alone', async () => {
    const heads = await source().fetch([
      { env: 'dev', branch: 'dev' },
      { env: 'prod', branch: 'prod' },
      { env: 'qa', branch: 'qa' },
    ]);
    const dev = revisionOf(heads[0]);
    const sha = git(bare, 'rev-parse', 'dev');
    expect(dev).toMatchObject({
      env: 'dev',
      sha,
      author: { name: 'Ada', email: 'ada@example.com' },
      message: git(bare, 'log', '-1', '--format=%s', 'dev'),
      forcePushed: false,
    });
    expect(dev.trees.aws).toBe(git(bare, 'rev-parse', `${sha}:aws-resources`));
    expect(revisionOf(heads[1]).trees.aws).toBeNull();
    expect(heads[2]).toEqual({ kind: 'missing-branch', env: 'qa', branch: 'qa' });
  });

  it('checks out only the two folders of exactly that sha, read-only', async () => {
    const s = source();
    const [head] = await s.fetch([{ env: 'dev', branch: 'dev' }]);
    const ws = await s.checkout(revisionOf(head));
    expect(readFileSync(join(ws.dir, 'k8s-resources', 'cm.yaml'), 'utf8')).toBe('kind: ConfigMap\n');
    expect(() => lstatSync(join(ws.dir, 'README.md'))).toThrow();
    expect(lstatSync(join(ws.dir, 'aws-resources', 'cdk.json')).mode & 0o222).toBe(0);
  });

  it('keeps links that, followed through other links, stay inside the checkout', async () => {
    const branch = `links-${Math.random().toString(36).slice(2, 7)}`;
    git(work, 'checkout', '-q', '-b', branch, shaDev);
    mkdirSync(join(work, 'aws-resources', 'lib'), { recursive: true });
    writeFileSync(join(work, 'aws-resources', 'lib', 'app.js'), '// app\n');
    symlinkSync('lib', join(work, 'aws-resources', 'current'));
    symlinkSync('current/../lib/app.js', join(work, 'aws-resources', 'main.js'));
    commit(branch, 'links', {});
    const s = source();
    const [head] = await s.fetch([{ env: 'x', branch }]);
    const ws = await s.checkout(revisionOf(head));
    expect(readFileSync(join(ws.dir, 'aws-resources', 'main.js'), 'utf8')).toBe('// app\n');
  });

  it('reports a force push on the next fetch', async () => {
    const s = source();
    const spec = [{ env: 'dev', branch: 'dev' }];
    await s.fetch(spec);
    const moved = commit('dev', 'to be rewritten', { 'k8s-resources/extra.yaml': 'a: 1\n' });
    expect(revisionOf((await s.fetch(spec))[0]).forcePushed).toBe(false);
    git(work, 'reset', '-q', '--hard', 'HEAD~1');
    const rewritten = commit('dev', 'rewritten', { 'k8s-resources/other.yaml': 'b: 2\n' });
    const after = revisionOf((await s.fetch(spec))[0]);
    expect(after).toMatchObject({ sha: rewritten, previousSha: moved, forcePushed: true });
  });

  it.each([
    [
      'a symlink that leaves the checkout',
      () => symlinkSync('../../../etc/passwd', join(work, 'k8s-resources', 'evil.yaml')),
      'k8s-resources/evil.yaml: is a symlink to "../../../etc/passwd", which leaves the checkout',
    ],
    [
      'a chain of symlinks whose target climbs out through another link',
      () => {
        // `s` points at its own folder: `s/s/…/../..` stays inside when read as text, but the
        // kernel climbs from the real folder at every `..`, out of the checkout to /etc/passwd.
        symlinkSync('.', join(work, 'k8s-resources', 's'));
        symlinkSync(
          `${'s/'.repeat(30)}${'../'.repeat(31)}etc/passwd`,
          join(work, 'k8s-resources', 'evil.yaml'),
        );
      },
      'k8s-resources/evil.yaml: is a symlink that resolves outside the checkout',
    ],
    [
      'a file over the size cap',
      () => writeFileSync(join(work, 'k8s-resources', 'huge.yaml'), 'x'.repeat(4096)),
      'k8s-resources/huge.yaml: is 4096 bytes, over the 1024-byte limit',
    ],
  ])('refuses %s, naming the path', async (_what, make, message) => {
    const branch = `bad-${Math.random().toString(36).slice(2, 7)}`;
    git(work, 'checkout', '-q', '-b', branch, shaDev);
    make();
    commit(branch, 'bad', {});
    const s = source();
    const [head] = await s.fetch([{ env: 'x', branch }]);
    await expect(s.checkout(revisionOf(head))).rejects.toThrow(message);
  });
});

it('says authentication was refused for a wrong token, without printing it', async () => {
  const s = createGitSource(
    {
      url: http.url,
      backend: 'isomorphic',
      pollIntervalMs: 1000,
      watch: false,
      auth: { tokenEnv: 'GIT_TOKEN' },
    },
    { dir: mkdtempSync(join(root, 'ws-')), keep: 2, maxFileBytes: 1024 },
    silentLog(),
    { GIT_TOKEN: 'wrong-token' },
  );
  const [head] = await s.fetch([{ env: 'dev', branch: 'dev' }]);
  expect(head?.kind).toBe('error');
  const message = head?.kind === 'error' ? head.error.message : '';
  expect(message).toContain('authentication was refused');
  expect(message).not.toContain('wrong-token');
});
