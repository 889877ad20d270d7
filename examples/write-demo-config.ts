import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { isMap, isScalar, parseDocument, visit } from 'yaml';
import { CairnError } from '../controller/model/errors';
import { packageRoot } from '../controller/package-root';

/** Options of {@link writeDemoConfig}. */
export interface DemoConfigOptions {
  /** The sandbox's `.sandbox/env.json`. */
  readonly sandboxEnvFile: string;
  /** The platform repository (a local path or URL), e.g. from `makePlatformRepo`. */
  readonly repoUrl: string;
  /** Where the concrete config is written (folders are created). */
  readonly outFile: string;
  readonly auditDir: string;
  /** Checkouts folder; `workspaces/` beside the audit folder by default. */
  readonly workspacesDir?: string;
  /** The HTTP server's port; the template's (8080) by default. */
  readonly port?: number;
  /** The names' prefix given to `makePlatformRepo`; `shop` by default. */
  readonly prefix?: string;
  /** The template; `examples/cairn.yaml` of this package by default. */
  readonly templateFile?: string;
  /** The kustomize binary; the sandbox's (`~/.cache/cairn/bin/kustomize-<version>`) by default. */
  readonly kustomizePath?: string;
  /** The helm binary; the sandbox's (`~/.cache/cairn/bin/helm-<version>`) by default. */
  readonly helmPath?: string;
}

/** The parts of `.sandbox/env.json` the config needs. */
interface SandboxFacts {
  readonly aws: { readonly endpoint: string; readonly region: string; readonly account: string };
  readonly kubernetes: { readonly kubeconfig: string; readonly context: string };
}

const PLACEHOLDER = /\$\{([A-Za-z]+)\}/g;

function readSandbox(file: string): SandboxFacts {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CairnError(`cannot read the sandbox's addresses: ${(error as Error).message}`, {
      code: 'demo-sandbox-missing',
      phase: 'config',
      subject: file,
      hint: 'start the sandbox with `npm run sandbox:up`',
      cause: error,
    });
  }
  const env = parsed as Partial<Record<'aws' | 'kubernetes', Record<string, unknown>>>;
  const required = [
    ['aws', 'endpoint'],
    ['aws', 'region'],
    ['aws', 'account'],
    ['kubernetes', 'kubeconfig'],
    ['kubernetes', 'context'],
  ] as const;
  for (const [part, key] of required) {
    if (typeof env[part]?.[key] !== 'string') {
      throw new CairnError(`${part}.${key} is missing`, {
        code: 'demo-sandbox-incomplete',
        phase: 'config',
        subject: file,
        hint: 'restart the sandbox with `npm run sandbox:up` so it rewrites the file',
      });
    }
  }
  return parsed as SandboxFacts;
}

/**
 * The binary the sandbox builds for `tool` (`~/.cache/cairn/bin/<tool>-<version>`, or under
 * CAIRN_CACHE_DIR), at the version test/sandbox/versions.env pins; refused when it is not built,
 * because the example's Kustomize overlay and Helm chart cannot render without it.
 */
export function sandboxBinary(tool: 'kustomize' | 'helm'): string {
  const pins = join(packageRoot(), 'test', 'sandbox', 'versions.env');
  const name = `${tool.toUpperCase()}_VERSION`;
  const version = existsSync(pins)
    ? new RegExp(`^${name}=(\\S+)`, 'm').exec(readFileSync(pins, 'utf8'))?.[1]
    : undefined;
  if (!version) {
    throw new CairnError(`pins no ${name}`, {
      code: 'demo-binary-unpinned',
      phase: 'config',
      subject: pins,
      hint: `run the demo from a cairn checkout, or give writeDemoConfig ${tool}Path`,
    });
  }
  const file = join(
    process.env.CAIRN_CACHE_DIR ?? join(homedir(), '.cache', 'cairn'),
    'bin',
    `${tool}-${version}`,
  );
  if (!existsSync(file)) {
    throw new CairnError(`${tool} ${version} is not built`, {
      code: 'demo-binary-missing',
      phase: 'config',
      subject: file,
      hint: `run \`bash test/sandbox/build-binaries.sh\` (or \`npm run sandbox:up\`), which builds it`,
    });
  }
  return file;
}

/** The template's default location. */
export function demoConfigTemplate(): string {
  return join(packageRoot(), 'examples', 'cairn.yaml');
}

/**
 * Writes a concrete cairn config for the example platform: `examples/cairn.yaml` with its
 * placeholders filled in from the sandbox's env.json and the given paths, comments kept.
 * Synchronous, so the caller can load the file on the next line. Returns the absolute path written.
 */
export function writeDemoConfig(options: DemoConfigOptions): string {
  const sandbox = readSandbox(options.sandboxEnvFile);
  const auditDir = resolve(options.auditDir);
  const values: Readonly<Record<string, string>> = {
    repoUrl: options.repoUrl,
    awsEndpoint: sandbox.aws.endpoint,
    awsRegion: sandbox.aws.region,
    awsAccount: sandbox.aws.account,
    kubeconfig: resolve(sandbox.kubernetes.kubeconfig),
    kubeContext: sandbox.kubernetes.context,
    auditDir,
    workspacesDir: resolve(options.workspacesDir ?? join(dirname(auditDir), 'workspaces')),
    prefix: options.prefix ?? 'shop',
    kustomizePath: resolve(options.kustomizePath ?? sandboxBinary('kustomize')),
    helmPath: resolve(options.helmPath ?? sandboxBinary('helm')),
  };
  const templateFile = options.templateFile ?? demoConfigTemplate();
  const doc = parseDocument(readFileSync(templateFile, 'utf8'));
  // Values are substituted into parsed scalars, never into the text, so a path with a quote or a
  // colon in it cannot change the document's structure.
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string') return;
      node.value = node.value.replace(PLACEHOLDER, (match, name: string) => {
        const value = values[name];
        if (value === undefined) {
          throw new CairnError(`unknown placeholder ${match}`, {
            code: 'demo-unknown-placeholder',
            phase: 'config',
            subject: templateFile,
            hint: `use only ${Object.keys(values).join(', ')}`,
          });
        }
        return value;
      });
    },
  });
  if (options.port !== undefined) {
    const port = doc.getIn(['server', 'port'], true);
    if (isScalar(port)) port.value = options.port;
    else doc.setIn(['server', 'port'], options.port);
  }
  // The template's header explains placeholders that are gone now; say where the file came from.
  const first = isMap(doc.contents) ? doc.contents.items[0]?.key : undefined;
  if (isScalar(first)) {
    first.commentBefore = ` Written by examples/write-demo-config.ts from ${templateFile}\n for the sandbox in ${resolve(options.sandboxEnvFile)}.`;
  }
  const outFile = resolve(options.outFile);
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, doc.toString({ lineWidth: 0 }));
  return outFile;
}
