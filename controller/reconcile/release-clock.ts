/**
 * Times releases for `cairn_release_seconds`: from the moment the controller first learns of a
 * commit (the webhook's arrival when one announced it, else the fetch that saw the new head) to
 * the reconcile that applies it succeeding. A commit replaced by a newer one before it was applied
 * is forgotten: the newer commit's clock started when the newer one was seen.
 */
export class ReleaseClock {
  private readonly webhooks = new Map<string, number>();
  private readonly seen = new Map<string, { readonly sha: string; readonly at: number }>();

  /** A webhook for `env` arrived at `at` (ms): the head its fetch finds was pushed no later than this. */
  webhook(env: string, at: number): void {
    if (!this.webhooks.has(env)) this.webhooks.set(env, at);
  }

  /** A fetch found `sha` as `env`'s head at `at`; `appliedSha` is what runs already (no release to time then). */
  head(env: string, sha: string, appliedSha: string | null, at: number): void {
    const webhookAt = this.webhooks.get(env);
    this.webhooks.delete(env);
    if (sha === appliedSha || this.seen.get(env)?.sha === sha) return;
    this.seen.set(env, { sha, at: webhookAt ?? at });
  }

  /** `sha` was applied to `env` and is healthy at `at`: the release's milliseconds, once per commit. */
  applied(env: string, sha: string, at: number): number | undefined {
    const seen = this.seen.get(env);
    if (seen?.sha !== sha) return undefined;
    this.seen.delete(env);
    return Math.max(0, at - seen.at);
  }
}
