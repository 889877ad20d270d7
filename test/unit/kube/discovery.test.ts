import { createDiscovery } from '../../../controller/kube/discovery';
import type { KubeClient, KubeRequest } from '../../../controller/kube/kube-client';

/** A server that answers 404 to every path: a web server or proxy where the kubeconfig expected an API server. */
function answering404(seen: string[]): KubeClient {
  return {
    server: 'https://10.0.0.9:8443',
    request: (req: KubeRequest) => {
      seen.push(req.path);
      return Promise.resolve({ status: 404, body: '404 page not found' });
    },
    close: () => undefined,
  };
}

describe('discovery', () => {
  it('says the server is not a Kubernetes API server when it does not serve /api/v1, instead of blaming the manifest', async () => {
    const seen: string[] = [];
    const discovery = createDiscovery(answering404(seen));
    await expect(discovery.lookup('v1', 'ConfigMap')).rejects.toMatchObject({
      code: 'kube.not-an-api-server',
      subject: 'https://10.0.0.9:8443',
      message: expect.stringContaining('GET /api/v1 answered 404'),
    });
    expect(seen).toEqual(['/api/v1']);
  });

  it('still reads a 404 of another API version as that version not being served (a CRD not installed)', async () => {
    const discovery = createDiscovery(answering404([]));
    await expect(discovery.lookup('example.com/v1', 'Widget')).resolves.toBeUndefined();
  });
});
