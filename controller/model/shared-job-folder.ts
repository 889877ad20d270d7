import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, lchownSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Log } from './log';
import { ensurePrivateFolder } from './private-folder';

/** The folders under the work root the runner's group may pass through; every other one stays 0700. */
const SHARED_FOLDERS = ['synth', 'cdk-deps', 'python-deps'];

/** A fresh job folder on the volume shared with a sidecar runner, and the group they share. */
export interface SharedJobFolder {
  readonly root: string;
  /** The work root's group: the pod's fsGroup, which the runner's container is a member of. */
  readonly gid: number;
}

/**
 * Makes a job folder for a runner in another container, `<workRoot>/synth/<prefix><random>`: the
 * runner's group may pass through the work root and the synth folder (0710: it cannot list them,
 * so it cannot find another job's folder by name: the name carries 128 random bits). Everything
 * else under the work root (Git cache, checkouts) is kept 0700. The CDK synth and the Kustomize
 * and Helm renders make theirs here, so both are prepared the same way.
 */
export function makeSharedJobFolder(workRoot: string, prefix: string, log: Log): SharedJobFolder {
  const gid = sharedGroupOf(workRoot, log);
  for (const entry of readdirSync(workRoot, { withFileTypes: true }))
    if (entry.isDirectory() && !SHARED_FOLDERS.includes(entry.name))
      chmodSync(join(workRoot, entry.name), 0o700);
  chmodSync(workRoot, 0o710);
  const synthDir = ensurePrivateFolder(join(workRoot, 'synth'), {
    what: 'synth folder',
    log,
    maxMode: 0o710,
  });
  chownSync(synthDir, statSync(synthDir).uid, gid);
  // setgid: a job's folders are born in the shared group.
  chmodSync(synthDir, 0o2710);
  const root = join(synthDir, `${prefix}${randomBytes(16).toString('hex')}`);
  mkdirSync(root, { mode: 0o700 });
  return { root, gid };
}

/**
 * Opens a tree to `gid`: folders 0750 (0770 when `writable`), files 0640 (0750 when executable),
 * all in that group. Only the runner's container shares that group (the pod's fsGroup); other
 * users get nothing, and the group never writes what is not `writable`.
 */
export function shareTree(path: string, gid: number, writable = false): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return lchownSync(path, stat.uid, gid);
  chownSync(path, stat.uid, gid);
  if (stat.isDirectory()) {
    chmodSync(path, writable ? 0o770 : 0o750);
    for (const name of readdirSync(path)) shareTree(join(path, name), gid, writable);
  } else chmodSync(path, stat.mode & 0o100 ? 0o750 : 0o640);
}

/**
 * The group a sidecar runner reads the work root through (the pod's fsGroup), after checking (or
 * making) the work root as cairn's own: the one check every folder shared with the runner starts from.
 */
export function sharedGroupOf(workRoot: string, log: Log): number {
  ensurePrivateFolder(workRoot, { what: 'workspaces folder', log, maxMode: 0o710 });
  return statSync(workRoot).gid;
}
