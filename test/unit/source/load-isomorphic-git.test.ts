import { spawnSync } from 'node:child_process';
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
  it("answers isomorphic-git's sha.js with node:crypto, and none of sha.js's polyfills load", () => {
    // given a fresh process that loads isomorphic-git through the loader
    const out = inFreshProcess(`
      const loaded = Object.keys(require.cache);
      const sha = loaded.find((k) => k.endsWith('/sha.js/sha1.js'));
      return {
        shaExport: sha && require.cache[sha].exports.name,
        polyfills: loaded.filter((k) => /node_modules\\/(to-buffer|typed-array-buffer|get-intrinsic)\\//.test(k)),
      };`);
    // then sha.js's module is the node:crypto one, and its dependencies were never read
    expect(out.shaExport).toBe('NodeSha1');
    expect(out.polyfills).toEqual([]);
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
