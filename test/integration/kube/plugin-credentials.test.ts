import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { writeExecKubeconfig } from '../../helpers/exec-kubeconfig';
import { createKubeClient, type KubeClient } from '../../../controller/kube/kube-client';
import { silentLog } from '../../../controller/log';
import { createKubeLeaseApi } from '../../../controller/shard/kube-lease-api';
import { sandboxEnv } from '../../sandbox/sandbox-env';

jest.setTimeout(60_000);

/**
 * An exec credential plugin, as `aws eks get-token` is one: its Nth run answers line N of `tokens`
 * (the last line once they run out), fails when that line is FAIL, and answers the sandbox admin's
 * client certificate when it is CERT. Each run is counted in `runs`.
 * With a second argument the credential carries that expiry, which the client library keeps it until.
 */
const PLUGIN = `#!/bin/sh
dir=$1
echo run >> "$dir/runs"
n=$(wc -l < "$dir/runs")
token=$(sed -n "\${n}p" "$dir/tokens")
[ -n "$token" ] || token=$(tail -n 1 "$dir/tokens")
if [ "$token" = FAIL ]; then echo "plugin failed on purpose (run $n)" >&2; exit 1; fi
if [ "$token" = CERT ]; then cat "$dir/cert.json"; exit 0; fi
expiry=""
[ -n "$2" ] && expiry=",\\"expirationTimestamp\\":\\"$2\\""
printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"%s}}\\n' "$token" "$expiry"
`;

// Both clients of a cluster (the apply's and the Lease API's) against the real kube-apiserver, with
// a kubeconfig whose user is an exec plugin: one plugin run for a burst of requests, a failed run
// not kept, and after a 401 a fresh run whose credentials are sent once more.
describe('credentials from an exec plugin', () => {
  const env = sandboxEnv();
  const id = randomBytes(3).toString('hex');
  const namespace = `plugin-creds-${id}`;
  const root = mkdtempSync(join(tmpdir(), 'cairn-plugin-creds-'));
  let admin: KubeClient;
  let token: string;
  const closers: (() => void)[] = [];

  const must = async (method: 'POST' | 'PATCH', path: string, body: object) => {
    const r = await admin.request({ method, path, body: JSON.stringify(body) });
    if (r.status >= 300) throw new Error(`${method} ${path}: HTTP ${r.status} ${JSON.stringify(r.body)}`);
    return r.body as Record<string, unknown>;
  };

  beforeAll(async () => {
    admin = createKubeClient({ ...env.kubernetes, concurrency: 2 });
    await must('POST', '/api/v1/namespaces', { metadata: { name: namespace } });
    await must('POST', `/api/v1/namespaces/${namespace}/serviceaccounts`, { metadata: { name: 'plugin' } });
    await must('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/roles`, {
      metadata: { name: 'plugin' },
      rules: [
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'list', 'watch'] },
      ],
    });
    await must('POST', `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings`, {
      metadata: { name: 'plugin' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'plugin' },
      subjects: [{ kind: 'ServiceAccount', name: 'plugin', namespace }],
    });
    const request = await must('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/plugin/token`, {
      apiVersion: 'authentication.k8s.io/v1',
      kind: 'TokenRequest',
      spec: { expirationSeconds: 3600 },
    });
    token = (request.status as { token: string }).token;
    writeFileSync(join(root, 'plugin.sh'), PLUGIN);
    chmodSync(join(root, 'plugin.sh'), 0o755);
  });

  afterAll(async () => {
    for (const close of closers) close();
    await admin.request({ method: 'DELETE', path: `/api/v1/namespaces/${namespace}` });
    admin.close();
    rmSync(root, { recursive: true, force: true });
  });

  /** A kubeconfig of the sandbox's cluster whose user runs the plugin, answering `tokens` in turn. */
  function pluginKubeconfig(name: string, tokens: readonly string[], expiry?: string) {
    const dir = join(root, name);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(join(dir, 'tokens'), tokens.join('\n') + '\n');
    const sandbox = parse(readFileSync(env.kubernetes.kubeconfig, 'utf8')) as {
      clusters: { cluster: Record<string, unknown> }[];
      users: { user: Record<string, string> }[];
    };
    const adminUser = sandbox.users[0]!.user;
    writeFileSync(
      join(dir, 'cert.json'),
      JSON.stringify({
        apiVersion: 'client.authentication.k8s.io/v1',
        kind: 'ExecCredential',
        status: {
          clientCertificateData: readFileSync(adminUser['client-certificate']!, 'utf8'),
          clientKeyData: readFileSync(adminUser['client-key']!, 'utf8'),
        },
      }),
    );
    const file = writeExecKubeconfig(
      join(dir, 'kubeconfig'),
      sandbox.clusters[0]!.cluster,
      join(root, 'plugin.sh'),
      expiry ? [dir, expiry] : [dir],
    );
    const runs = () => {
      const f = join(dir, 'runs');
      return existsSync(f) ? readFileSync(f, 'utf8').trim().split('\n').length : 0;
    };
    return { file, runs };
  }

  const client = (kubeconfig: string) => {
    const c = createKubeClient({ kubeconfig, concurrency: 8 });
    closers.push(() => c.close());
    return c;
  };
  const leaseApi = (kubeconfig: string) => {
    const api = createKubeLeaseApi({ kubeconfig, namespace }, 'plugin-creds', silentLog());
    closers.push(() => api.close());
    return api;
  };
  const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();
  const configMap = (n: number) => ({
    method: 'GET' as const,
    path: `/api/v1/namespaces/${namespace}/configmaps/missing-${n}`,
  });

  it("the apply's client runs the plugin once for a burst of requests, and keeps its answer", async () => {
    const kc = pluginKubeconfig('apply-burst', [token]);
    const c = client(kc.file);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, n) => c.request(configMap(n))));
    // 404: the requests were let in as the ServiceAccount, and the objects are not there.
    expect(answers.map((a) => a.status)).toEqual(Array(40).fill(404));
    await c.request(configMap(41));
    expect(kc.runs()).toBe(1);
  });

  it('the Lease API runs the plugin once for every shard renewing at once, not once per request', async () => {
    const kc = pluginKubeconfig('lease-burst', [token]);
    const api = leaseApi(kc.file);
    const leases = await Promise.all(Array.from({ length: 20 }, (_, n) => api.get(`shard-${n}`)));
    expect(leases).toEqual(Array(20).fill(null));
    expect(await api.list()).toEqual([]);
    expect(kc.runs()).toBe(1);
  });

  it("after a 401 the apply's client runs the plugin anew, even for a token the library would keep, and sends once more", async () => {
    // The first run hands out a token the server refuses, valid for an hour by its own account.
    const kc = pluginKubeconfig('apply-refused', ['not-a-token', token], inAnHour());
    const c = client(kc.file);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, n) => c.request(configMap(n))));
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(404));
    expect(kc.runs()).toBe(2);
  });

  it('after a 401 the Lease API runs the plugin anew and sends once more', async () => {
    const kc = pluginKubeconfig('lease-refused', ['not-a-token', token], inAnHour());
    const api = leaseApi(kc.file);
    expect(await api.list()).toEqual([]);
    expect(kc.runs()).toBe(2);
  });

  it("a plugin's new client certificate is sent on connections of its own", async () => {
    // Refused for its token, the plugin's next answer is a client certificate: sent over the
    // connections opened before, which carry none, the request would be anonymous (403).
    const kc = pluginKubeconfig('apply-new-certificate', ['not-a-token', 'CERT'], inAnHour());
    const c = client(kc.file);
    expect((await c.request(configMap(0))).status).toBe(404);
    expect(kc.runs()).toBe(2);
  });

  it('a token the server keeps refusing is the answer, after one more try', async () => {
    const kc = pluginKubeconfig('apply-refused-twice', ['not-a-token'], inAnHour());
    const c = client(kc.file);
    expect((await c.request(configMap(0))).status).toBe(401);
    expect(kc.runs()).toBe(2);
  });

  it('a failed plugin run is reported, naming the kubeconfig, and not kept: the next request runs it again', async () => {
    const kc = pluginKubeconfig('apply-failed', ['FAIL', token]);
    const c = client(kc.file);
    await expect(c.request(configMap(0))).rejects.toMatchObject({
      code: 'kube.credentials',
      subject: kc.file,
      message: expect.stringContaining('plugin failed on purpose (run 1)'),
    });
    expect((await c.request(configMap(1))).status).toBe(404);
    expect(kc.runs()).toBe(2);

    const lease = pluginKubeconfig('lease-failed', ['FAIL', token]);
    const api = leaseApi(lease.file);
    await expect(api.list()).rejects.toMatchObject({ code: 'shard.credentials', subject: lease.file });
    expect(await api.list()).toEqual([]);
    expect(lease.runs()).toBe(2);
  });
});
