import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { CloudFormationClient, ListStacksCommand } from '@aws-sdk/client-cloudformation';
import { repoRoot, sandboxAwsClientConfig, sandboxEnv } from '../../sandbox/sandbox-env';

const pinned = Object.fromEntries(
  readFileSync(join(repoRoot, 'test', 'sandbox', 'versions.env'), 'utf8')
    .split('\n')
    .filter((line) => /^[A-Z_]+=/.test(line))
    .map((line) => line.split('=') as [string, string]),
);

describe('the sandbox of real parts', () => {
  it("serves the pinned Gitea version, and env.json's admin token is the admin's", async () => {
    // Given the Gitea URL and token the sandbox wrote
    const { gitea } = sandboxEnv();
    const get = async (path: string) => {
      const response = await fetch(`${gitea.url}/api/v1${path}`, {
        headers: { authorization: `token ${gitea.adminToken}` },
      }).catch((error: unknown) => {
        throw new Error(`Gitea is down at ${gitea.url}: ${String(error)}`);
      });
      expect(response.status).toBe(200);
      return response.json() as Promise<Record<string, unknown>>;
    };
    // When its version and the token's user are read
    // Then it is the version pinned in versions.env, and the token acts as the admin user
    expect(await get('/version')).toEqual({ version: pinned.GITEA_VERSION!.replace(/^v/, '') });
    expect(await get('/user')).toMatchObject({ login: gitea.adminUser, is_admin: true });
  });

  it('serves the pinned kube-apiserver version to a client-node kubeconfig', async () => {
    // Given the kubeconfig the sandbox wrote
    const kc = new KubeConfig();
    kc.loadFromFile(sandboxEnv().kubernetes.kubeconfig);
    const server = kc.getCurrentCluster()!.server;
    // When /version is read over TLS with the admin client certificate
    const options: https.RequestOptions = {};
    await kc.applyToHTTPSOptions(options);
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get(`${server}/version`, options, (res) => {
          let data = '';
          res.on('data', (chunk: Buffer) => (data += chunk.toString()));
          res.on('end', () =>
            res.statusCode === 200 ? resolve(data) : reject(new Error(`HTTP ${res.statusCode}`)),
          );
        })
        .on('error', (error) => reject(new Error(`kube-apiserver is down at ${server}: ${error.message}`)));
    });
    // Then it is the version pinned in test/sandbox/versions.env
    expect((JSON.parse(body) as { gitVersion: string }).gitVersion).toBe(pinned.KUBERNETES_VERSION);
  });

  it('is a whole cluster: status lists every part ready, and one kwok node is Ready', async () => {
    // Given the sandbox jest's global setup started (or found up)
    // When its status is asked and the nodes are listed
    const status = execFileSync('bash', [join(repoRoot, 'test', 'sandbox', 'sandbox.sh'), 'status'], {
      encoding: 'utf8',
    });
    const kc = new KubeConfig();
    kc.loadFromFile(sandboxEnv().kubernetes.kubeconfig);
    const nodes = await kc.makeApiClient(CoreV1Api).listNode();
    // Then every process answers, and the node kwok manages reports Ready
    for (const part of [
      'etcd',
      'kube-apiserver',
      'kube-controller-manager',
      'kube-scheduler',
      'kwok',
      'moto',
      'gitea',
    ])
      expect(status).toMatch(new RegExp(`^${part} +pid \\d+ .* ready$`, 'm'));
    expect(
      nodes.items.map((n) => ({
        name: n.metadata?.name,
        managedBy: n.metadata?.annotations?.['kwok.x-k8s.io/node'],
        labels: { os: n.metadata?.labels?.['kubernetes.io/os'], type: n.metadata?.labels?.type },
        ready: n.status?.conditions?.find((c) => c.type === 'Ready')?.status,
      })),
    ).toEqual([
      { name: 'kwok-node-0', managedBy: 'fake', labels: { os: 'linux', type: 'kwok' }, ready: 'True' },
    ]);
  });

  it('answers CloudFormation calls from the AWS SDK at the moto_server endpoint', async () => {
    const client = new CloudFormationClient(sandboxAwsClientConfig());
    const stacks = await client.send(new ListStacksCommand({})).catch((error: unknown) => {
      throw new Error(`moto_server is down at ${sandboxEnv().aws.endpoint}: ${String(error)}`);
    });
    expect(Array.isArray(stacks.StackSummaries)).toBe(true);
    // moto loads a service's backend on its first call: seconds on a busy machine, more than jest's default 5 s.
  }, 30_000);
});
