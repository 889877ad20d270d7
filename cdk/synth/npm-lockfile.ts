import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CairnError, rememberSecrets } from '../../controller/model';
import { npmrcSecrets } from './npm-credentials';

/** The files as errors name them (the repository's paths, whatever the checkout folder). */
export const LOCKFILE_SUBJECT = 'aws-resources/package-lock.json';
const PACKAGE_SUBJECT = 'aws-resources/package.json';

/**
 * The public registry. A lockfile made against it is fetched from the configured registry (npm's
 * `replace-registry-host` rewrites it there by default) or, with that switched off, from it: a
 * public host either way, not one a committer chose.
 */
const PUBLIC_REGISTRY = 'https://registry.npmjs.org/';

// npm package names (validate-npm-package-name, old names' capitals allowed): no leading dot or
// underscore, so no segment is `.` or `..`.
const NAME = '(?:@[a-z0-9~-][a-z0-9._~-]*/)?[a-z0-9~-][a-z0-9._~-]*';
// A range or a dist-tag as npm-package-arg reads it: none of `/ : @ \`, no leading dot, so never a
// path (`.`, `..`, `~/`, `C:`), a URL (`scheme:`), a Git remote (`git@host:`) or a GitHub
// shorthand (`owner/repo`).
const RANGE = '(?:[0-9a-z*~^<>=][0-9a-z._*+~^<>=|\\s-]*)?';
const REGISTRY_SPEC = new RegExp(`^(?:${RANGE}|npm:${NAME}(?:@${RANGE})?)$`, 'i');
const OVERRIDE_KEY = new RegExp(`^(?:\\.|${NAME}(?:@${RANGE})?)$`, 'i');
const OVERRIDE_REFERENCE = new RegExp(`^\\$${NAME}$`, 'i');
const PACKAGE_NAME = new RegExp(`^${NAME}$`, 'i');
// Where npm installs a package: node_modules folders only, never a workspace or a link target.
const PACKAGE_PATH = new RegExp(`^node_modules/${NAME}(?:/node_modules/${NAME})*$`, 'i');
const VERSION = /^\d+\.\d+\.\d+(?:-[0-9a-z.-]+)?(?:\+[0-9a-z.-]+)?$/i;
const SHA512 = /^sha512-[A-Za-z0-9+/]{86}==$/;
const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];

interface Refusal {
  /** The file and where in it: `package-lock.json node_modules/a`, `package.json dependencies.a`. */
  readonly where: string;
  readonly reason: string;
}

/** What a spec or URL a committer wrote is, in words that never repeat it (it may carry a token). */
function kindOf(text: string): string {
  if (
    /^git[+:]|^(?:github|gitlab|bitbucket|gist):|^[^/:@]+\/[^/:@]+$|^[^@/:]+@[^:/]+:|\.git(?:#|$)/i.test(text)
  )
    return 'a Git repository';
  if (/^(?:file:|[./\\~]|[a-z]:)/i.test(text)) return 'a path';
  if (/^[a-z][a-z0-9+.-]*:/i.test(text)) return `a URL (${text.slice(0, text.indexOf(':')).toLowerCase()}:)`;
  return 'not a version range, dist-tag or npm: alias';
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The check itself, given the registry: a list of refusals (empty when npm would fetch nothing but
 * the registry's tarballs). Every dependency spec npm may resolve while it builds its tree (the
 * root's and every locked package's) must be a registry spec, and every locked package a registry
 * tarball by a sha512 integrity, installed under node_modules.
 */
function refusalsOf(lockText: string, packageText: string, registry: string): Refusal[] {
  const refusals: Refusal[] = [];
  const refuse = (where: string, reason: string) => refusals.push({ where, reason });
  const specs = (file: string, owner: string, holder: Record<string, unknown>) => {
    for (const field of DEPENDENCY_FIELDS) {
      const map = holder[field];
      if (map === undefined) continue;
      if (!isObject(map)) {
        refuse(`${file} ${owner}${field}`, 'is not an object');
        continue;
      }
      Object.entries(map).forEach(([name, spec], index) => {
        const where = `${file} ${owner}${field}.${PACKAGE_NAME.test(name) ? name : `#${index + 1}`}`;
        if (!PACKAGE_NAME.test(name)) refuse(where, 'is not a package name');
        else if (typeof spec !== 'string') refuse(where, 'is not a string');
        else if (!REGISTRY_SPEC.test(spec))
          refuse(where, `is ${kindOf(spec)}, not a package of the registry`);
      });
    }
  };
  // The root's alone (a locked package may name its own, which npm ignores): npm reads each
  // workspace's package.json and empties its node_modules, wherever the pattern points.
  const root = (file: string, owner: string, holder: Record<string, unknown>) => {
    specs(file, owner, holder);
    if (holder.workspaces !== undefined) refuse(`${file} ${owner}workspaces`, 'is not allowed');
  };

  let pkg: unknown;
  try {
    pkg = JSON.parse(packageText);
  } catch {
    pkg = undefined;
  }
  if (!isObject(pkg)) refuse('package.json', 'is not a JSON object');
  else {
    root('package.json', '', pkg);
    if (pkg.overrides !== undefined) overrides(pkg.overrides, 'overrides', refuse);
  }

  let lock: unknown;
  try {
    lock = JSON.parse(lockText);
  } catch {
    lock = undefined;
  }
  if (!isObject(lock)) {
    refuse('package-lock.json', 'is not a JSON object');
    return refusals;
  }
  // Version 1 (and a file without `packages`) is read from its `dependencies` tree, whose
  // versions may be URLs; 2 and 3 are read from `packages` alone.
  if (lock.lockfileVersion !== 2 && lock.lockfileVersion !== 3)
    refuse('package-lock.json lockfileVersion', 'must be 2 or 3 (npm 7 or later)');
  const packages = lock.packages;
  if (!isObject(packages) || !isObject(packages[''])) {
    refuse('package-lock.json packages', 'must hold the root package ""');
    return refusals;
  }
  Object.entries(packages).forEach(([path, entry], index) => {
    if (path === '') return root('package-lock.json', 'packages[""].', entry as Record<string, unknown>);
    const where = `package-lock.json ${PACKAGE_PATH.test(path) ? path : `packages entry #${index + 1}`}`;
    if (!PACKAGE_PATH.test(path))
      return refuse(where, 'is not a path node_modules/<name>[/node_modules/<name>…]');
    if (!isObject(entry)) return refuse(where, 'is not an object');
    if (entry.link !== undefined) return refuse(`${where} link`, 'is not allowed (a link to a folder)');
    // Without `resolved` npm fetches `<name>@<version>`, so either may be a URL or a path.
    if (typeof entry.version !== 'string' || !VERSION.test(entry.version))
      refuse(`${where} version`, 'is not a version x.y.z');
    if (entry.name !== undefined && (typeof entry.name !== 'string' || !PACKAGE_NAME.test(entry.name)))
      refuse(`${where} name`, 'is not a package name');
    if (entry.resolved !== undefined) {
      const why = offRegistry(entry.resolved, registry);
      if (why) refuse(`${where} resolved`, why);
    }
    // Only a package bundled in its parent's tarball comes without its own integrity.
    const needsIntegrity = entry.inBundle !== true || entry.resolved !== undefined;
    if (needsIntegrity && (typeof entry.integrity !== 'string' || !SHA512.test(entry.integrity)))
      refuse(`${where} integrity`, 'is not one sha512 digest');
    specs('package-lock.json', `${path} `, entry);
  });
  return refusals;
}

/** Checks package.json's `overrides`: registry specs or `$name` references, at any depth. */
function overrides(value: unknown, where: string, refuse: (where: string, reason: string) => void): void {
  if (typeof value === 'string') {
    if (!REGISTRY_SPEC.test(value) && !OVERRIDE_REFERENCE.test(value))
      refuse(`package.json ${where}`, `is ${kindOf(value)}, not a package of the registry`);
    return;
  }
  if (!isObject(value)) return refuse(`package.json ${where}`, 'is neither a spec nor an object');
  Object.entries(value).forEach(([key, inner], index) => {
    const named = OVERRIDE_KEY.test(key);
    if (!named) refuse(`package.json ${where} #${index + 1}`, 'is not a package name or name@range');
    else overrides(inner, `${where}.${key}`, refuse);
  });
}

/** Why a `resolved` is not a tarball URL of the registry (or the public one), or undefined. */
function offRegistry(resolved: unknown, registry: string): string | undefined {
  if (typeof resolved !== 'string') return 'is not a string';
  let url: URL | undefined;
  try {
    url = new URL(resolved);
  } catch {
    url = undefined;
  }
  const plain = url && url.href === resolved && !url.username && !url.password && !url.search && !url.hash;
  if (plain && (resolved.startsWith(registry) || resolved.startsWith(PUBLIC_REGISTRY))) return undefined;
  if (!url || !/^https?:$/.test(url.protocol)) return `is ${kindOf(resolved)}, not a tarball of the registry`;
  return `is not a plain tarball URL of the registry ${new URL(registry).origin}`;
}

/**
 * Checks an npm app's package.json and package-lock.json before `npm ci` reads them, as
 * pinnedRequirements does a requirements.txt before pip: npm must fetch nothing but tarballs of
 * `registry` (the one npm is configured with) or of the public registry, each pinned by a sha512
 * integrity. Refused, naming each package path or field (never the URL or spec: it may carry a
 * token), is anything that would make npm, which runs outside the sandbox as cairn's user with
 * cairn's npm and Git configuration, reach beyond: a Git dependency (cloned, with cairn's Git
 * credentials or SSH keys, from any host or cairn's own disk), a `file:` tarball or a link
 * (`link: true`, copied or linked from any path into the node_modules the app is given), a
 * `resolved` or a version on another host or scheme (a GET from cairn's host), a dependency spec
 * of package.json or of a locked package that is not a registry spec (npm resolves those before
 * it checks that the files agree), `workspaces` (npm empties each workspace's node_modules, any
 * folder), and lockfile version 1.
 */
export function checkNpmLockfile(files: { lockfile: string; packageJson: string }, registry: string): void {
  const base = new URL(registry).href;
  const refusals = refusalsOf(files.lockfile, files.packageJson, base.endsWith('/') ? base : `${base}/`);
  if (refusals.length === 0) return;
  const shown = refusals.slice(0, 5).map((r) => `${r.where} ${r.reason}`);
  if (refusals.length > shown.length) shown.push(`and ${refusals.length - shown.length} more`);
  const inPackageJson = refusals.every((r) => r.where.startsWith('package.json'));
  throw new CairnError(`asks npm for more than the registry's packages (${shown.join('; ')})`, {
    code: 'synth.npm-lockfile',
    phase: 'synthesize',
    subject: inPackageJson ? PACKAGE_SUBJECT : LOCKFILE_SUBJECT,
    hint: 'depend on registry packages by version range only and commit the lockfile `npm install` writes (version 2 or 3); cairn installs nothing from Git, a path, a link, a workspace or another host',
  });
}

/** The registries npm was found configured with, by HOME (its user configuration). */
const registries = new Map<string, Promise<string>>();

/**
 * The registry npm fetches from with this environment (the machine's and `HOME`'s npm
 * configuration, as for `npm ci`, whose folder holds no `.npmrc`), asked once per process and
 * HOME with `npm config get`: a change of ~/.npmrc is seen at the next start. The registry
 * credentials of the same npmrc files (user and global) are remembered for masking then, before
 * `npm ci` can print them (`npmrcSecrets`).
 */
export function npmRegistry(env: Readonly<Record<string, string>>, timeoutMs: number): Promise<string> {
  const key = env.HOME ?? '';
  const known = registries.get(key);
  if (known) return known;
  // From the root, above which is no package.json: npm reads no project configuration.
  const asked = promisify(execFile)('npm', ['config', 'get', 'registry', 'userconfig', 'globalconfig'], {
    cwd: '/',
    env,
    timeout: timeoutMs,
  })
    .then(({ stdout }) => {
      // One `key=value` line per setting asked.
      const settings = new Map(
        stdout
          .split('\n')
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1).trim()]),
      );
      for (const file of [settings.get('userconfig'), settings.get('globalconfig')])
        if (file) rememberSecrets(npmrcSecrets(file));
      return settings.get('registry') ?? '';
    })
    .catch(() => '')
    .then((registry) => {
      if (/^https?:\/\/\S+$/.test(registry)) return registry;
      throw new CairnError('npm did not say which registry it uses (npm config get registry)', {
        code: 'synth.deps',
        phase: 'synthesize',
        subject: LOCKFILE_SUBJECT,
        retryable: true,
        hint: 'check that npm is on PATH and its configuration (~/.npmrc) is readable',
      });
    });
  registries.set(key, asked);
  asked.catch(() => registries.delete(key));
  return asked;
}
