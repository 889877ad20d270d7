import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { CairnError } from '../../controller/model';
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

function refuse(subject: string, message: string): CairnError {
  return new CairnError(message, {
    code: 'synth.escapes-output',
    phase: 'synthesize',
    subject,
    hint: 'an app may only reference files inside its own output folder',
  });
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

/**
 * The largest template CloudFormation takes (from S3; 51,200 bytes inline). The deployer reads a
 * template whole, twice over (text and parsed): a bigger one could only exhaust the controller's
 * memory, for every environment, before CloudFormation refused it.
 */
export const MAX_TEMPLATE_BYTES = 1024 * 1024;

/**
 * The largest cloud assembly manifest or asset manifest cairn parses. They are read and validated
 * synchronously, on the event loop every environment shares: 41 MB took 2.3 s and 215 MB of memory,
 * so an unbounded one stalls or kills the controller. A large real app's stays a few MB.
 */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

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
 * Refuses an output folder with a `manifest.json` (the assembly's, or a nested assembly's) over
 * MAX_MANIFEST_BYTES, before the CDK's reader parses it. Links are not followed (checkConfined
 * refuses those that leave the folder).
 */
export function checkManifestSizes(dir: string, root = dir): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) checkManifestSizes(path, root);
    else if (entry.isFile() && entry.name === 'manifest.json')
      requireAtMost(path, MAX_MANIFEST_BYTES, `cdk.out/${relative(root, path)}`, 'cairn reads');
  }
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
      requireAtMost(file, MAX_MANIFEST_BYTES, `stack ${stack.stackName} asset manifest`, 'cairn reads');
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as AssetManifestFile;
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
