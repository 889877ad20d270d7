import type { Change } from '../../../controller/model';
import { renderPlanComment } from '../../../controller/reconcile/plan-comment';
import { revertMessage, revertPullRequestBody } from '../../../controller/reconcile/propose-revert';
import { GiteaClient } from '../../helpers/gitea';

jest.setTimeout(60_000);

/**
 * What cairn posts under its token (a plan comment, a revert pull request's body) rendered by the
 * sandbox's real Gitea: text a committer or a pull request controls must render nothing active: no
 * mention (it notifies people), no image (fetched from anywhere when the page is seen), no link.
 */
describe('repository text in what cairn posts, as Gitea renders it', () => {
  const gitea = GiteaClient.sandbox();
  const hostile = '@admins ![beacon](https://evil.example/b.png) [click](https://evil.example/x)';

  /** Gitea's own HTML for a Markdown body (its API, as for a comment). */
  const rendered = (text: string) =>
    fetch(`${gitea.options.url}/api/v1/markdown`, {
      method: 'POST',
      headers: { authorization: `token ${gitea.options.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ Text: text, Mode: 'gfm' }),
      signal: AbortSignal.timeout(30_000),
    }).then((r) => r.text());

  const active = (html: string) => ({
    images: (html.match(/<img\b/g) ?? []).length,
    links: (html.match(/<a\b[^>]*href="[^"]*evil\.example/g) ?? []).length,
    mentions: (html.match(/class="mention"/g) ?? []).length,
  });
  const none = { images: 0, links: 0, mentions: 0 };

  it('shows a plan comment whose reasons and types carry Markdown as inert text', async () => {
    // given a plan whose stack reason, resource type and object reason are repository text
    const changes: Change[] = [
      { target: 'aws', subject: 'Api', action: 'skipped', reason: hostile },
      { target: 'aws', subject: 'Api/Fn', action: 'created', type: hostile },
    ];
    const html = await rendered(
      renderPlanComment({
        env: 'dev',
        base: 'dev',
        number: 3,
        sha: 'abcdef0123456789abcdef0123456789abcdef01',
        aws: { changes },
        kubernetes: {
          changes: [{ target: 'kubernetes', subject: 'ConfigMap/app/a', action: 'skipped', reason: hostile }],
        },
        durationMs: 10,
      }),
    );
    // then Gitea renders the text, and nothing of it is active
    expect(html).toContain('evil.example');
    expect(active(html)).toEqual(none);
  });

  it('names a change whose details are left out as inert text', async () => {
    const filler: Change[] = Array.from({ length: 16 }, (_, i) => ({
      target: 'kubernetes',
      subject: `ConfigMap/app/filler-${i}`,
      action: 'configured',
      diff: `+${'x'.repeat(5_000)}`,
    }));
    const html = await rendered(
      renderPlanComment({
        env: 'dev',
        base: 'dev',
        number: 3,
        sha: 'abcdef0123456789abcdef0123456789abcdef01',
        aws: null,
        kubernetes: {
          changes: [
            ...filler,
            { target: 'kubernetes', subject: `ConfigMap/app/${hostile}`, action: 'configured' },
          ],
        },
        durationMs: 10,
      }),
    );
    expect(html).toContain('detail sections are not shown');
    expect(html).toContain('evil.example');
    expect(active(html)).toEqual(none);
  });

  it("shows a revert pull request's reverted subject as inert text", async () => {
    const entry = {
      id: 'e1',
      env: 'dev',
      fromSha: 'a'.repeat(40),
      toSha: 'b'.repeat(40),
      message: `${hostile}\n\nbody`,
    };
    const html = await rendered(revertPullRequestBody(entry, revertMessage(entry, 'dev')));
    expect(html).toContain('evil.example');
    expect(active(html)).toEqual(none);
  });
});
