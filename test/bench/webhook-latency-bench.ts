/**
 * Commit → applied latency of `cairn run` for a one-object Kubernetes change: triggered by a
 * signed push webhook (20 commits), then by polling alone at the default 30 s interval (a few
 * commits). Prints p50 and p95. Run: `npx tsx test/bench/webhook-latency-bench.ts [--json] [--poll-commits N]`.
 */
import { execFileSync, spawn } from 'node:child_process';
import { genericHeaders } from '../helpers/webhook-deliveries';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from '../helpers/net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { selfCommand } from '../../controller/cli/self-command';
import { sandboxEnv } from '../sandbox/sandbox-env';

export interface LatencyFigures {
  readonly webhook: { readonly commits: number; readonly p50Ms: number; readonly p95Ms: number };
  readonly polling: {
    readonly commits: number;
    readonly intervalMs: number;
    readonly p50Ms: number;
    readonly p95Ms: number;
  };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

/** Measures both modes against one controller per mode. */
export async function run(pollCommits = 3): Promise<LatencyFigures> {
  const id = Math.random().toString(36).slice(2, 7);
  const dir = mkdtempSync(join(tmpdir(), 'cairn-latency-'));
  const repo = join(dir, 'repo');
  const namespace = `latency-${id}`;
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: repo,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'b',
        GIT_AUTHOR_EMAIL: 'b@x',
        GIT_COMMITTER_NAME: 'b',
        GIT_COMMITTER_EMAIL: 'b@x',
      },
    }).trim();
  const commit = (n: number) => {
    writeFileSync(
      join(repo, 'k8s-resources', 'cm.yaml'),
      stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'latency' },
        data: { n: String(n) },
      }) + `---\n${stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } })}`,
    );
    git('add', '-A');
    git('commit', '-q', '-m', `change ${n}`);
    return git('rev-parse', 'HEAD');
  };
  mkdirSync(join(repo, 'k8s-resources'), { recursive: true });
  git('init', '-q', '-b', 'dev');
  commit(0);

  const secret = 'bench-secret';
  const measure = async (
    mode: 'webhook' | 'poll',
    commits: number,
    pollInterval: string,
  ): Promise<number[]> => {
    const port = await freePort();
    const config = join(dir, `${mode}.yaml`);
    writeFileSync(
      config,
      stringify({
        repository: { url: repo, pollInterval, watch: false },
        environments: [
          {
            name: 'dev',
            kubernetes: { kubeconfig: sandboxEnv().kubernetes.kubeconfig, namespace },
            driftInterval: '0s',
          },
        ],
        audit: { dir: join(dir, `audit-${mode}`), unkeyed: true },
        server: { port, webhookSecretEnv: 'BENCH_WEBHOOK_SECRET' },
      }),
    );
    const [command, ...args] = selfCommand();
    const child = spawn(command!, [...args, 'run', '--config', config], {
      env: { ...process.env, BENCH_WEBHOOK_SECRET: secret, CAIRN_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const api = `http://127.0.0.1:${port}`;
    const applied = async (sha: string) => {
      for (;;) {
        const r = await fetch(`${api}/api/environments`).catch(() => undefined);
        if (r?.ok) {
          const body = (await r.json()) as
            { environments?: { lastAppliedSha: string | null }[] } | { lastAppliedSha: string | null }[];
          const list = Array.isArray(body) ? body : (body.environments ?? []);
          if (list[0]?.lastAppliedSha === sha) return;
        }
        await new Promise((res) => setTimeout(res, 20));
      }
    };
    try {
      await applied(git('rev-parse', 'HEAD'));
      const latencies: number[] = [];
      for (let i = 1; i <= commits; i++) {
        const started = performance.now();
        const sha = commit(Date.now() + i);
        if (mode === 'webhook') {
          const body = JSON.stringify({ ref: 'refs/heads/dev', after: sha });
          await fetch(`${api}/hooks/generic`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...genericHeaders(body, secret, sha) },
            body,
          });
        }
        await applied(sha);
        latencies.push(performance.now() - started);
      }
      return latencies;
    } finally {
      child.kill('SIGTERM');
    }
  };

  try {
    const webhook = await measure('webhook', 20, '30s');
    const polling = await measure('poll', pollCommits, '30s');
    return {
      webhook: { commits: webhook.length, p50Ms: percentile(webhook, 50), p95Ms: percentile(webhook, 95) },
      polling: {
        commits: polling.length,
        intervalMs: 30_000,
        p50Ms: percentile(polling, 50),
        p95Ms: percentile(polling, 95),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const at = process.argv.indexOf('--poll-commits');
  void run(at > 0 ? Number(process.argv[at + 1]) : 3).then((f) => {
    if (process.argv.includes('--json')) {
      console.log(JSON.stringify(f));
      return;
    }
    console.log('commit → applied latency, one ConfigMap change (ms)');
    console.log(
      `webhook  ${f.webhook.commits} commits  p50 ${f.webhook.p50Ms.toFixed(0)}  p95 ${f.webhook.p95Ms.toFixed(0)}  (target p50 < 1000)`,
    );
    console.log(
      `polling  ${f.polling.commits} commits  p50 ${f.polling.p50Ms.toFixed(0)}  p95 ${f.polling.p95Ms.toFixed(0)}  (interval 30 s)`,
    );
  });
}
