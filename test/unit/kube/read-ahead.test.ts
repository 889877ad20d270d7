import * as fsp from 'node:fs/promises';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readManifests } from '../../../controller/kube/read-manifests';

// readManifests reads plain files a few ahead of the parse. Counted and failed here on purpose;
// every other call reaches the real readFile.
jest.mock('node:fs/promises', () => {
  const actual = jest.requireActual<typeof fsp>('node:fs/promises');
  return { ...actual, readFile: jest.fn(actual.readFile) };
});
const readFile = fsp.readFile as jest.MockedFunction<typeof fsp.readFile>;

const configMap = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ${name}}\n`;

describe('reading a tree ahead of its parse', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cairn-read-ahead-'));
    await mkdir(join(dir, 'k8s-resources'));
    readFile.mockClear();
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps the files in order, with each its own objects', async () => {
    const names = Array.from({ length: 30 }, (_, i) => `cm-${String(i).padStart(2, '0')}`);
    for (const n of names) await writeFile(join(dir, 'k8s-resources', `${n}.yaml`), configMap(n));
    const objects = await readManifests(dir);
    expect(objects.map((o) => [o.file, o.object.metadata.name])).toEqual(
      names.map((n) => [`k8s-resources/${n}.yaml`, n]),
    );
    expect(readFile).toHaveBeenCalledTimes(30);
  });

  it("reports a file's failed read when its turn comes, naming nothing else", async () => {
    for (const n of ['a', 'b', 'c']) await writeFile(join(dir, 'k8s-resources', `${n}.yaml`), configMap(n));
    readFile.mockImplementation(async (path, options) => {
      if (String(path).endsWith('b.yaml')) throw new Error(`EIO: i/o error, open '${String(path)}'`);
      return jest.requireActual<typeof fsp>('node:fs/promises').readFile(path, options);
    });
    await expect(readManifests(dir)).rejects.toThrow(/EIO: i\/o error, open '.*b\.yaml'/);
    readFile.mockImplementation(jest.requireActual<typeof fsp>('node:fs/promises').readFile);
  });

  it('leaves no read unhandled when the tree is refused before it is reached', async () => {
    // A kustomization first, refused without a renderer; the files after it were read ahead, and
    // one of those reads fails: the refusal is the answer, and the process is not brought down.
    await mkdir(join(dir, 'k8s-resources', 'a-overlay'));
    await writeFile(join(dir, 'k8s-resources', 'a-overlay', 'kustomization.yaml'), 'resources: []\n');
    for (const n of ['b', 'c']) await writeFile(join(dir, 'k8s-resources', `${n}.yaml`), configMap(n));
    readFile.mockImplementation(async (path) => {
      throw new Error(`EIO: i/o error, open '${String(path)}'`);
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await expect(readManifests(dir)).rejects.toMatchObject({
        subject: 'k8s-resources/a-overlay/kustomization.yaml',
      });
      for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(readFile).toHaveBeenCalledTimes(2);
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      readFile.mockImplementation(jest.requireActual<typeof fsp>('node:fs/promises').readFile);
    }
  });
});
