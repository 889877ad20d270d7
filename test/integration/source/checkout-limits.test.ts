import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { closeSync, existsSync, lstatSync, mkdtempSync, openSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { silentLog } from '../../../controller/log';
import { MAX_CHECKOUT_FILES } from '../../../controller/source/checkout';
import { createGitSource } from '../../../controller/source/create-git-source';
import { serveGitHttp, type GitHttpServer } from '../../helpers/git-http-server';
import { createTestRepo, runGit, type TestRepo } from '../../helpers/git-repo';

const root = join(__dirname, '..', '..', '..');
const tsx = join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs');
const child = join(root, 'test', 'helpers', 'checkout-in-child.ts');
const MB = 1024 * 1024;

let repo: TestRepo;
let http: GitHttpServer;
let packed: string;

beforeAll(async () => {
  repo = createTestRepo('limits', {
    dev: { 'k8s-resources/cm.yaml': 'kind: ConfigMap\n', 'aws-resources/bin/run.sh': '#!/bin/sh\n' },
  });
  runGit(repo.work, 'update-index', '--chmod=+x', 'aws-resources/bin/run.sh');
  runGit(repo.work, 'commit', '-q', '-m', 'executable');
  runGit(repo.work, 'push', '-q', 'origin', 'dev');
  // A 200 MB blob that compresses to a few hundred KB: a small repository with a huge file.
  runGit(repo.work, 'checkout', '-q', '-b', 'big', 'dev');
  const fd = openSync(join(repo.work, 'k8s-resources', 'huge.bin'), 'w');
  const chunk = Buffer.alloc(MB, 'cairn ');
  for (let i = 0; i < 200; i++) writeSync(fd, chunk);
  closeSync(fd);
  runGit(repo.work, 'add', '-A');
  runGit(repo.work, 'commit', '-q', '-m', 'add a 200 MB file');
  runGit(repo.work, 'push', '-q', 'origin', 'big');
  // The same history, packed, for reading a pack in place.
  packed = join(repo.root, 'packed.git');
  runGit(repo.root, 'clone', '-q', '--bare', repo.bare, packed);
  runGit(packed, 'gc', '-q');
  // A branch of MAX_CHECKOUT_FILES + 1 empty files: a few hundred KB of repository.
  const empty = runGit(repo.bare, 'hash-object', '-w', '/dev/null').trim();
  const listing = Array.from(
    { length: MAX_CHECKOUT_FILES + 1 },
    (_, i) => `100644 blob ${empty}\tf${String(i).padStart(7, '0')}.txt\n`,
  ).join('');
  const mktree = (input: string) =>
    execFileSync('git', ['mktree'], { cwd: repo.bare, input, encoding: 'utf8', maxBuffer: 64 * MB }).trim();
  const k8s = mktree(listing);
  const top = mktree(`040000 tree ${k8s}\tk8s-resources\n`);
  const many = runGit(
    repo.bare,
    '-c',
    'user.name=a',
    '-c',
    'user.email=a@b',
    'commit-tree',
    top,
    '-m',
    'many',
  );
  runGit(repo.bare, 'update-ref', 'refs/heads/many', many.trim());
  http = await serveGitHttp(repo.bare);
}, 120_000);
afterAll(async () => {
  await http?.close();
  repo?.remove();
});

interface ChildOutcome {
  readonly stage: 'fetch' | 'checkout';
  readonly code?: string;
  readonly message: string;
  readonly baselineMb: number;
  readonly peakMb: number;
}

// Asynchronous: the HTTP server the child fetches from runs in this process.
async function checkoutInChild(backend: string, url: string, maxFileBytes: number): Promise<ChildOutcome> {
  const dir = mkdtempSync(join(repo.root, 'ws-'));
  const { stdout: out } = await promisify(execFile)(
    process.execPath,
    [tsx, child, backend, url, 'big', dir, String(maxFileBytes)],
    {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
    },
  );
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as ChildOutcome;
}

describe.each(['isomorphic', 'native'] as const)('the %s backend', (backend) => {
  it.each([
    ['a loose object, read in place', () => repo.bare],
    ['a packed object, read in place', () => packed],
    ['git http-backend', () => http.url],
  ])(
    'refuses a 200 MB blob (%s) before inflating it, with a low peak RSS',
    async (via, url) => {
      // when a branch holding a 200 MB file is fetched and checked out with a 50 MB cap, in a child process
      const outcome = await checkoutInChild(backend, url(), 50 * MB);
      // then it is refused, naming the file (isomorphic-git over HTTP: at fetch, naming the size,
      // because isomorphic-git would inflate every fetched object to index the pack)
      expect(outcome.code).toBe('source.file-too-large');
      if (backend === 'isomorphic' && via === 'git http-backend') {
        expect(outcome.stage).toBe('fetch');
        expect(outcome.message).toContain('209715200-byte blob, over the 52428800-byte limit');
      } else {
        expect(outcome.stage).toBe('checkout');
        expect(outcome.message).toContain('k8s-resources/huge.bin: is 209715200 bytes');
      }
      // and the process never held the file: its peak RSS stayed far below 200 MB above its start
      process.stdout.write(
        `${backend} ${via}: peak RSS ${outcome.peakMb.toFixed(0)} MB (at start ${outcome.baselineMb.toFixed(0)} MB)\n`,
      );
      expect(outcome.peakMb - outcome.baselineMb).toBeLessThan(100);
    },
    60_000,
  );

  it('refuses a commit of more files than a checkout may hold, before writing any', async () => {
    // given a branch of MAX_CHECKOUT_FILES + 1 empty files (one blob, a tiny repository)
    const workspaces = join(mkdtempSync(join(repo.root, 'ws-')), 'workspaces');
    const source = createGitSource(
      { url: repo.bare, backend, pollIntervalMs: 1000, watch: false },
      { dir: workspaces, keep: 2, maxFileBytes: MB },
      silentLog(),
      {},
    );
    const [head] = await source.fetch([{ env: 'many', branch: 'many' }]);
    if (head?.kind !== 'revision') throw new Error(`no revision: ${JSON.stringify(head)}`);
    // when it is checked out
    const error = await source.checkout(head.revision).then(
      () => undefined,
      (e: unknown) => e,
    );
    // then it is refused with the count and the limit, and nothing was written
    expect(error).toMatchObject({ code: 'source.too-many-files' });
    expect(String(error)).toContain(
      `holds ${MAX_CHECKOUT_FILES + 1} files, over the ${MAX_CHECKOUT_FILES}-file limit`,
    );
    const envDir = join(workspaces, 'checkouts', 'many');
    expect(existsSync(envDir) ? readdirSync(envDir, { recursive: true }) : []).toEqual([]);
    await source.close();
  }, 60_000);

  it('writes a checkout only its owner can read: folders 0700, files 0400 (0500 when executable)', async () => {
    // given a fetched branch
    const workspaces = join(mkdtempSync(join(repo.root, 'ws-')), 'workspaces');
    const source = createGitSource(
      { url: http.url, backend, pollIntervalMs: 1000, watch: false },
      { dir: workspaces, keep: 2, maxFileBytes: MB },
      silentLog(),
      {},
    );
    const [head] = await source.fetch([{ env: 'dev', branch: 'dev' }]);
    if (head?.kind !== 'revision') throw new Error(`no revision: ${JSON.stringify(head)}`);
    // when it is checked out
    const ws = await source.checkout(head.revision);
    // then the workspaces folder, the environment's folder and every folder of the checkout is 0700 and every file 0400 or 0500
    const mode = (p: string) => lstatSync(p).mode & 0o777;
    expect(mode(workspaces)).toBe(0o700);
    expect(mode(join(ws.dir, '..'))).toBe(0o700);
    const seen: [string, number][] = [];
    const walk = (dir: string, rel: string): void => {
      seen.push([rel || '.', mode(dir)]);
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (lstatSync(path).isDirectory()) walk(path, rel ? `${rel}/${name}` : name);
        else seen.push([rel ? `${rel}/${name}` : name, mode(path)]);
      }
    };
    walk(ws.dir, '');
    expect(Object.fromEntries(seen)).toEqual({
      '.': 0o700,
      'aws-resources': 0o700,
      'aws-resources/bin': 0o700,
      'aws-resources/bin/run.sh': 0o500,
      'k8s-resources': 0o700,
      'k8s-resources/cm.yaml': 0o400,
    });
    await source.close();
  }, 30_000);
});
