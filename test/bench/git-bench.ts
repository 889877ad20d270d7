/**
 * Git source benchmark: generates a repository (about 5,000 files and 2,000 commits), serves it
 * over smart HTTP, then times for both backends the first fetch + checkout, and the incremental
 * fetch + checkout of one new commit. Also times a local-path source, which reads in place.
 * Run: `npx tsx test/bench/git-bench.ts` (table) or with `--json` (one JSON line).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RepositoryConfig } from '../../controller/config/types';
import { silentLog } from '../../controller/log';
import { createGitSource } from '../../controller/source/create-git-source';
import type { GitSource, Revision } from '../../controller/source/types';
import { runGit } from '../helpers/git-repo';
import { serveGitHttp } from '../helpers/git-http-server';

/** Timings of one backend, in milliseconds. */
export interface BackendFigures {
  readonly firstFetchMs: number;
  readonly firstCheckoutMs: number;
  readonly incrementalFetchMs: number;
  readonly incrementalCheckoutMs: number;
  readonly localPathFetchCheckoutMs: number;
}

/** Everything the benchmark measured. */
export interface GitBenchFigures {
  readonly files: number;
  readonly commits: number;
  readonly generateMs: number;
  readonly isomorphic: BackendFigures;
  readonly native: BackendFigures;
}

const FILES = 5000;
const COMMITS = 2000;

/** Builds the history with one `git fast-import` stream: fast, and no per-commit process. */
export function generate(bare: string, files: number, commits: number): void {
  runGit(tmpdir(), 'init', '-q', '--bare', '-b', 'main', bare);
  const lines: string[] = [];
  const blob = (text: string): string => `data ${Buffer.byteLength(text)}\n${text}`;
  const path = (i: number): string =>
    i % 5 === 0 ? `aws-resources/lib/construct-${i}.ts` : `k8s-resources/app-${i % 40}/configmap-${i}.yaml`;
  const content = (i: number, rev: number): string =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-${i}\ndata:\n  revision: "${rev}"\n  filler: "${'x'.repeat(120)}"\n`;
  for (let c = 0; c < commits; c += 1) {
    lines.push('commit refs/heads/main', `committer Bench <bench@example.com> ${1_700_000_000 + c} +0000`);
    lines.push(blob(`commit ${c}\n`));
    // The first commit adds every file; each later one changes three of them.
    const touched =
      c === 0 ? Array.from({ length: files }, (_, i) => i) : [0, 1, 2].map((k) => (c * 7 + k * 1601) % files);
    for (const i of touched) lines.push(`M 100644 inline ${path(i)}`, blob(content(i, c)));
    lines.push('');
  }
  execFileSync('git', ['fast-import', '--quiet'], {
    cwd: bare,
    input: lines.join('\n') + '\n',
    maxBuffer: 1 << 28,
  });
  runGit(bare, 'gc', '-q');
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, Math.round(performance.now() - started)];
}

async function fetchRevision(source: GitSource): Promise<Revision> {
  const [head] = await source.fetch([{ env: 'bench', branch: 'main' }]);
  if (head?.kind !== 'revision') throw new Error(`bench fetch failed: ${JSON.stringify(head)}`);
  return head.revision;
}

async function measure(
  backend: RepositoryConfig['backend'],
  url: string,
  bare: string,
  scratch: string,
  addCommit: () => void,
): Promise<BackendFigures> {
  const workspaces = { dir: mkdtempSync(join(scratch, `${backend}-`)), keep: 3, maxFileBytes: 50 << 20 };
  const source = createGitSource(
    { url, backend, pollIntervalMs: 30_000, watch: false },
    workspaces,
    silentLog(),
    {},
  );
  const [first, firstFetchMs] = await timed(() => fetchRevision(source));
  const [, firstCheckoutMs] = await timed(() => source.checkout(first));
  addCommit();
  const [next, incrementalFetchMs] = await timed(() => fetchRevision(source));
  const [, incrementalCheckoutMs] = await timed(() => source.checkout(next));
  const local = createGitSource(
    { url: bare, backend, pollIntervalMs: 30_000, watch: false },
    { ...workspaces, dir: mkdtempSync(join(scratch, `${backend}-local-`)) },
    silentLog(),
    {},
  );
  const [, localPathFetchCheckoutMs] = await timed(async () => local.checkout(await fetchRevision(local)));
  await Promise.all([source.close(), local.close()]);
  return {
    firstFetchMs,
    firstCheckoutMs,
    incrementalFetchMs,
    incrementalCheckoutMs,
    localPathFetchCheckoutMs,
  };
}

/** Generates the repository, measures both backends one after the other, and cleans up. */
export async function run(files = FILES, commits = COMMITS): Promise<GitBenchFigures> {
  const scratch = mkdtempSync(join(tmpdir(), 'cairn-git-bench-'));
  const bare = join(scratch, 'bench.git');
  const work = join(scratch, 'work');
  try {
    const [, generateMs] = await timed(async () => generate(bare, files, commits));
    runGit(scratch, 'clone', '-q', bare, work);
    let n = 0;
    const addCommit = (): void => {
      n += 1;
      mkdirSync(join(work, 'k8s-resources', 'added'), { recursive: true });
      writeFileSync(join(work, 'k8s-resources', 'added', `new-${n}.yaml`), `n: ${n}\n`);
      runGit(work, 'add', '-A');
      runGit(work, 'commit', '-q', '-m', `new commit ${n}`);
      runGit(work, 'push', '-q', 'origin', 'main');
    };
    const server = await serveGitHttp(bare);
    try {
      const isomorphic = await measure('isomorphic', server.url, bare, scratch, addCommit);
      const native = await measure('native', server.url, bare, scratch, addCommit);
      return { files, commits, generateMs, isomorphic, native };
    } finally {
      await server.close();
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function table(figures: GitBenchFigures): string {
  const rows: [string, keyof BackendFigures][] = [
    ['first fetch (HTTP)', 'firstFetchMs'],
    ['first checkout', 'firstCheckoutMs'],
    ['incremental fetch, 1 commit', 'incrementalFetchMs'],
    ['incremental checkout', 'incrementalCheckoutMs'],
    ['local path fetch + checkout', 'localPathFetchCheckoutMs'],
  ];
  const out = [
    `repository: ${figures.files} files, ${figures.commits} commits (generated in ${figures.generateMs} ms)`,
    `${'ms'.padEnd(30)}${'isomorphic'.padStart(12)}${'native'.padStart(10)}`,
  ];
  for (const [label, key] of rows) {
    out.push(
      `${label.padEnd(30)}${String(figures.isomorphic[key]).padStart(12)}${String(figures.native[key]).padStart(10)}`,
    );
  }
  return out.join('\n');
}

if (require.main === module) {
  run()
    .then((figures) =>
      console.log(process.argv.includes('--json') ? JSON.stringify(figures) : table(figures)),
    )
    .catch((error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    });
}
