import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkNpmLockfile } from '../../../cdk/synth/npm-lockfile';
import type { CairnError } from '../../../controller/model';

const NPMJS = 'https://registry.npmjs.org/';
const TOKEN = 'npm_cairnTestToken5d1c9e';

/** A real CDK app's files: `npm install --package-lock-only` of aws-cdk-lib and constructs. */
const APP = join(__dirname, '../../fixtures/npm-lockfiles/cdk-app');
const appLock = () =>
  JSON.parse(readFileSync(join(APP, 'package-lock.json'), 'utf8')) as {
    lockfileVersion: number;
    packages: Record<string, Record<string, unknown>>;
    [field: string]: unknown;
  };
const appPackage = () =>
  JSON.parse(readFileSync(join(APP, 'package.json'), 'utf8')) as Record<string, unknown>;
const sha512 = (c: string) => `sha512-${c.repeat(86)}==`;

/** The app's files with `change` made to a copy of the lockfile and of package.json. */
const files = (
  change: (lock: ReturnType<typeof appLock>, pkg: Record<string, unknown>) => void = () => undefined,
) => {
  const lock = appLock();
  const pkg = appPackage();
  change(lock, pkg);
  return { lockfile: JSON.stringify(lock), packageJson: JSON.stringify(pkg) };
};

/** A locked package `node_modules/<name>` (and the root's dependency on it). */
const locked = (name: string, entry: Record<string, unknown>) => (lock: ReturnType<typeof appLock>) => {
  lock.packages[`node_modules/${name}`] = entry;
  (lock.packages['']!.dependencies as Record<string, string>)[name] = '^1.0.0';
};
const registryEntry = (name: string) => ({
  version: '1.0.0',
  resolved: `${NPMJS}${name}/-/${name}-1.0.0.tgz`,
  integrity: sha512('A'),
});

const refusal = (input: { lockfile: string; packageJson: string }, registry = NPMJS): CairnError => {
  try {
    checkNpmLockfile(input, registry);
  } catch (error) {
    return error as CairnError;
  }
  throw new Error('accepted');
};

/**
 * npm ci runs outside the sandbox as cairn's user, with cairn's npm and Git configuration; the
 * app's package.json and package-lock.json are checked first, so npm fetches nothing but registry
 * tarballs pinned by a sha512 integrity. Every form below made real npm reach beyond the registry
 * (test/integration/cdk/npm-lockfile.test.ts shows the worst of them).
 */
describe('checkNpmLockfile', () => {
  it('accepts a real CDK app lockfile (registry tarballs, bundled packages without integrity)', () => {
    expect(() => checkNpmLockfile(files(), NPMJS)).not.toThrow();
  });

  it("accepts cairn's own lockfile (no resolved URLs: omit-lockfile-registry-resolved)", () => {
    const root = join(__dirname, '../../..');
    const own = {
      lockfile: readFileSync(join(root, 'package-lock.json'), 'utf8'),
      packageJson: readFileSync(join(root, 'package.json'), 'utf8'),
    };
    expect(() => checkNpmLockfile(own, NPMJS)).not.toThrow();
  });

  it('accepts tarballs of the configured registry (a path under it) and of the public one', () => {
    const mirror = 'https://npm.example.com/api/npm/remote';
    const input = files(
      locked('mirrored', {
        ...registryEntry('mirrored'),
        resolved: `${mirror}/mirrored/-/mirrored-1.0.0.tgz`,
      }),
    );
    expect(() => checkNpmLockfile(input, mirror)).not.toThrow();
    expect(() => checkNpmLockfile(input, `${mirror}/`)).not.toThrow();
    // the public registry's own URLs, which npm sends to the configured registry by default
    expect(() => checkNpmLockfile(files(), mirror)).not.toThrow();
  });

  it('accepts npm: aliases, dist-tags and ranges', () => {
    const input = files((lock, pkg) => {
      pkg.dependencies = {
        ...(pkg.dependencies as object),
        a: 'npm:@scope/real@^1.2.0',
        b: 'latest',
        c: '>=1 <2 || 3.x',
      };
      lock.packages['node_modules/a'] = { ...registryEntry('real'), name: '@scope/real' };
    });
    expect(() => checkNpmLockfile(input, NPMJS)).not.toThrow();
  });

  it.each([
    [
      'a git+file:// dependency (a repository on the controller)',
      locked('secret', {
        version: '1.0.0',
        resolved: 'git+file:///var/lib/cairn/git#0123abc',
        integrity: sha512('A'),
      }),
      'node_modules/secret resolved is a Git repository',
    ],
    [
      'a git+https:// dependency (cairn’s Git credentials)',
      locked('priv', { version: '1.0.0', resolved: 'git+https://git.corp.example/p.git#0123abc' }),
      'node_modules/priv resolved is a Git repository',
    ],
    [
      'a git+ssh:// dependency (cairn’s SSH keys)',
      locked('priv', { version: '1.0.0', resolved: 'git+ssh://git@github.com/corp/p.git#0123abc' }),
      'node_modules/priv resolved is a Git repository',
    ],
    [
      'a link to an absolute path',
      (lock: ReturnType<typeof appLock>) => {
        lock.packages['node_modules/abs'] = { resolved: '/etc', link: true };
        lock.packages['/etc'] = { name: 'abs', version: '1.0.0' };
      },
      'node_modules/abs link is not allowed',
    ],
    [
      'a link to ../..',
      locked('rel', { resolved: '../..', link: true }),
      'node_modules/rel link is not allowed',
    ],
    [
      'a package outside node_modules (a link target)',
      (lock: ReturnType<typeof appLock>) => {
        lock.packages['../../other-env'] = { version: '1.0.0', resolved: `${NPMJS}x/-/x-1.0.0.tgz` };
      },
      'packages entry #',
    ],
    [
      'a path with ..',
      (lock: ReturnType<typeof appLock>) => {
        lock.packages['node_modules/../../x'] = registryEntry('x');
      },
      'is not a path node_modules/<name>',
    ],
    [
      'a file: tarball',
      locked('tgz', { version: '1.0.0', resolved: 'file:../../backup.tgz', integrity: sha512('A') }),
      'node_modules/tgz resolved is a path',
    ],
    [
      'a tarball on another host (a GET from the controller)',
      locked('a', { ...registryEntry('a'), resolved: 'http://127.0.0.1:8081/internal/admin?all=1' }),
      'node_modules/a resolved is not a plain tarball URL of the registry https://registry.npmjs.org',
    ],
    [
      'a host that only starts like the registry',
      locked('a', {
        ...registryEntry('a'),
        resolved: 'https://registry.npmjs.org.evil.example/a/-/a-1.0.0.tgz',
      }),
      'node_modules/a resolved is not a plain tarball URL',
    ],
    [
      'the registry over http (the token would go in clear)',
      locked('a', { ...registryEntry('a'), resolved: 'http://registry.npmjs.org/a/-/a-1.0.0.tgz' }),
      'node_modules/a resolved is not a plain tarball URL',
    ],
    [
      'the registry with credentials in the URL',
      locked('a', {
        ...registryEntry('a'),
        resolved: `https://u:${TOKEN}@registry.npmjs.org/a/-/a-1.0.0.tgz`,
      }),
      'node_modules/a resolved is not a plain tarball URL',
    ],
    [
      'the registry with a query',
      locked('a', { ...registryEntry('a'), resolved: `${NPMJS}a/-/a-1.0.0.tgz?token=${TOKEN}` }),
      'node_modules/a resolved is not a plain tarball URL',
    ],
    [
      'a dot segment climbing out of the registry path',
      locked('a', { ...registryEntry('a'), resolved: `${NPMJS}../../a.tgz` }),
      'node_modules/a resolved is not a plain tarball URL',
    ],
    [
      'no integrity',
      locked('a', { version: '1.0.0', resolved: `${NPMJS}a/-/a-1.0.0.tgz` }),
      'node_modules/a integrity is not one sha512 digest',
    ],
    [
      'a sha1 integrity',
      locked('a', { ...registryEntry('a'), integrity: 'sha1-2jmj7l5rSw0yVb/vlWAYkK/YBwk=' }),
      'node_modules/a integrity is not one sha512 digest',
    ],
    [
      'a URL as the version (fetched as name@version without resolved)',
      locked('v', { version: 'http://127.0.0.1:8081/v.tgz', integrity: sha512('A') }),
      'node_modules/v version is not a version x.y.z',
    ],
    [
      'an alias name that is not a package name',
      locked('v', { ...registryEntry('v'), name: 'x@git+file:///srv/repo' }),
      'node_modules/v name is not a package name',
    ],
    [
      'a bundled package at the root, fetched from its resolved',
      (lock: ReturnType<typeof appLock>, pkg: Record<string, unknown>) => {
        pkg.bundleDependencies = ['b'];
        locked('b', { version: '1.0.0', resolved: 'http://127.0.0.1:8081/b.tgz', inBundle: true })(lock);
      },
      'node_modules/b resolved is not a plain tarball URL',
    ],
    [
      'a locked package depending on a URL (resolved before the sync check)',
      (lock: ReturnType<typeof appLock>) => {
        lock.packages['node_modules/constructs']!.dependencies = { nested: 'http://127.0.0.1:8081/n.tgz' };
      },
      'node_modules/constructs dependencies.nested is a URL (http:)',
    ],
    [
      'package.json depending on Git (cloned before the sync check)',
      (_: unknown, pkg: Record<string, unknown>) => {
        pkg.dependencies = { ...(pkg.dependencies as object), x: 'git+https://git.corp.example/x.git' };
      },
      'package.json dependencies.x is a Git repository',
    ],
    [
      'package.json depending on a GitHub shorthand (cairn’s SSH keys)',
      (_: unknown, pkg: Record<string, unknown>) => {
        pkg.devDependencies = { owner: 'some-owner/some-repo' };
      },
      'package.json devDependencies.owner is a Git repository',
    ],
    [
      'package.json depending on a parent folder',
      (_: unknown, pkg: Record<string, unknown>) => {
        pkg.optionalDependencies = { up: '..' };
      },
      'package.json optionalDependencies.up is a path',
    ],
    [
      'package.json depending on a file: path',
      (_: unknown, pkg: Record<string, unknown>) => {
        pkg.peerDependencies = { f: 'file:/etc' };
      },
      'package.json peerDependencies.f is a path',
    ],
    [
      'package.json overriding with a URL',
      (_: unknown, pkg: Record<string, unknown>) => {
        pkg.overrides = { constructs: { semver: 'https://example.com/s.tgz' } };
      },
      'package.json overrides.constructs.semver is a URL (https:)',
    ],
    [
      'package.json workspaces (npm empties their node_modules, anywhere)',
      (_: unknown, pkg: Record<string, unknown>) => {
        pkg.workspaces = ['../../../opt/cairn'];
      },
      'package.json workspaces is not allowed',
    ],
    [
      'lockfile version 1',
      (lock: ReturnType<typeof appLock>) => {
        lock.lockfileVersion = 1;
      },
      'lockfileVersion must be 2 or 3',
    ],
    [
      'a lockfile without packages (read from its v1 dependencies tree)',
      (lock: ReturnType<typeof appLock>) => {
        lock.dependencies = { v: { version: 'http://127.0.0.1:8081/v.tgz' } };
        delete (lock as { packages?: unknown }).packages;
      },
      'packages must hold the root package ""',
    ],
  ])('refuses %s', (_what, change, reason) => {
    const error = refusal(files(change));
    expect(error).toMatchObject({ code: 'synth.npm-lockfile', phase: 'synthesize', retryable: false });
    expect(error.subject).toMatch(/^aws-resources\/package(-lock)?\.json$/);
    expect(error.message).toContain(reason);
    // never the URL or spec itself (it may carry a token), and never the registry's
    for (const word of [TOKEN, '127.0.0.1', 'corp.example', '/etc', 'evil', 'opt/cairn', 'some-repo'])
      expect(error.message).not.toContain(word);
  });

  it('names at most five refusals, then how many more', () => {
    const error = refusal(
      files((lock) => {
        for (const n of ['a', 'b', 'c', 'd', 'e', 'f', 'g'])
          locked(n, { version: '1.0.0', resolved: '../x', link: true })(lock);
      }),
    );
    expect(error.message).toContain('node_modules/e link');
    expect(error.message).not.toContain('node_modules/f link');
    expect(error.message).toContain('and 2 more');
  });

  it('refuses files that are not JSON objects', () => {
    expect(refusal({ lockfile: '[]', packageJson: '{}' }).message).toContain(
      'package-lock.json is not a JSON object',
    );
    expect(refusal({ lockfile: JSON.stringify(appLock()), packageJson: 'nope' }).subject).toBe(
      'aws-resources/package.json',
    );
  });
});
