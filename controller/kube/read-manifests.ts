import { lstat, readdir, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { CairnError } from '../model/errors';
import { manifestDocuments, unsupported, type ParsedObject } from './parse-manifests';
import type * as RenderFolder from './render/render-folder';
import type { InputTransform, RendererKind, RenderSettings } from './render/types';

/** The folder of a workspace that holds the cluster's state. */
export const K8S_FOLDER = 'k8s-resources';

const MANIFEST = /\.(ya?ml|json)$/i;
const KUSTOMIZE = new Set(['kustomization.yaml', 'kustomization.yml', 'Kustomization']);
const CHART = 'Chart.yaml';
// A manifest larger than this is refused: no real manifest is, and reading it could exhaust memory.
const MAX_FILE_BYTES = 8 * 1024 * 1024;
// Parsing runs on the event loop of every environment: give it back at least this often.
const SLICE_MS = 20;
// How many plain files are read ahead of the one being parsed.
const READ_AHEAD = 8;

/** Limits on what one environment's tree may hold. */
export interface ReadLimits {
  /** Largest total size of the manifest files; a bigger tree is refused, naming its biggest files. */
  readonly maxBytes?: number;
  /** Rewrites each file's text before it is parsed (AWS outputs bound into manifests). */
  readonly transform?: InputTransform;
}

/**
 * Reads every `*.yaml`, `*.yml` and `*.json` under `k8s-resources/` of a workspace, recursively and in
 * a stable order; hidden files and folders (a name starting with `.`) are not applied (`checkHidden`).
 * Symlinks are refused so that nothing outside the checkout is read. A missing folder yields no
 * objects. Parsing yields to the event loop between documents every ~20 ms, so webhooks,
 * health checks and signals are served while a large tree is read.
 *
 * A folder holding a kustomization.yaml or a Chart.yaml is rendered whole (its subfolders are its
 * own) by `kustomize build` or `helm template` under `render`'s isolation, and its objects carry
 * `k8s-resources/<folder> (kustomize)` or `(helm chart)` as their file; without `render` such a
 * folder is refused.
 */
export async function readManifests(
  workspaceDir: string,
  limits: ReadLimits = {},
  render?: RenderSettings,
): Promise<readonly ParsedObject[]> {
  const root = join(workspaceDir, K8S_FOLDER);
  const rootStat = await lstat(root).catch(() => undefined);
  if (!rootStat) return [];
  if (!rootStat.isDirectory()) throw notPlain(K8S_FOLDER, 'is not a plain folder');
  const files = await walk(workspaceDir, K8S_FOLDER);
  if (limits.maxBytes !== undefined) checkTotal(files, limits.maxBytes);
  const out: ParsedObject[] = [];
  // Plain files are read a few ahead of the parse, so the next one is in memory when the parse
  // reaches it (the total is capped above). A read that fails is reported when its turn comes.
  const reads: (Promise<string> | undefined)[] = [];
  const readAhead = (i: number): void => {
    const item = files[i];
    if (!item || item.render) return;
    const read = readFile(join(workspaceDir, item.path), 'utf8');
    read.catch(() => undefined);
    reads[i] = read;
  };
  for (let i = 0; i < READ_AHEAD; i++) readAhead(i);
  let slice = performance.now();
  for (const [i, item] of files.entries()) {
    readAhead(i + READ_AHEAD);
    const { path } = item;
    let text: string;
    let file = path;
    if (item.render) {
      if (!render)
        throw unsupported(item.marker ?? path, item.render === 'helm' ? 'a Helm chart' : 'a kustomization');
      // Loaded only for a tree that renders: a tree of plain files never pays for the renderers' checks.
      const { renderedFile, renderFolder } = require('./render/render-folder') as typeof RenderFolder;
      text = await renderFolder(workspaceDir, path, item.render, render);
      file = renderedFile(path, item.render);
    } else {
      const raw = await reads[i]!;
      reads[i] = undefined;
      if (item.hidden) {
        checkHidden(path, raw);
        continue;
      }
      text = limits.transform ? limits.transform(path, raw) : raw;
    }
    for (const objects of manifestDocuments(text, file)) {
      out.push(...objects);
      if (performance.now() - slice > SLICE_MS) {
        await yieldToLoop();
        slice = performance.now();
      }
    }
  }
  return out;
}

interface Sized {
  readonly path: string;
  readonly size: number;
  /** Set for a folder rendered whole, with the file that made it one. */
  readonly render?: RendererKind;
  /** A file under a hidden name: checked to hold no object, never applied. */
  readonly hidden?: true;
  readonly marker?: string;
}

function checkTotal(files: readonly Sized[], maxBytes: number): void {
  const total = files.reduce((sum, f) => sum + f.size, 0);
  if (total <= maxBytes) return;
  const biggest = [...files]
    .sort((a, b) => b.size - a.size)
    .slice(0, 3)
    .map((f) => `${f.path} (${f.size} bytes)`);
  throw new CairnError(
    `the manifests total ${total} bytes, over the ${maxBytes}-byte limit; the biggest: ${biggest.join(', ')}`,
    {
      code: 'kube.too-large',
      phase: 'plan',
      subject: K8S_FOLDER,
      hint: 'remove generated or vendored files from k8s-resources/, or raise kubernetes.maxManifestBytes',
    },
  );
}

/**
 * Walks a folder for manifests and folders to render. Under a hidden name (`.github/`) nothing is
 * rendered and no link is followed; its YAML and JSON files are listed as hidden (see `readManifests`).
 */
async function walk(workspaceDir: string, rel: string, hiddenFolder = false): Promise<readonly Sized[]> {
  const entries = await readdir(join(workspaceDir, rel), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const chart = !hiddenFolder && entries.find((e) => e.name === CHART && e.isFile());
  const kustomization = !hiddenFolder && entries.find((e) => KUSTOMIZE.has(e.name) && e.isFile());
  if (chart && kustomization)
    throw notPlain(rel, 'holds both a Chart.yaml and a kustomization; cairn cannot tell which renders it');
  // The folder is rendered whole; its size counts against the rendered output's own limit.
  if (chart) return [{ path: rel, size: 0, render: 'helm', marker: posix.join(rel, CHART) }];
  if (kustomization)
    return [{ path: rel, size: 0, render: 'kustomize', marker: posix.join(rel, kustomization.name) }];
  const files: Sized[] = [];
  // The sizes of a folder's files are asked for at once, not one round trip after another.
  const sizes = entries.map((entry) =>
    entry.isFile() && MANIFEST.test(entry.name)
      ? lstat(join(workspaceDir, rel, entry.name)).then((s) => s.size)
      : undefined,
  );
  for (const size of sizes) size?.catch(() => undefined);
  for (const [i, entry] of entries.entries()) {
    const path = posix.join(rel, entry.name);
    const hidden = hiddenFolder || entry.name.startsWith('.');
    if (entry.isSymbolicLink()) {
      if (hidden) continue;
      throw notPlain(path, 'is a symbolic link, which cairn does not follow');
    }
    if (entry.isDirectory()) files.push(...(await walk(workspaceDir, path, hidden)));
    else if (sizes[i]) {
      const size = await sizes[i];
      if (size > MAX_FILE_BYTES)
        throw notPlain(path, `is ${size} bytes, over the ${MAX_FILE_BYTES}-byte limit`);
      files.push(hidden ? { path, size, hidden } : { path, size });
    }
  }
  return files;
}

// A top-level `apiVersion` and `kind`, in YAML or in JSON: what every object of a manifest has.
const OBJECT_KEYS = [/^(apiVersion:|\s*"apiVersion"\s*:)/m, /^(kind:|\s*"kind"\s*:)/m];

/**
 * Hidden files and folders are tools' own (`.sops.yaml`, `.yamllint.yml`, `.github/`), as in Flux's
 * default ignore list, and are not applied. One that holds an object is refused rather than
 * skipped: skipped, its objects would be pruned as gone from Git.
 */
function checkHidden(path: string, text: string): void {
  if (!OBJECT_KEYS.every((key) => key.test(text))) return;
  throw new CairnError(
    'is hidden (a name starting with "."), which cairn does not apply, but it holds an object',
    {
      code: 'kube.file',
      phase: 'plan',
      subject: path,
      hint: 'rename it, or the folder holding it, without the leading "." to apply it',
    },
  );
}

function notPlain(file: string, what: string): CairnError {
  return new CairnError(what, {
    code: 'kube.file',
    phase: 'plan',
    subject: file,
    hint: 'commit plain manifest files inside k8s-resources/',
  });
}
