import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import * as jsYaml from 'js-yaml';
import { CairnError } from '../../model/errors';

/** The names kustomize reads as a folder's kustomization. */
export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

// What kustomize would fetch over the network: a URL, an scp-like Git address, a go-getter form,
// a host-qualified path (github.com/org/repo), or a ref/version query.
const REMOTE = [
  /:\/\//,
  /^git@/,
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

/** A refusal before rendering: the folder asks for something cairn will not let repository input do. */
export function renderRefused(subject: string, message: string, hint: string): CairnError {
  return new CairnError(message, { code: 'kube.render-refused', phase: 'plan', subject, hint });
}

/** Whether a kustomization entry names something kustomize would fetch from the network. */
export function isRemote(entry: string): boolean {
  return REMOTE.some((re) => re.test(entry));
}

function loadYaml(text: string, file: string): unknown[] {
  try {
    return jsYaml.loadAll(text, undefined, { schema: jsYaml.CORE_SCHEMA });
  } catch (error) {
    throw new CairnError(`is not valid YAML: ${(error as Error).message.split('\n')[0]}`, {
      code: 'kube.render-failed',
      phase: 'plan',
      subject: file,
      hint: 'fix the YAML and commit again',
    });
  }
}

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function entries(doc: Record<string, unknown>, field: string): unknown[] {
  const value = doc[field];
  return Array.isArray(value) ? value : [];
}

/**
 * Refuses, before kustomize runs, every kustomization in `dir` (shown as `shown`) that names a
 * remote base, a Helm chart to inflate, or a plugin that is not one of kustomize's built-ins (exec,
 * container and starlark functions, Go plugins). kustomize's own flags refuse them too; this check
 * names the entry and its file instead of a network or plugin error.
 */
export function checkKustomizations(dir: string, shown: string): void {
  for (const rel of filesNamed(dir, '', new Set(KUSTOMIZATION_FILES))) {
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
  }
}

function checkPlugin(dir: string, rel: string, file: string, field: string, entry: unknown): void {
  let docs: unknown[] = [entry];
  if (typeof entry === 'string') {
    if (isRemote(entry))
      throw renderRefused(file, `${field} names the remote plugin configuration ${entry}`, 'vendor it');
    const path = join(dir, posix.dirname(rel), entry);
    // A folder is a kustomization of plugin configurations: its own kustomization is checked above.
    if (!existsSync(path) || !path.match(/\.(ya?ml|json)$/i)) return;
    docs = loadYaml(readFileSync(path, 'utf8'), posix.join(posix.dirname(file), entry));
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
  }
}

/**
 * Refuses a chart whose Chart.yaml lists a dependency that is not vendored in charts/ (as a folder
 * `charts/<name>/` or an archive `charts/<name>-<version>.tgz`): helm would need the network.
 */
export function checkChartDependencies(dir: string, shown: string): void {
  const file = posix.join(shown, 'Chart.yaml');
  const chart = record(loadYaml(readFileSync(join(dir, 'Chart.yaml'), 'utf8'), file)[0]) ?? {};
  const vendored = existsSync(join(dir, 'charts')) ? readdirSync(join(dir, 'charts')) : [];
  for (const dep of entries(chart, 'dependencies').map(record)) {
    const name = typeof dep?.name === 'string' ? dep.name : '';
    const found = vendored.some(
      (f) =>
        (f === name && existsSync(join(dir, 'charts', f, 'Chart.yaml'))) ||
        (f.startsWith(`${name}-`) && f.endsWith('.tgz')),
    );
    if (!found)
      throw renderRefused(
        file,
        `the dependency ${name || '(unnamed)'}${typeof dep?.repository === 'string' ? ` from ${dep.repository}` : ''} is not vendored in charts/; cairn renders without network`,
        'run `helm dependency build` and commit the charts/ folder it fills',
      );
  }
}

/** The relative paths under `dir` of the files named one of `names`, in a stable order. */
function filesNamed(dir: string, rel: string, names: ReadonlySet<string>): string[] {
  const out: string[] = [];
  const here = readdirSync(join(dir, rel), { withFileTypes: true }).sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  for (const e of here) {
    const path = rel ? posix.join(rel, e.name) : e.name;
    if (e.isDirectory()) out.push(...filesNamed(dir, path, names));
    else if (e.isFile() && names.has(e.name)) out.push(path);
  }
  return out;
}
