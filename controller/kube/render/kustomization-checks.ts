import { lstatSync, readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, join, posix, resolve } from 'node:path';
import { fileKind, readRegularFileSync } from '../../model/regular-file';
import { entries, filesNamed, inside, loadYaml, record, renderRefused } from './render-checks';

/** The names kustomize reads as a folder's kustomization. */
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

// What kustomize would fetch over the network: a URL, an scp-like Git address (any user: found in
// review, `x@host:org/repo.git` was cloned over SSH), a go-getter form, a host-qualified path
// (github.com/org/repo), or a ref/version query.
const REMOTE = [
  /:\/\//,
  /^git@/,
  /^[^\s/:@]+@[^\s/:]+:/,
  /^git::/,
  /^[\w-]+(\.[\w-]+)+\/[\w.-]+\/[\w.-]+/,
  /[?&](ref|version|timeout)=/,
];
// Fields whose entries are bases, components or resources (folders or files, possibly remote).
const LOCATIONS = ['resources', 'bases', 'components'];
// Fields whose entries are plugin configurations (a file, or the configuration inline).
const PLUGINS = ['generators', 'transformers', 'validators'];
// Annotations that turn a plugin configuration into a KRM function (exec, container or starlark).
const FUNCTION_ANNOTATIONS = ['config.kubernetes.io/function', 'config.k8s.io/function'];
// kustomize's file loader fetches any path whose scheme is http or https (Go's url.Parse), load
// restrictor or not: generator files, env and envs, patches, openapi, crds, replacements,
// configurations, and the same fields of built-in plugin configurations.
const FETCHED = /^\s*https?:/i;
// Keys whose values kustomize never reads as a path: labels, annotations, literals, inline patches.
const FREE_TEXT = new Set([
  'metadata',
  'commonAnnotations',
  'commonLabels',
  'labels',
  'annotations',
  'literals',
  'patch',
  'options',
  'images',
  'replicas',
  'namePrefix',
  'nameSuffix',
  'namespace',
  'buildMetadata',
]);

/** Whether a kustomization entry names something kustomize would fetch from the network. */
export function isRemote(entry: string): boolean {
  return REMOTE.some((re) => re.test(entry));
}

/**
 * Refuses, before kustomize runs, every kustomization in `dir` (shown as `shown`) that names a
 * remote base, a Helm chart to inflate, or a plugin that is not one of kustomize's built-ins (exec,
 * container and starlark functions, Go plugins). kustomize's own flags refuse them too; this check
 * names the entry and its file instead of a network or plugin error.
 */
export function checkKustomizations(dir: string, shown: string): void {
  for (const rel of filesNamed(dir, (name) => KUSTOMIZATION_FILES.includes(name))) {
    const file = posix.join(shown, rel);
    const doc = record(loadYaml(readFileSync(join(dir, rel), 'utf8'), file)[0]) ?? {};
    for (const field of LOCATIONS)
      for (const entry of entries(doc, field))
        if (typeof entry === 'string' && isRemote(entry))
          throw renderRefused(
            file,
            `${field} names the remote base ${entry}; cairn renders without network`,
            'vendor the base into the folder (a local copy) and reference it by its relative path',
          );
    if (entries(doc, 'helmCharts').length > 0 || doc.helmGlobals !== undefined)
      throw renderRefused(
        file,
        'helmCharts asks kustomize to run helm, which cairn does not allow in a kustomization',
        'put the chart in a folder of its own under k8s-resources/ (cairn renders it with helm template)',
      );
    for (const field of PLUGINS)
      for (const entry of entries(doc, field)) checkPlugin(dir, rel, file, field, entry);
    refuseFetched(doc, file, '');
  }
  // A built-in plugin's configuration may also be a resource of a folder named as a plugin entry,
  // in a file of any name (kustomize reads a resource's YAML whatever it is called), or an item of
  // a List there.
  for (const rel of filesNamed(dir, () => true)) {
    const bytes = readFileSync(join(dir, rel));
    if (!bytes.includes('builtin') || !/https?:/i.test(bytes.toString('latin1'))) continue;
    const file = posix.join(shown, rel);
    for (const doc of builtinConfigs(resourceDocs(bytes, file), new Set()))
      refuseFetched(doc, file, `${String(doc.kind)} `);
  }
}

/**
 * The documents of a file kustomize may read as a resource. One not named as YAML or JSON that is
 * not YAML either (a README) yields none: kustomize would fail on it too, without fetching.
 */
function resourceDocs(bytes: Buffer, file: string): unknown[] {
  try {
    return loadYaml(bytes.toString('utf8'), file);
  } catch (error) {
    if (/\.(ya?ml|json)$/i.test(file)) throw error;
    return [];
  }
}

/** Every mapping under `value` whose apiVersion is a kustomize built-in's, each object once. */
function builtinConfigs(value: unknown, seen: Set<object>): Record<string, unknown>[] {
  if (!value || typeof value !== 'object' || seen.has(value)) return [];
  seen.add(value);
  const doc = record(value);
  if (doc && typeof doc.apiVersion === 'string' && doc.apiVersion.startsWith('builtin')) return [doc];
  return Object.values(value).flatMap((child) => builtinConfigs(child, seen));
}

/**
 * Refuses a kustomization or built-in plugin configuration that names a file by an http(s) URL in
 * any field but free text: kustomize would fetch it, and under the sidecar runner (which shares the
 * pod's network) put what a loopback or metadata endpoint answers into a rendered object.
 */
function refuseFetched(doc: Record<string, unknown>, file: string, what: string): void {
  const found = fetchedPath(doc, '', new Set());
  if (found)
    throw renderRefused(
      file,
      `${what}${found.field} names ${found.entry}, which kustomize would fetch over the network; cairn renders without network`,
      'commit the file into the rendered folder and name it by its relative path',
    );
}

/** The first field under `value` (each shared object walked once) holding a path kustomize fetches. */
function fetchedPath(
  value: unknown,
  at: string,
  seen: Set<object>,
): { readonly field: string; readonly entry: string } | undefined {
  if (typeof value === 'string') {
    // A generator's `files` entry may be `key=path`.
    const path = value.slice(value.indexOf('=') + 1);
    return FETCHED.test(value) || FETCHED.test(path) ? { field: at, entry: value } : undefined;
  }
  if (!value || typeof value !== 'object' || seen.has(value)) return undefined;
  seen.add(value);
  const children: [string, unknown][] = Array.isArray(value)
    ? value.map((v, i) => [`${at}[${i}]`, v])
    : Object.entries(value)
        .filter(([key]) => !FREE_TEXT.has(key))
        .map(([key, v]) => [at ? `${at}.${key}` : key, v]);
  for (const [field, child] of children) {
    const found = fetchedPath(child, field, seen);
    if (found) return found;
  }
  return undefined;
}

/** The most of a plugin configuration file the check reads (a real one is a few lines). */
const MAX_PLUGIN_CONFIG_BYTES = 1024 * 1024;
const INSIDE_HINT =
  'keep plugin configurations in the rendered folder, as regular files, and name them by relative path';

/**
 * The file a plugin entry names, checked without reading anything outside the rendered folder's
 * copy (`dir`): resolved against the kustomization's folder, it must stay inside the copy (no
 * absolute path, no `..` out of it, no link on the way), and be a regular file. Undefined for what
 * the check leaves to kustomize: a missing entry, a folder (a kustomization of plugin
 * configurations, checked as one), or a file that is not YAML or JSON.
 */
function pluginFile(
  dir: string,
  rel: string,
  file: string,
  field: string,
  entry: string,
): string | undefined {
  const path = resolve(dir, posix.dirname(rel), entry);
  if (isAbsolute(entry) || !inside(dir, path))
    throw renderRefused(file, `${field} names ${entry}, which is outside the rendered folder`, INSIDE_HINT);
  const info = lstatSync(path, { throwIfNoEntry: false });
  if (!info) return undefined;
  if (!info.isFile() && !info.isDirectory())
    throw renderRefused(file, `${field} names ${entry}, which is ${fileKind(info)}`, INSIDE_HINT);
  // A link on the way (a folder of the copy linked elsewhere) would lead out although the path stays in.
  if (!inside(realpathSync(dir), realpathSync(path)))
    throw renderRefused(
      file,
      `${field} names ${entry}, which leads out of the rendered folder through a link`,
      INSIDE_HINT,
    );
  return info.isFile() && /\.(ya?ml|json)$/i.test(path) ? path : undefined;
}

function checkPlugin(dir: string, rel: string, file: string, field: string, entry: unknown): void {
  let docs: unknown[] = [entry];
  if (typeof entry === 'string') {
    if (entry.includes('\n')) {
      // An entry over several lines is the configuration inline, checked as one.
      docs = loadYaml(entry, file);
    } else if (isRemote(entry)) {
      throw renderRefused(file, `${field} names the remote plugin configuration ${entry}`, 'vendor it');
    } else {
      const path = pluginFile(dir, rel, file, field, entry);
      if (!path) return;
      const read = readRegularFileSync(path, MAX_PLUGIN_CONFIG_BYTES);
      if (!('bytes' in read))
        throw renderRefused(file, `${field} names ${entry}, which ${read.refused}`, INSIDE_HINT);
      docs = loadYaml(read.bytes.toString('utf8'), posix.join(posix.dirname(file), entry));
    }
  }
  for (const doc of docs.map(record)) {
    if (!doc) continue;
    const meta = record(doc.metadata) ?? {};
    const annotations = record(meta.annotations) ?? {};
    const name = `${String(doc.kind)}/${String(meta.name)}`;
    const fn = FUNCTION_ANNOTATIONS.find((a) => annotations[a] !== undefined);
    const builtin = typeof doc.apiVersion === 'string' && doc.apiVersion.startsWith('builtin');
    if (fn || !builtin)
      throw renderRefused(
        file,
        `${field} names the plugin ${name}${fn ? ` (a KRM function: ${fn})` : ` (apiVersion ${String(doc.apiVersion)})`}; cairn runs kustomize without exec, container or Go plugins`,
        'use kustomize built-ins only (apiVersion: builtin), or render the output in CI and commit it',
      );
    refuseFetched(doc, file, `${field} ${name} `);
  }
}
