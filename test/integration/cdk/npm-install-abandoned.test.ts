import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { noneRunner } from '../../../cdk/synth/synth-runner';
import { synthesizeApp } from '../../../cdk/synth/synthesize';
import { silentLog } from '../../../controller/log';
import { listenOnLoopback, type LoopbackServer } from '../../helpers/net';
import { sandboxTarget, workspaceWith } from './cdk-fixture';

jest.setTimeout(180_000);

/** Polls `check` every 50 ms until it is true (fails after `ms`, naming `what`). */
async function until(what: string, check: () => boolean, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The real `npm ci` of a synth (synthesizeApp, outside the sandbox) against a loopback registry that
 * holds its tarball until the test lets it go: a synth whose caller gives up stops waiting at once,
 * and npm, shared by the synths with the same lockfile, is killed only once all of them gave up.
 */
describe('npm ci of a synth abandoned by its caller', () => {
  let dir: string;
  let registry: LoopbackServer;
  let tarball: Buffer;
  /** Tarball requests held, each with whether npm closed its connection. */
  const held: { res: ServerResponse; closed: boolean }[] = [];
  const savedHome = process.env.HOME;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-npm-abandon-'));
    mkdirSync(join(dir, 'tiny', 'package'), { recursive: true });
    writeFileSync(
      join(dir, 'tiny', 'package', 'package.json'),
      JSON.stringify({ name: 'tiny', version: '1.0.0' }),
    );
    writeFileSync(join(dir, 'tiny', 'package', 'index.js'), 'module.exports = 1;\n');
    execFileSync('tar', ['czf', join(dir, 'tiny.tgz'), '-C', join(dir, 'tiny'), 'package']);
    tarball = readFileSync(join(dir, 'tiny.tgz'));
    registry = await listenOnLoopback(
      createServer((req, res) => {
        if (req.url !== '/tiny/-/tiny-1.0.0.tgz') return void res.writeHead(404).end();
        const entry = { res, closed: false };
        res.on('close', () => (entry.closed = true));
        held.push(entry);
      }),
    );
  });
  afterAll(async () => {
    process.env.HOME = savedHome;
    await registry.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Answers every tarball request held so far. */
  const release = () => {
    for (const h of held.splice(0)) if (!h.closed) h.res.writeHead(200).end(tarball);
  };

  /** A synth of an app whose lockfile needs the registry's tarball, into `cacheDir`, given up with `signal`. */
  const synth = (cacheDir: string, signal?: AbortSignal): Promise<unknown> => {
    const workspaceDir = workspaceWith({ stacks: [{ name: 'Data', queues: ['Jobs'] }] });
    const pkg = { name: 'app', version: '1.0.0', dependencies: { tiny: '^1.0.0' } };
    const lock = {
      name: 'app',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': pkg,
        'node_modules/tiny': {
          version: '1.0.0',
          resolved: `${registry.url}/tiny/-/tiny-1.0.0.tgz`,
          integrity: `sha512-${createHash('sha512').update(tarball).digest('base64')}`,
        },
      },
    };
    writeFileSync(join(workspaceDir, 'aws-resources', 'package.json'), JSON.stringify(pkg));
    writeFileSync(join(workspaceDir, 'aws-resources', 'package-lock.json'), JSON.stringify(lock));
    return synthesizeApp({
      workspaceDir,
      env: 'dev',
      target: sandboxTarget(),
      commitSha: 'c1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
      log: silentLog(),
      cacheDir,
      runner: noneRunner(),
      ...(signal ? { signal } : {}),
    }).then(
      (assembly) => assembly,
      (error: unknown) => error,
    );
  };

  /** A HOME whose npm configuration names the loopback registry, with an empty npm cache. */
  const freshHome = () => {
    const home = mkdtempSync(join(dir, 'home-'));
    writeFileSync(join(home, '.npmrc'), `registry=${registry.url}/\nupdate-notifier=false\n`);
    process.env.HOME = home;
  };

  it('stops waiting at once, and leaves the install running for a synth that still waits', async () => {
    // Given two synths of the same lockfile, one of a plan that will give up, npm waiting for the tarball
    freshHome();
    const cacheDir = join(dir, 'cache-shared');
    const plan = new AbortController();
    const abandoned = synth(cacheDir, plan.signal);
    const staying = synth(cacheDir);
    await until('npm asking for the tarball', () => held.length > 0);

    // When the plan gives up
    const gaveUp = Date.now();
    plan.abort();

    // Then its synth fails as abandoned within a second, while npm still waits for its answer
    expect(await abandoned).toMatchObject({ code: 'synth.abandoned' });
    expect(Date.now() - gaveUp).toBeLessThan(1000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(held.every((h) => !h.closed)).toBe(true);

    // And once the registry answers, the synth that waited gets the install and its app's stacks
    release();
    expect(await staying).toMatchObject({ stacks: [{ id: 'Data' }] });
  });

  it('kills npm once every synth waiting for it gave up, and leaves nothing in the cache', async () => {
    // Given two synths of the same lockfile, both of plans that will give up, npm waiting for the tarball
    freshHome();
    const cacheDir = join(dir, 'cache-abandoned');
    const first = new AbortController();
    const second = new AbortController();
    const synths = [synth(cacheDir, first.signal), synth(cacheDir, second.signal)];
    await until('npm asking for the tarball', () => held.length > 0);

    // When the first gives up, npm goes on for the second
    first.abort();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(held.every((h) => !h.closed)).toBe(true);

    // And when the second gives up too, npm is killed (its connection to the registry closes)
    second.abort();
    for (const result of await Promise.all(synths)) expect(result).toMatchObject({ code: 'synth.abandoned' });
    await until('npm killed', () => held.every((h) => h.closed), 5_000);
    // and its folder removed: nothing is installed, nothing half-made is left
    await until('the install folder removed', () =>
      existsSync(cacheDir) ? readdirSync(cacheDir).length === 0 : true,
    );
    held.length = 0;
  });
});
