import { createHash } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { createLog } from '../../../controller/log';
import { synthInPlace, workspaceWith } from './cdk-fixture';

jest.setTimeout(120_000);

/** Another local user: not cairn's uid (the test runs as root). */
const OTHER_UID = 12345;

const PACKAGE = JSON.stringify({ name: 'app', version: '1.0.0' });
const LOCK = JSON.stringify({
  name: 'app',
  version: '1.0.0',
  lockfileVersion: 3,
  requires: true,
  packages: { '': { name: 'app', version: '1.0.0' } },
});

/** The cache entry name synthesize.ts derives from the lockfile and package.json. */
const entry = createHash('sha256').update(LOCK).update(PACKAGE).digest('hex').slice(0, 16);

/**
 * Plants `<cacheDir>/<entry>/node_modules/aws-cdk-lib` whose code writes `marker` (then hands over
 * the real library, so a planted cache would go unnoticed), owned and moded as the case says.
 */
function plant(cacheDir: string, marker: string, owner: { dir: number; entry: number }, mode: number): void {
  const lib = join(cacheDir, entry, 'node_modules', 'aws-cdk-lib');
  mkdirSync(lib, { recursive: true });
  writeFileSync(join(lib, 'package.json'), JSON.stringify({ name: 'aws-cdk-lib', main: 'index.js' }));
  writeFileSync(
    join(lib, 'index.js'),
    `require('fs').writeFileSync(${JSON.stringify(marker)}, 'planted code ran');\nmodule.exports = require(${JSON.stringify(dirname(require.resolve('aws-cdk-lib/package.json')))});\n`,
  );
  for (const path of [join(cacheDir, entry), join(cacheDir, entry, 'node_modules'), lib])
    chownSync(path, owner.entry, owner.entry);
  chownSync(cacheDir, owner.dir, owner.dir);
  chmodSync(cacheDir, mode);
}

describe('the dependency cache', () => {
  it.each([
    [
      'owned by another uid',
      { dir: OTHER_UID, entry: OTHER_UID },
      0o700,
      "owned by uid 12345, not cairn's uid 0",
    ],
    ['open to everyone (0777, root)', { dir: 0, entry: 0 }, 0o777, 'its mode 0777 lets others write it'],
    ['of cairn, holding an entry of another uid', { dir: 0, entry: OTHER_UID }, 0o700, 'owned by uid 12345'],
  ])(
    'is refused when %s: moved aside, rebuilt, and the planted code never runs',
    async (_, owner, mode, reason) => {
      // given an app with a lockfile, and a cache someone planted for exactly that lockfile
      const workspaceDir = workspaceWith({ stacks: [{ name: 'Data', queues: ['Jobs'] }] });
      writeFileSync(join(workspaceDir, 'aws-resources', 'package.json'), PACKAGE);
      writeFileSync(join(workspaceDir, 'aws-resources', 'package-lock.json'), LOCK);
      const root = mkdtempSync(join(tmpdir(), 'cairn-deps-test-'));
      const cacheDir = join(root, 'cairn-cdk-deps');
      const marker = join(root, 'MARKER');
      plant(cacheDir, marker, owner, mode);
      const lines = new PassThrough();
      let logged = '';
      lines.on('data', (chunk: Buffer) => (logged += chunk.toString()));
      // when cairn synthesizes it (the app loads aws-cdk-lib through the cache first on NODE_PATH)
      const assembly = await synthInPlace(workspaceDir, cacheDir, createLog({ destination: lines }));
      // then the synth worked with the real library, and the planted code never ran
      expect(assembly.stacks.map((s) => s.id)).toEqual(['Data']);
      expect(existsSync(marker)).toBe(false);
      // the log says why, in one line with its code
      const refusal = logged
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => l.code === 'cache.untrusted');
      expect(refusal).toHaveLength(1);
      expect(refusal[0]).toMatchObject({ what: 'dependency cache', level: 40 });
      expect(String(refusal[0]!.reason)).toContain(reason);
      // the cache was rebuilt: cairn's own, 0700, holding a fresh install and nothing planted
      expect(logged).toContain('installing the CDK app dependencies');
      const dir = lstatSync(cacheDir);
      expect({ uid: dir.uid, mode: dir.mode & 0o777 }).toEqual({ uid: 0, mode: 0o700 });
      expect(lstatSync(join(cacheDir, entry)).uid).toBe(0);
      expect(existsSync(join(cacheDir, entry, 'node_modules', 'aws-cdk-lib', 'index.js'))).toBe(false);
      // and what was planted is gone, not kept beside it
      expect(readdirSync(root).filter((n) => n.includes('untrusted'))).toEqual([]);
      expect(readdirSync(cacheDir).filter((n) => n.includes('untrusted'))).toEqual([]);
    },
  );
});
