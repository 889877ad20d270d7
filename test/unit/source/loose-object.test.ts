import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { IsomorphicReader } from '../../../controller/source/isomorphic-reader';
import { readLooseBlob } from '../../../controller/source/loose-object';
import { createTestRepo, runGit, type TestRepo } from '../../helpers/git-repo';

let repo: TestRepo;
const files = {
  'k8s-resources/a.yaml': 'a: 1\n'.repeat(1000),
  'k8s-resources/b.yaml': 'b: 2\n',
};

beforeEach(() => {
  repo = createTestRepo('loose', { dev: files });
});
afterEach(() => repo?.remove());

const blobOf = (path: string) => runGit(repo.bare, 'rev-parse', `dev:${path}`);
const looseFile = (oid: string) => join(repo.bare, 'objects', oid.slice(0, 2), oid.slice(2));
const sizeOf = (oid: string) => Number(runGit(repo.bare, 'cat-file', '-s', oid));

describe('readLooseBlob', () => {
  it('reads a loose blob as git does, and leaves a packed one to the general reader', async () => {
    // given a pushed blob, loose in the bare repository
    const oid = blobOf('k8s-resources/a.yaml');
    // then its bytes are git's
    const bytes = await readLooseBlob(repo.bare, oid, sizeOf(oid));
    expect(bytes?.toString()).toBe(files['k8s-resources/a.yaml']);
    // and once packed it is not found loose, while the reader still returns it (through isomorphic-git)
    runGit(repo.bare, 'gc', '-q');
    expect(await readLooseBlob(repo.bare, oid, sizeOf(oid))).toBeUndefined();
    const reader = new IsomorphicReader(repo.bare, true, join(repo.root, 'cache'));
    const read = await reader.readBlobs([oid, blobOf('k8s-resources/b.yaml')], 1 << 20);
    expect(read.get(oid)?.toString()).toBe(files['k8s-resources/a.yaml']);
    expect(read.get(blobOf('k8s-resources/b.yaml'))?.toString()).toBe(files['k8s-resources/b.yaml']);
  });

  it('refuses a loose file whose content does not hash to its id', async () => {
    // given a.yaml's loose file replaced by a well-formed object of other content, same size
    const oid = blobOf('k8s-resources/a.yaml');
    const size = sizeOf(oid);
    chmodSync(looseFile(oid), 0o644);
    writeFileSync(looseFile(oid), deflateSync(Buffer.from(`blob ${size}\0${'x'.repeat(size)}`)));
    // then reading it fails, naming the object, and so does the checkout's read
    await expect(readLooseBlob(repo.bare, oid, size)).rejects.toThrow(
      `loose object ${oid} does not hash to its id`,
    );
    const reader = new IsomorphicReader(repo.bare, true, join(repo.root, 'cache'));
    await expect(reader.readBlobs([oid], 1 << 20)).rejects.toThrow('does not hash to its id');
  });

  it('never inflates past the size it was told, nor reads a path that is no object id', async () => {
    // given a blob whose file inflates to far more than the size the caller checked
    const oid = blobOf('k8s-resources/a.yaml');
    expect(readFileSync(looseFile(oid)).length).toBeLessThan(sizeOf(oid));
    // then the inflate stops at that size and fails
    await expect(readLooseBlob(repo.bare, oid, 100)).rejects.toThrow(/larger than|buffer/i);
    // and an id that is not 40 hex digits is no path: not even to an object-like file it would reach
    const outside = `x${oid.slice(7)}`;
    writeFileSync(join(repo.root, outside), deflateSync(Buffer.from('blob 2\0hi')));
    expect(await readLooseBlob(repo.bare, `../../${outside}`, 2)).toBeUndefined();
  });
});
