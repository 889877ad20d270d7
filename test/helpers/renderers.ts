import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { ConfinedRender } from '../../controller/kube/render/confined-render';
import { repoRoot } from '../sandbox/sandbox-env';

/**
 * The kustomize binary `test/sandbox/build-kustomize.sh` builds from the Go module proxy, at the
 * version pinned in versions.env; throws saying how to build it when it is missing.
 */
export function kustomizeBinary(): string {
  const version = /^KUSTOMIZE_VERSION=(\S+)/m.exec(
    readFileSync(join(repoRoot, 'test', 'sandbox', 'versions.env'), 'utf8'),
  )?.[1];
  if (!version) throw new Error('test/sandbox/versions.env pins no KUSTOMIZE_VERSION');
  const cache = process.env.CAIRN_CACHE_DIR ?? join(homedir(), '.cache', 'cairn');
  const file = join(cache, 'bin', `kustomize-${version}`);
  if (!existsSync(file))
    throw new Error(
      `kustomize ${version} is not built (${file} is missing): run \`bash test/sandbox/build-kustomize.sh\``,
    );
  return file;
}

/**
 * A chart whose dependency comes from a chart repository instead of its `charts/` folder, and the
 * error that must name it: cairn refuses it before any renderer runs (no network for a render).
 */
export const UNVENDORED_CHART: [string, Record<string, string>, RegExp] = [
  'an unvendored chart dependency',
  {
    'k8s-resources/worker/Chart.yaml': stringify({
      apiVersion: 'v2',
      name: 'worker',
      version: '0.1.0',
      dependencies: [{ name: 'redis', version: '19.0.0', repository: 'https://charts.example.com' }],
    }),
  },
  /k8s-resources\/worker\/Chart\.yaml.*dependency redis from https:\/\/charts\.example\.com is not vendored/s,
];

/** What a stand-in renderer binary prints when run unchanged. */
export const PROBE_OUTPUT = 'original';

/**
 * A stand-in renderer binary (a script printing PROBE_OUTPUT) kept in a 0700 folder under `root`,
 * as cairn's cache is, and a workspace of one folder: for tests of how render jobs get the binary.
 * `job(command)` is a confined render of that folder running `command` with $BIN, $SRC and $OUT.
 */
export function binaryProbe(root: string) {
  const cache = join(root, 'probe-cache');
  mkdirSync(cache, { mode: 0o700 });
  const tool = join(cache, 'tool');
  writeFileSync(tool, `#!/bin/sh\necho ${PROBE_OUTPUT}\n`, { mode: 0o755 });
  const workspace = join(root, 'probe-ws');
  mkdirSync(join(workspace, 'k8s-resources', 'web'), { recursive: true });
  writeFileSync(join(workspace, 'k8s-resources', 'web', 'values.yaml'), 'a: 1\n');
  const job = (command: string): ConfinedRender => ({
    folder: 'k8s-resources/web',
    subject: 'k8s-resources/web (test)',
    binary: tool,
    command,
    env: {},
    timeoutMs: 30_000,
    check: () => undefined,
  });
  return { tool, workspace, job };
}

/** A job command that tries every way to change the binary it runs ($BIN), then writes an output. */
export const TAMPER_WITH_BIN = [
  'echo "echo tampered" >> "$BIN"',
  'chmod 777 "$BIN"',
  'cp /dev/null "$BIN"',
  'mv "$BIN" "$BIN.moved"',
  'rm -f "$BIN"',
  'echo done > "$OUT/rendered.yaml"',
].join(' 2>/dev/null; ');

/** A job command that writes the path of the binary it was given, then what the binary prints. */
export const PRINT_BIN = 'echo "$BIN" > "$OUT/rendered.yaml"; "$BIN" >> "$OUT/rendered.yaml"';
