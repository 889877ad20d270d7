import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type { RepositoryConfig } from '../../../controller/config/types';
import { createLog } from '../../../controller/log';
import { createGitSource } from '../../../controller/source/create-git-source';
import type { Revision } from '../../../controller/source/types';
import { serveGitHttp, type GitHttpServer } from '../../helpers/git-http-server';

const root = mkdtempSync(join(tmpdir(), 'cairn-private-caches-'));
const bare = join(root, 'platform.git');
let http: GitHttpServer;
let sha: string;

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Ada', '-c', 'user.email=ada@example.com', ...args], {
    cwd,
    encoding: 'utf8',
  }).trim();
}

beforeAll(async () => {
  const work = join(root, 'work');
  mkdirSync(join(work, 'k8s-resources'), { recursive: true });
  writeFileSync(join(work, 'k8s-resources', 'cm.yaml'), 'kind: ConfigMap\n');
  git(root, 'init', '-q', '--bare', bare);
  git(work, 'init', '-q', '-b', 'dev');
  git(work, 'add', '-A');
  git(work, 'commit', '-q', '-m', 'first');
  git(work, 'push', '-q', bare, 'dev');
  sha = git(work, 'rev-parse', 'HEAD');
  http = await serveGitHttp(bare);
});

afterAll(async () => {
  await http.close();
});

describe.each(['isomorphic', 'native'] as const)('the %s Git source’s folders', (backend) => {
  it('refuses a Git cache and a checkouts folder another uid planted, rebuilds them, and serves the real commit', async () => {
    // given a workspaces folder whose Git cache and checkouts folder another local user made first
    const dir = mkdtempSync(join(root, 'ws-'));
    const planted = { git: join(dir, 'git'), checkouts: join(dir, 'checkouts', 'dev') };
    for (const p of Object.values(planted)) {
      mkdirSync(join(p, 'evil'), { recursive: true });
      chownSync(p, 12345, 12345);
    }
    chmodSync(join(dir, 'checkouts'), 0o777);
    const stream = new PassThrough();
    let logged = '';
    stream.on('data', (c: Buffer) => (logged += c.toString()));
    const repo: RepositoryConfig = { url: http.url, backend, pollIntervalMs: 1000, watch: false };
    // when cairn fetches and checks out through them
    const source = createGitSource(
      repo,
      { dir, keep: 2, maxFileBytes: 1 << 20 },
      createLog({ destination: stream }),
    );
    const [head] = await source.fetch([{ env: 'dev', branch: 'dev' }]);
    expect(head?.kind).toBe('revision');
    const workspace = await source.checkout((head as { revision: Revision }).revision);
    // then it checked out the real commit into folders of its own, 0700
    expect(workspace.sha).toBe(sha);
    expect(readFileSync(join(workspace.dir, 'k8s-resources', 'cm.yaml'), 'utf8')).toBe('kind: ConfigMap\n');
    for (const p of [planted.git, join(dir, 'checkouts'), planted.checkouts]) {
      const stat = lstatSync(p);
      expect({ p, uid: stat.uid, mode: stat.mode & 0o777 }).toEqual({ p, uid: 0, mode: 0o700 });
    }
    // and the log says why, once per folder, with its code
    const refusals = logged
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.code === 'cache.untrusted')
      .map((l) => [l.subject, l.what, l.reason]);
    expect(refusals).toEqual([
      [planted.git, 'Git cache', "it is owned by uid 12345, not cairn's uid 0"],
      [join(dir, 'checkouts'), 'workspaces folder', 'its mode 0777 lets others write it'],
    ]);
    await source.close();
  });
});
