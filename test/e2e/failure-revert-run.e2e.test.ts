import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import { runGit } from '../helpers/git-repo';
import { greetingManifest, webDeployment as web } from '../helpers/manifests';
import { startOneEnvController, type OneEnvController } from '../helpers/one-env-controller';
import { sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(180_000);

/**
 * failure-revert in the long-running controller (`cairn run`, onFailure.revert commit), against the
 * sandbox's kube-apiserver (a rollout failing on kwok) and a Git repository over HTTP that takes
 * pushes: the controller pushes the revert after the stall, shows it in the status and records it.
 */
describe('cairn run pushes the revert of a release that stalled', () => {
  const namespace = `e2e-revert-run-${Math.random().toString(36).slice(2, 7)}`;
  const files = (image: string, stuck: boolean) => ({
    'k8s-resources/greeting.yaml': greetingManifest(namespace, image),
    'k8s-resources/web.yaml': web(namespace, image, stuck),
  });
  let run: OneEnvController;

  beforeAll(async () => {
    run = await startOneEnvController({
      name: 'revert-run',
      namespace,
      files: files('nginx:1.27', false),
      environment: { onFailure: { revert: 'commit' } },
    });
    runGit(run.repo.bare, 'config', 'http.receivepack', 'true');
  });

  afterAll(() => run?.stop());

  it('stalls, pushes one revert naming the entry, shows it in the status, and applies it on the next push', async () => {
    await run.until('synced', (s) => s?.lastAppliedSha === run.repo.sha('dev'));
    const good = run.repo.sha('dev');

    // When a commit whose rollout cannot finish is pushed
    const bad = run.repo.commit('dev', 'web: nginx 1.28 on the gpu pool', files('nginx:1.28', true));
    expect(await run.push(bad)).toBe(202);

    // Then the environment stalls on it, and the controller pushes its revert and says so
    await run.until('revert shown', (s) => s?.revert?.sha !== undefined, 90_000);
    const status = await run.status();
    const [failed] = await run.entries(1);
    expect(status).toMatchObject({
      status: 'stalled',
      headSha: bad,
      failure: { code: 'kube.rollout-failed' },
      revert: { entry: failed!.id },
    });
    const revert = status!.revert!.sha!;
    expect(runGit(run.repo.bare, 'rev-parse', 'dev')).toBe(revert);
    expect(runGit(run.repo.bare, 'log', '-1', '--format=%B', revert)).toContain(
      `Cairn-Revert-Of: ${failed!.id}`,
    );

    // When the branch's new head is announced
    expect(await run.push(revert)).toBe(202);

    // Then it is applied, and dev is back on the good commit's manifests
    await run.until('synced on the revert', (s) => s?.lastAppliedSha === revert, 90_000);
    const [back] = await run.entries(1);
    expect(back).toMatchObject({ outcome: 'succeeded', fromSha: good, toSha: revert });
    const kc = new KubeConfig();
    kc.loadFromFile(sandboxEnv().kubernetes.kubeconfig);
    const live = await kc.makeApiClient(AppsV1Api).readNamespacedDeployment({ name: 'web', namespace });
    expect(live.spec?.template.spec?.containers[0]?.image).toBe('nginx:1.27');
    // A revert of a revert is never proposed, and nothing proposed a second one
    expect(runGit(run.repo.bare, 'rev-parse', 'dev')).toBe(revert);
  });
});
