/**
 * Merge → applied on a real Git host: a pull request on the sandbox's Gitea that changes one
 * ConfigMap is merged through Gitea's API, Gitea delivers its own signed push webhook to
 * `cairn run` (which polls only every 5 minutes), and cairn applies the merge commit. Over N merges
 * (default 10) it prints the p50 and p95 of: merge call returned → Gitea's delivery logged by cairn
 * ("reconcile requested"), → the audit entry's finishedAt, and → cairn's API reporting the sha
 * applied; and the same from when the merge call was made (Gitea may deliver before it returns). Run: `npx tsx test/bench/gitea-merge-bench.ts [--json] [--merges N]`.
 */
import { settings } from '../helpers/e2e-platform';
import { makeGiteaPlatform } from '../helpers/gitea-platform';
import { waitFor } from '../helpers/gitea';

interface Spread {
  readonly p50Ms: number;
  readonly p95Ms: number;
}

/**
 * Times from the moment Gitea's merge API call returned (`merge…`) and, because Gitea pushes the
 * merge and may deliver its webhook before that call returns, from the moment it was made (`call…`).
 */
export interface GiteaMergeFigures {
  readonly merges: number;
  readonly mergeCall: Spread;
  readonly mergeToDelivery: Spread;
  readonly mergeToFinished: Spread;
  readonly mergeToApiApplied: Spread;
  readonly callToDelivery: Spread;
  readonly callToFinished: Spread;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

const both = (values: readonly number[]): Spread => ({
  p50Ms: Math.round(percentile(values, 50)),
  p95Ms: Math.round(percentile(values, 95)),
});

/** Runs `merges` pull requests through Gitea into dev and measures each merge → apply. */
export async function run(merges = 10): Promise<GiteaMergeFigures> {
  const p = await makeGiteaPlatform({ envs: ['dev'] });
  try {
    await p.start();
    const call: number[] = [];
    const delivery: number[] = [];
    const finished: number[] = [];
    const applied: number[] = [];
    const callDelivery: number[] = [];
    const callFinished: number[] = [];
    for (let i = 1; i <= merges; i++) {
      // Given a branch from Gitea's dev (merges happen there) changing the ConfigMap, and its PR
      const branch = `change-${i}`;
      p.platform.git('fetch', '-q', 'gitea', 'refs/heads/dev:refs/remotes/gitea/dev');
      p.platform.git('checkout', '-q', '-B', branch, 'gitea/dev');
      p.platform.commit(branch, `change ${i}`, {
        'k8s-resources/settings.yaml': settings(p.platform.namespace('dev'), `color-${i}`),
      });
      p.push(branch);
      const pr = await p.gitea.openPullRequest(p.owner, p.repo, {
        head: branch,
        base: 'dev',
        title: `change ${i}`,
      });
      // When it is merged through the API
      const started = Date.now();
      const merged = await p.gitea.mergePullRequest(p.owner, p.repo, pr.number);
      call.push(merged.mergedAt - started);
      // Then cairn's API reports the merge commit applied, and the audit entry and the delivery's log line say when
      await waitFor(
        `merge ${i} applied`,
        async () => ((await p.status('dev'))?.lastAppliedSha === merged.sha ? true : undefined),
        120_000,
        20,
      );
      applied.push(Date.now() - merged.mergedAt);
      const entry = await p.entryFor('dev', merged.sha, 10_000);
      if (entry.outcome !== 'succeeded' || entry.trigger !== 'webhook')
        throw new Error(
          `merge ${i}: entry ${entry.id} is ${entry.outcome} by ${entry.trigger}, not a webhook success`,
        );
      const finishedAt = Date.parse(entry.finishedAt);
      finished.push(finishedAt - merged.mergedAt);
      callFinished.push(finishedAt - started);
      const line = p.lines.find((l) => l.msg === 'reconcile requested' && l.sha === merged.sha);
      if (!line) throw new Error(`merge ${i}: cairn logged no delivery for ${merged.sha}`);
      delivery.push(Date.parse(line.time) - merged.mergedAt);
      callDelivery.push(Date.parse(line.time) - started);
    }
    return {
      merges,
      mergeCall: both(call),
      mergeToDelivery: both(delivery),
      mergeToFinished: both(finished),
      mergeToApiApplied: both(applied),
      callToDelivery: both(callDelivery),
      callToFinished: both(callFinished),
    };
  } finally {
    await p.cleanup();
  }
}

if (require.main === module) {
  const at = process.argv.indexOf('--merges');
  void run(at > 0 ? Number(process.argv[at + 1]) : 10).then(
    (f) => {
      if (process.argv.includes('--json')) {
        console.log(JSON.stringify(f));
        return;
      }
      console.log(
        `merge → applied through Gitea's own push webhook, ${f.merges} merges, one ConfigMap change (ms)`,
      );
      const row = (name: string, v: Spread) =>
        console.log(`${name.padEnd(44)} p50 ${v.p50Ms}  p95 ${v.p95Ms}`);
      row('merge API call (start → return)', f.mergeCall);
      row('merge returned → delivery logged by cairn', f.mergeToDelivery);
      row('merge returned → audit entry finished', f.mergeToFinished);
      row('merge returned → API reports applied', f.mergeToApiApplied);
      row('merge call made → delivery logged by cairn', f.callToDelivery);
      row('merge call made → audit entry finished', f.callToFinished);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
