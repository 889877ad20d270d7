import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { CairnError, fileKind } from '../../controller/model';
import { safeOutput } from '../../controller/model/secret-mask';
import {
  MAX_MANIFEST_BYTES,
  MAX_TEMPLATE_BYTES,
  readAssemblyJson,
  refuse,
  unreadable,
} from '../assembly-files';

export { MAX_MANIFEST_BYTES, MAX_TEMPLATE_BYTES } from '../assembly-files';
import type { Assembly } from '../types';

/** One asset source as an asset manifest writes it (files and Docker images share these fields). */
interface AssetSource {
  readonly path?: string;
  readonly directory?: string;
  readonly executable?: readonly string[];
}

interface AssetManifestFile {
  readonly files?: Readonly<Record<string, { readonly source?: AssetSource }>>;
  readonly dockerImages?: Readonly<Record<string, { readonly source?: AssetSource }>>;
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Throws when `path` (after following links) is outside `root`; a dangling link counts as outside. */
function requireInside(root: string, path: string, subject: string): void {
  let real: string;
  try {
    real = realpathSync(path);
  } catch {
    throw refuse(subject, `points at ${relative(root, path)}, which does not exist in the output folder`);
  }
  if (!inside(root, real)) throw refuse(subject, 'points outside the output folder');
}

function requireAtMost(path: string, maxBytes: number, subject: string, why: string): void {
  const { size } = statSync(path);
  if (size <= maxBytes) return;
  throw new CairnError(`is ${size} bytes, over the ${maxBytes}-byte limit ${why}`, {
    code: 'synth.too-large',
    phase: 'synthesize',
    subject,
    hint: 'split the app into smaller stacks, or move large inline content (code, policies) into assets',
  });
}

/**
 * Refuses an output folder holding anything but regular files and folders (a link, a FIFO, a
 * socket, a device), a `manifest.json` (the assembly's, or a nested assembly's) over
 * MAX_MANIFEST_BYTES, or more than `maxBytes` of files in all (`aws.maxAssemblyBytes`, naming the
 * biggest). Nothing is opened: only lstat, so a FIFO cannot block the event loop every environment
 * shares and a link cannot make cairn read a host file.
 */
function walkOutput(root: string, maxBytes: number): void {
  let total = 0;
  const files: { readonly subject: string; readonly size: number }[] = [];
  const folders = [root];
  for (let dir = folders.pop(); dir !== undefined; dir = folders.pop()) {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const subject = `cdk.out/${relative(root, path)}`;
      const info = lstatSync(path);
      if (info.isDirectory()) folders.push(path);
      else if (info.isSymbolicLink())
        throw refuse(subject, "is a link; cairn reads only regular files and folders from an app's output");
      else if (!info.isFile())
        throw unreadable(
          subject,
          `is ${fileKind(info)}; cairn reads only regular files and folders from an app's output`,
        );
      else {
        if (name === 'manifest.json') requireAtMost(path, MAX_MANIFEST_BYTES, subject, 'cairn reads');
        total += info.size;
        files.push({ subject, size: info.size });
      }
    }
  }
  if (total <= maxBytes) return;
  // Found in review: an app could stage an asset of any size, and publishing it read it whole into
  // the controller every environment shares (1 GiB in the install's manifests): one commit could
  // have it killed for memory, every environment with it, again at every retry.
  const biggest = files
    .sort((a, b) => b.size - a.size)
    .slice(0, 3)
    .map((f) => `${f.subject} (${f.size} bytes)`);
  throw new CairnError(
    `holds ${total} bytes of files, over the ${maxBytes}-byte limit; the biggest: ${biggest.join(', ')}`,
    {
      code: 'synth.too-large',
      phase: 'synthesize',
      subject: 'cdk.out',
      hint: "keep large files out of the app's assets (cairn reads each asset whole to publish it), or raise aws.maxAssemblyBytes for this environment",
    },
  );
}

/** The nested assemblies a manifest may hold, one inside another: far beyond any real app's stages. */
const MAX_NESTING = 16;

type Json = Record<string, unknown>;
const record = (value: unknown): Json | undefined =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;

/**
 * Checks one path an assembly file names, relative to `base`: a string, not absolute, resolving
 * inside the output folder (`..` may move within it, never out), and there as a regular file (or
 * a folder, for `folder`). Nothing outside is looked at: the path is refused before any lstat.
 */
function requireNamedInside(
  root: string,
  base: string,
  value: unknown,
  subject: string,
  what: string,
  expect: 'file' | 'folder' | 'any',
): string {
  if (typeof value !== 'string') throw unreadable(subject, `${what} is not a path`);
  const shown = safeOutput(value, 200);
  if (isAbsolute(value)) throw refuse(subject, `${what} ${shown} is an absolute path`);
  const path = resolve(base, value);
  if (!inside(root, path)) throw refuse(subject, `${what} ${shown} leaves the output folder`);
  let info;
  try {
    info = lstatSync(path);
  } catch {
    throw unreadable(subject, `${what} ${shown} does not exist in the output folder`);
  }
  const ok =
    expect === 'file'
      ? info.isFile()
      : expect === 'folder'
        ? info.isDirectory()
        : info.isFile() || info.isDirectory();
  if (!ok) throw unreadable(subject, `${what} ${shown} is ${fileKind(info)}`);
  return path;
}

/** Checks the paths of `aws:cdk:asset` metadata entries (a source `path`, a Dockerfile `file` in it). */
function checkAssetMetadata(
  root: string,
  dir: string,
  metadata: unknown,
  subject: string,
  artifact: string,
): void {
  for (const list of Object.values(record(metadata) ?? {})) {
    if (!Array.isArray(list)) continue;
    for (const entry of list.map(record)) {
      const data = record(entry?.data);
      if (entry?.type !== 'aws:cdk:asset' || !data) continue;
      const what = `artifact ${safeOutput(artifact, 200)}'s asset metadata`;
      if (data.path === undefined) continue;
      const source = requireNamedInside(root, dir, data.path, subject, `${what} path`, 'any');
      if (data.file !== undefined)
        requireNamedInside(root, source, data.file, subject, `${what} file`, 'file');
    }
  }
}

/**
 * Checks the paths the `manifest.json` of the assembly in `dir` names, before the CDK's reader
 * follows them: each artifact's additionalMetadataFile (and the asset metadata in it), template,
 * asset manifest or tree file, nested assembly folder (whose own manifest is checked in turn) and
 * asset metadata paths.
 */
function checkManifestPaths(root: string, dir: string, depth: number, seen: Set<string>): void {
  const file = join(dir, 'manifest.json');
  const subject = `cdk.out/${relative(root, file)}`;
  if (seen.has(dir)) throw unreadable(subject, 'is reached twice through nested assemblies');
  seen.add(dir);
  const manifest = record(readAssemblyJson(file, MAX_MANIFEST_BYTES, subject)) ?? {};
  for (const [id, value] of Object.entries(record(manifest.artifacts) ?? {})) {
    const artifact = record(value) ?? {};
    const what = (field: string) => `artifact ${safeOutput(id, 200)}'s ${field}`;
    const properties = record(artifact.properties) ?? {};
    checkAssetMetadata(root, dir, artifact.metadata, subject, id);
    if (artifact.additionalMetadataFile !== undefined) {
      const path = requireNamedInside(
        root,
        dir,
        artifact.additionalMetadataFile,
        subject,
        what('additionalMetadataFile'),
        'file',
      );
      const shown = `cdk.out/${relative(root, path)}`;
      checkAssetMetadata(root, dir, readAssemblyJson(path, MAX_MANIFEST_BYTES, shown), shown, id);
    }
    if (properties.templateFile !== undefined)
      requireNamedInside(root, dir, properties.templateFile, subject, what('templateFile'), 'file');
    if (properties.file !== undefined)
      requireNamedInside(root, dir, properties.file, subject, what('file'), 'file');
    if (properties.directoryName !== undefined) {
      const nested = requireNamedInside(
        root,
        dir,
        properties.directoryName,
        subject,
        what('directoryName'),
        'folder',
      );
      if (depth >= MAX_NESTING) throw unreadable(subject, `nests assemblies more than ${MAX_NESTING} deep`);
      checkManifestPaths(root, nested, depth + 1, seen);
    }
  }
}

/**
 * Checks an app's output folder before anything reads it as an assembly (the CDK's reader opens
 * `manifest.json` and every file it names, synchronously, with cairn's rights): only regular files
 * and folders in it, `maxBytes` of them at most (walkOutput), every manifest read safely and under its cap, and every path a
 * manifest names inside the folder. After this, the folder holds nothing a read can block on or
 * follow out, and (the app gone, the folder cairn's own) nothing can put such a thing there.
 */
export function checkOutputFolder(dir: string, maxBytes: number): void {
  const top = lstatSync(dir);
  if (top.isSymbolicLink()) throw refuse('cdk.out', 'is a link');
  if (!top.isDirectory()) throw unreadable('cdk.out', `is ${fileKind(top)}`);
  const root = realpathSync(dir);
  walkOutput(root, maxBytes);
  checkManifestPaths(root, root, 0, new Set());
}

function checkLinks(root: string, dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) requireInside(root, path, relative(root, path));
    else if (entry.isDirectory()) checkLinks(root, path);
  }
}

/**
 * Refuses an assembly that would make cairn read or run something outside the app's output
 * folder: the app wrote it, and cairn reads it with its own rights. A link or a template, asset
 * manifest or asset source resolving outside would let the app publish a controller file (a
 * kubeconfig zipped as an asset); an `executable` asset source would run a command in the controller.
 * A template over CloudFormation's size limit is refused before the deployer reads it.
 */
export function checkConfined(assembly: Assembly): void {
  if (lstatSync(assembly.dir).isSymbolicLink()) throw refuse('cdk.out', 'is a link');
  const root = realpathSync(assembly.dir);
  checkLinks(root, root);
  for (const stack of assembly.stacks) {
    requireInside(root, stack.templateFile, `stack ${stack.stackName} template`);
    requireAtMost(
      stack.templateFile,
      MAX_TEMPLATE_BYTES,
      `stack ${stack.stackName} template`,
      'CloudFormation takes',
    );
    for (const file of stack.assetManifests) {
      requireInside(root, file, `stack ${stack.stackName} asset manifest`);
      const manifest = (record(
        readAssemblyJson(file, MAX_MANIFEST_BYTES, `stack ${stack.stackName} asset manifest`),
      ) ?? {}) as AssetManifestFile;
      const sources = [
        ...Object.entries(manifest.files ?? {}),
        ...Object.entries(manifest.dockerImages ?? {}),
      ];
      for (const [id, asset] of sources) {
        const subject = `stack ${stack.stackName} asset ${id}`;
        if (asset.source?.executable)
          throw refuse(subject, 'is built by a command, which cairn does not run');
        const where = asset.source?.path ?? asset.source?.directory;
        if (where !== undefined) requireInside(root, resolve(dirname(file), where), subject);
      }
    }
  }
}
