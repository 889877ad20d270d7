import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { CairnError } from '../controller/model/errors';
import { packageRoot } from '../controller/package-root';

/** The two folders every environment branch holds. */
export const PLATFORM_FOLDERS = ['aws-resources', 'k8s-resources'] as const;

/** The environments the example ships overlays and sizes for. */
export const PLATFORM_ENVIRONMENTS = ['dev', 'staging', 'prod'] as const;

/** What one branch holds: repository-relative path (forward slashes) to content, sorted by path. */
export type PlatformTree = ReadonlyMap<string, Buffer>;

/** Options of {@link renderPlatformTree}. */
export interface RenderOptions {
  /** Prefix of every name (namespace, stacks, queue, table); `shop` by default. */
  readonly prefix?: string;
  /** The example's folder; `examples/platform` of this package by default. */
  readonly sourceDir?: string;
}

// Build output and dependencies never belong on a branch.
const SKIPPED = new Set(['cdk.out', 'node_modules', '.DS_Store']);
const NAME = /^[a-z][a-z0-9-]{0,20}$/;
const PLACEHOLDER = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** The example platform's folder inside this package (works from source and from dist/). */
export function platformSourceDir(): string {
  return join(packageRoot(), 'examples', 'platform');
}

/** Reads every regular file under `dir` into `out`, keyed relative to `root`; refuses symlinks. */
function readFiles(root: string, dir: string, out: Map<string, Buffer>): void {
  for (const entry of readdirSync(dir).sort()) {
    if (SKIPPED.has(entry)) continue;
    const file = join(dir, entry);
    const stat = lstatSync(file);
    const key = relative(root, file).split(sep).join('/');
    if (stat.isDirectory()) readFiles(root, file, out);
    else if (stat.isFile()) out.set(key, readFileSync(file));
    else {
      // A symlink could carry content from outside the example onto a branch.
      throw new CairnError('is not a regular file', {
        code: 'example-not-regular-file',
        subject: file,
        hint: 'replace it with a plain file',
      });
    }
  }
}

/** Replaces `${env}` and `${prefix}` in a manifest; any other placeholder is a mistake in the example. */
function fillPlaceholders(path: string, text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(PLACEHOLDER, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) {
      throw new CairnError(`unknown placeholder \${${name}}`, {
        code: 'example-unknown-placeholder',
        subject: path,
        hint: `use only ${Object.keys(values)
          .map((key) => `\${${key}}`)
          .join(' and ')}`,
      });
    }
    return value;
  });
}

/** Writes the prefix into cdk.json's context, where the CDK app reads it as `shop:prefix`. */
function withPrefix(cdkJson: Buffer, prefix: string): Buffer {
  const parsed = JSON.parse(cdkJson.toString('utf8')) as { context?: Record<string, unknown> };
  const next = { ...parsed, context: { ...parsed.context, 'shop:prefix': prefix } };
  return Buffer.from(`${JSON.stringify(next, null, 2)}\n`);
}

function checkName(what: string, value: string): void {
  if (!NAME.test(value)) {
    throw new CairnError(`"${value}" is not a valid name`, {
      code: 'example-invalid-name',
      subject: what,
      hint: 'use lowercase letters, digits and dashes, starting with a letter, at most 21 characters',
    });
  }
}

/**
 * The files of one environment's branch: the base `aws-resources/` and `k8s-resources/`, with the
 * files under `environments/<env>/` added or replacing the base file of the same path, and
 * `${env}` / `${prefix}` filled in in the Kubernetes manifests. Pure apart from reading the source.
 */
export function renderPlatformTree(env: string, options: RenderOptions = {}): PlatformTree {
  const prefix = options.prefix ?? 'shop';
  const sourceDir = options.sourceDir ?? platformSourceDir();
  checkName('environment', env);
  checkName('prefix', prefix);

  const files = new Map<string, Buffer>();
  for (const folder of PLATFORM_FOLDERS) readFiles(sourceDir, join(sourceDir, folder), files);
  const overlay = join(sourceDir, 'environments', env);
  const overlayFiles = new Map<string, Buffer>();
  if (lstatSync(overlay, { throwIfNoEntry: false })?.isDirectory()) readFiles(overlay, overlay, overlayFiles);
  for (const [path, content] of overlayFiles) {
    if (!PLATFORM_FOLDERS.some((folder) => path.startsWith(`${folder}/`))) {
      throw new CairnError('is outside aws-resources/ and k8s-resources/', {
        code: 'example-overlay-outside',
        subject: join(overlay, path),
        hint: 'put overlay files under environments/<env>/aws-resources/ or environments/<env>/k8s-resources/',
      });
    }
    files.set(path, content);
  }

  const values = { env, prefix };
  const rendered = new Map<string, Buffer>();
  for (const path of [...files.keys()].sort()) {
    const content = files.get(path)!;
    if (path.startsWith('k8s-resources/') && /\.ya?ml$/.test(path)) {
      rendered.set(path, Buffer.from(fillPlaceholders(path, content.toString('utf8'), values)));
    } else if (path === 'aws-resources/cdk.json' && prefix !== 'shop') {
      rendered.set(path, withPrefix(content, prefix));
    } else {
      rendered.set(path, content);
    }
  }
  return rendered;
}
