import { foreignContents } from '../../../controller/kube/foreign-contents';
import { OWNER_LABEL } from '../../../controller/kube/identity';
import { plainCrd } from '../../helpers/crd-bundle';
import { kubeKit } from './kube-kit';

// Before cairn prunes a Namespace it owns, it looks for objects of other owners inside (deleting the
// Namespace would delete them too). A kind its group serves only in a version other than the
// group's preferred one was never listed, so such objects were missed.
jest.setTimeout(120_000);

const kit = kubeKit('foreign-contents');
const group = `${kit.id}.example.com`;
const ns = kit.name('holder');

afterAll(async () => {
  kit.track(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/foos.${group}`);
  kit.track(`/apis/apiextensions.k8s.io/v1/customresourcedefinitions/bars.${group}`);
  kit.track(`/api/v1/namespaces/${ns}`);
  await kit.cleanup();
});

async function apply(path: string, object: object): Promise<void> {
  const res = await kit.client.request({
    method: 'PATCH',
    path,
    query: { fieldManager: 'test', force: 'true' },
    body: JSON.stringify(object),
    contentType: 'application/apply-patch+yaml',
  });
  if (res.status >= 300) throw new Error(`${path}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
}

/** Waits until discovery serves `plural` in `groupVersion`, and its objects can be listed. */
async function served(groupVersion: string, plural: string): Promise<void> {
  for (const deadline = Date.now() + 60_000; Date.now() < deadline;) {
    const res = await kit.client.request({ method: 'GET', path: `/apis/${groupVersion}` });
    const resources = (res.body as { resources?: { name: string }[] } | undefined)?.resources ?? [];
    if (res.status === 200 && resources.some((r) => r.name === plural)) {
      // A new CRD's storage answers 429 for a moment after discovery shows it.
      const list = await kit.client.request({ method: 'GET', path: `/apis/${groupVersion}/${plural}` });
      if (list.status === 200) return;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${plural} never served in ${groupVersion}`);
}

describe('the contents of a Namespace cairn would prune', () => {
  it("include another owner's object of a kind served only in its group's non-preferred version", async () => {
    // given a group serving Foo in v1 (its preferred version) and Bar in v1beta1 only
    await apply(
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/foos.${group}`,
      plainCrd(group, 'Foo'),
    );
    await apply(
      `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/bars.${group}`,
      plainCrd(group, 'Bar', { version: 'v1beta1' }),
    );
    await served(`${group}/v1`, 'foos');
    await served(`${group}/v1beta1`, 'bars');
    // and, in a Namespace, a Bar another environment owns
    await apply(`/api/v1/namespaces/${ns}`, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    await apply(`/apis/${group}/v1beta1/namespaces/${ns}/bars/theirs`, {
      apiVersion: `${group}/v1beta1`,
      kind: 'Bar',
      metadata: { name: 'theirs', namespace: ns, labels: { [OWNER_LABEL]: 'other-env-0123456789' } },
    });

    // when cairn looks for other owners' objects before deleting the Namespace
    const found = await foreignContents(kit.client, { id: 'me-0123456789', description: 'me' }, 4).find({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: ns },
    });

    // then the Bar is found, so the Namespace is kept
    expect(found).toBe('bars/theirs of other-env-0123456789 [other-env-0123456789]');
  });
});
