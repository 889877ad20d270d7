import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestRepo, runGit, type TestRepo } from '../../helpers/git-repo';

jest.setTimeout(60_000);

const LOADER = join(__dirname, '..', '..', '..', 'controller', 'source', 'load-isomorphic-git.ts');

let repo: TestRepo;
beforeAll(() => {
  repo = createTestRepo('sha1', {
    dev: { 'k8s-resources/a.yaml': 'a: 1\n', 'k8s-resources/b.yaml': 'b: 2\n'.repeat(1000) },
  });
});
afterAll(() => repo?.remove());

/**
 * Runs `body` in a fresh Node process (jest's module registry is not Node's, so the module cache
 * the loader writes to exists only in a real process) and returns what it printed as JSON.
 */
function inFreshProcess(body: string): Record<string, unknown> {
  const script = `
    const { loadIsomorphicGit } = require(${JSON.stringify(LOADER)});
    const git = loadIsomorphicGit();
    (async () => { ${body} })().then((out) => process.stdout.write(JSON.stringify(out)),
      (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); });`;
  const run = spawnSync(process.execPath, ['--require', require.resolve('tsx/cjs'), '-e', script], {
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`the child failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

describe('loadIsomorphicGit', () => {
  it("answers isomorphic-git's sha.js and pako's inflate with node:crypto and node:zlib; their code never loads", () => {
    // given a fresh process that loads isomorphic-git through the loader and reads a commit's tree
    const out = inFreshProcess(`
      const fs = require('node:fs');
      const commit = await git.resolveRef({ fs, gitdir: ${JSON.stringify(repo.bare)}, ref: 'dev' });
      const { tree } = await git.readTree({ fs, gitdir: ${JSON.stringify(repo.bare)}, oid: commit });
      const loaded = Object.keys(require.cache);
      const exported = (name) => require.cache[loaded.find((k) => k.endsWith(name))].exports;
      return {
        sha: exported('/sha.js/sha1.js').name,
        pako: Object.keys(exported('/pako/index.js')).sort(),
        polyfills: loaded.filter((k) => /node_modules\\/(to-buffer|typed-array-buffer|get-intrinsic|pako\\/lib)\\//.test(k)),
        tree: tree.map((e) => e.path),
      };`);
    // then sha.js's and pako's modules are the node ones, their code and dependencies were never
    // read, and the tree was inflated all the same
    expect(out.sha).toBe('NodeSha1');
    expect(out.pako).toEqual(['Inflate', 'deflate', 'inflate']);
    expect(out.polyfills).toEqual([]);
    expect(out.tree).toEqual(['k8s-resources']);
  });

  it('reads and indexes a pack git wrote, and writes objects git reads', () => {
    // given the commit's objects packed by git itself, copied into an empty object store
    const gitdir = join(repo.root, 'store.git');
    runGit(repo.root, 'init', '-q', '--bare', gitdir);
    const packed = join(gitdir, 'objects', 'pack', 'pack-in.pack');
    const objects = runGit(repo.bare, 'rev-list', '--objects', 'dev');
    writeFileSync(
      packed,
      execFileSync('git', ['-C', repo.bare, 'pack-objects', '--stdout'], {
        input: objects
          .split('\n')
          .map((l) => l.split(' ')[0])
          .join('\n'),
      }),
    );
    const blob = runGit(repo.bare, 'rev-parse', 'dev:k8s-resources/b.yaml');
    // when isomorphic-git indexes it (pako's own streaming Inflate), reads a blob from it (node's
    // inflate) and writes a new blob
    const out = inFreshProcess(`
      const fs = require('node:fs');
      const gitdir = ${JSON.stringify(gitdir)};
      const { oids } = await git.indexPack({ fs, dir: gitdir, gitdir, filepath: 'objects/pack/pack-in.pack' });
      const { blob } = await git.readBlob({ fs, gitdir, oid: ${JSON.stringify(blob)} });
      const written = await git.writeBlob({ fs, gitdir, blob: Buffer.from('written: yes\\n') });
      return { oids: oids.length, blob: Buffer.from(blob).toString(), written };`);
    // then every object was indexed, the blob is git's, and git reads the written one
    expect(out.oids).toBe(objects.split('\n').length);
    expect(out.blob).toBe('b: 2\n'.repeat(1000));
    expect(runGit(gitdir, 'cat-file', '-p', out.written as string)).toBe('written: yes');
  });

  it('writes packs git itself accepts, and hashes objects as git does', () => {
    // given the objects of a real commit, packed by isomorphic-git (its one synchronous SHA-1: the
    // pack's trailing checksum) and hashed by it
    const oids = runGit(repo.bare, 'rev-list', '--objects', 'dev')
      .split('\n')
      .map((line) => line.split(' ')[0]!);
    const blob = runGit(repo.bare, 'rev-parse', 'dev:k8s-resources/b.yaml');
    const out = inFreshProcess(`
      const fs = require('node:fs');
      const { packfile } = await git.packObjects({ fs, gitdir: ${JSON.stringify(repo.bare)}, oids: ${JSON.stringify(oids)} });
      const { oid } = await git.hashBlob({ object: 'b: 2\\n'.repeat(1000) });
      return { pack: Buffer.from(packfile).toString('base64'), oid };`);
    const pack = join(repo.root, 'isomorphic.pack');
    writeFileSync(pack, Buffer.from(out.pack as string, 'base64'));
    // then git verifies the pack's checksum and finds every object in it, and the blob ids agree
    runGit(repo.root, 'index-pack', pack);
    const listed = runGit(repo.root, 'verify-pack', '-v', pack.replace(/\.pack$/, '.idx'));
    for (const oid of oids) expect(listed).toContain(oid);
    expect(out.oid).toBe(blob);
  });
});
