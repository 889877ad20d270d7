import { createKubeApplier } from '../../../controller/kube/create-kube-applier';
import { silentLog } from '../../../controller/log';
import { kubeKit, recordingSandboxClient } from './kube-kit';

const kit = kubeKit('freshreads');
afterAll(() => kit.cleanup());

/**
 * What a fresh environment's first apply asks the real kube-apiserver before its first write: each
 * request there is a round trip the apply waits for (#25, the whole-process fresh apply).
 */
describe("a fresh environment's first apply", () => {
  it('reads its own namespace by name beside the declared ones, and lists nothing in the namespaces it is about to make', async () => {
    // given an environment whose tree makes its default namespace and a second one, with objects in both
    const { client, requests } = recordingSandboxClient();
    const home = kit.name('home');
    const extra = kit.name('extra');
    kit.track(`/api/v1/namespaces/${home}`);
    kit.track(`/api/v1/namespaces/${extra}`);
    const applier = createKubeApplier(
      { env: 'freshreads', repository: 'https://git.example.com/platform/freshreads.git' },
      kit.target(home),
      silentLog(),
      { client },
    );
    const configMaps = (namespace: string) =>
      [0, 1, 2, 3, 4, 5]
        .map(
          (i) =>
            `---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm-${i}, namespace: ${namespace}}\ndata: {i: "${i}"}`,
        )
        .join('\n');
    const ws = await kit.workspace({
      'home.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${home}}\n${configMaps(home)}`,
      'extra.yaml': `apiVersion: v1\nkind: Namespace\nmetadata: {name: ${extra}}\n${configMaps(extra)}`,
    });
    const manifests = await applier.load(ws);

    // when it is applied
    const result = await applier.apply(manifests);

    // then everything was created; before the first write, each namespace was read once by name,
    // both inventory names were asked for, and nothing else but discovery was read
    expect(result.failure).toBeUndefined();
    expect(result.changes.filter((c) => c.action === 'created')).toHaveLength(14);
    const firstWrite = requests.findIndex((r) => r.method !== 'GET');
    const reads = requests
      .slice(0, firstWrite)
      .map((r) => r.path)
      .filter((p) => !/^\/apis?(\/[^/]+)?\/v1$/.test(p));
    expect(reads).toHaveLength(4);
    expect(reads).toEqual(
      expect.arrayContaining([
        `/api/v1/namespaces/${extra}`,
        `/api/v1/namespaces/${home}`,
        `/api/v1/namespaces/${home}/configmaps/cairn-inventory-freshreads`,
        expect.stringMatching(
          new RegExp(`^/api/v1/namespaces/${home}/configmaps/cairn-inventory-freshreads-[0-9a-f]+$`),
        ),
      ]),
    );
    // and no collection was listed in either namespace at any point of the apply
    expect(requests.filter((r) => r.method === 'GET' && /\/configmaps$/.test(r.path))).toEqual([]);
  });
});
