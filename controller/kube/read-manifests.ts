import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { CairnError } from '../errors';
import { parseManifestFile, unsupported, type ParsedObject } from './parse-manifests';

/** The folder of a workspace that holds the cluster's state. */
export const K8S_FOLDER = 'k8s-resources';

const MANIFEST = /\.(ya?ml|json)$/i;
const KUSTOMIZE = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization']);
// A manifest larger than this is refused: no real manifest is, and reading it could exhaust memory.
const MAX_FILE_BYTES = 8 * 1024 * 1024;

/**
 * Reads every `*.yaml`, `*.yml` and `*.json` under `k8s-resources/` of a workspace, recursively and in
 * a stable order. Symlinks are refused so that nothing outside the checkout is read. A missing folder
 * yields no objects.
 */
export async function readManifests(workspaceDir: string): Promise<readonly ParsedObject[]> {
  const root = join(workspaceDir, K8S_FOLDER);
  const rootStat = await lstat(root).catch(() => undefined);
  if (!rootStat) return [];
  if (!rootStat.isDirectory()) throw notPlain(K8S_FOLDER, 'is not a plain folder');
  const files = await walk(workspaceDir, K8S_FOLDER);
  const out: ParsedObject[] = [];
  for (const file of files) {
    const text = await readFile(join(workspaceDir, file), 'utf8');
    out.push(...parseManifestFile(text, file));
  }
  return out;
}

async function walk(workspaceDir: string, rel: string): Promise<readonly string[]> {
  const entries = await readdir(join(workspaceDir, rel), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (entries.some((e) => e.name === 'Chart.yaml'))
    throw unsupported(posix.join(rel, 'Chart.yaml'), 'a Helm chart');
  const kustomization = entries.find((e) => KUSTOMIZE.has(e.name));
  if (kustomization) throw unsupported(posix.join(rel, kustomization.name), 'a kustomization');
  const files: string[] = [];
  for (const entry of entries) {
    const path = posix.join(rel, entry.name);
    if (entry.isSymbolicLink()) throw notPlain(path, 'is a symbolic link, which cairn does not follow');
    if (entry.isDirectory()) files.push(...(await walk(workspaceDir, path)));
    else if (entry.isFile() && MANIFEST.test(entry.name)) {
      const { size } = await lstat(join(workspaceDir, path));
      if (size > MAX_FILE_BYTES)
        throw notPlain(path, `is ${size} bytes, over the ${MAX_FILE_BYTES}-byte limit`);
      files.push(path);
    }
  }
  return files;
}

function notPlain(file: string, what: string): CairnError {
  return new CairnError(what, {
    code: 'kube.file',
    phase: 'plan',
    subject: file,
    hint: 'commit plain manifest files inside k8s-resources/',
  });
}
