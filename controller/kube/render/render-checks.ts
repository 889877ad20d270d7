import { readdirSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, posix, relative } from 'node:path';
import { jsYaml } from '../../model/js-yaml';
import { CairnError } from '../../model/errors';

/**
 * What every check before a render shares: the refusal it throws, how it reads a file's YAML, and
 * the walk of a folder's files the way kustomize and helm follow links. The kustomization checks
 * are in kustomization-checks.ts, the chart checks in chart-checks.ts and chart-schemas.ts.
 */

/** A refusal before rendering: the folder asks for something cairn will not let repository input do. */
export function renderRefused(subject: string, message: string, hint: string): CairnError {
  return new CairnError(message, { code: 'kube.render-refused', phase: 'plan', subject, hint });
}

/** The documents of a repository's YAML file; a syntax error is a render failure that names the file. */
export function loadYaml(text: string, file: string): unknown[] {
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

/** `value` as a mapping, or undefined when it is not one. */
export function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** The list under `doc[field]`, or none when it is not a list. */
export function entries(doc: Record<string, unknown>, field: string): unknown[] {
  const value = doc[field];
  return Array.isArray(value) ? value : [];
}

/** Whether `path` is `root` or lies under it. */
export function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * The relative paths under `dir` of the files whose name `wanted` accepts, in a stable order, links
 * followed as kustomize and helm follow them: a link to a file or folder inside `dir` is read under
 * the link's name (found in review: a `kustomization.yaml` that was a link to a text file was never
 * checked, and kustomize read it), each folder once. A link leading out of `dir` is not followed:
 * the renderer finds nothing there either (the job sees the copy of the folder only).
 */
export function filesNamed(dir: string, wanted: (name: string) => boolean): string[] {
  const root = realpathSync(dir);
  const seen = new Set<string>([root]);
  const out: string[] = [];
  const visit = (rel: string): void => {
    const here = readdirSync(join(dir, rel), { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    );
    for (const e of here) {
      const path = rel ? posix.join(rel, e.name) : e.name;
      let found: { isDirectory(): boolean; isFile(): boolean } = e;
      if (e.isSymbolicLink()) {
        const target = realpathOrUndefined(join(dir, path));
        if (!target || !inside(root, target)) continue;
        found = statSync(target);
      }
      if (found.isDirectory()) {
        const real = realpathSync(join(dir, path));
        if (seen.has(real)) continue;
        seen.add(real);
        visit(path);
      } else if (found.isFile() && wanted(e.name)) out.push(path);
    }
  };
  visit('');
  return out;
}

function realpathOrUndefined(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}
