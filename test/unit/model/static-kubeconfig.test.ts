import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import { staticKubeconfig } from '../../../controller/model/static-kubeconfig';

/**
 * The kubeconfig reader that spares a one-shot command the load of @kubernetes/client-node must
 * give, for every user it answers for, exactly what the library's KubeConfig gives (the library is
 * the oracle here), and must leave to the library every user it cannot answer for.
 */
const dir = mkdtempSync(join(tmpdir(), 'cairn-static-kubeconfig-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'ca.crt'), 'ca-from-file');
writeFileSync(join(dir, 'user.crt'), 'cert-from-file');
writeFileSync(join(dir, 'user.key'), 'key-from-file');
writeFileSync(join(dir, 'token'), 'token-from-file');
const b64 = (s: string) => Buffer.from(s).toString('base64');

type User = Record<string, unknown>;
type Cluster = Record<string, unknown>;

function kubeconfig(name: string, user: User, cluster: Cluster = {}, extra: Record<string, unknown> = {}) {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'other', cluster: { server: 'https://other.example:6443' } },
        { name: 'main', cluster: { server: 'https://main.example:6443/', ...cluster } },
      ],
      users: [{ name: 'u', user }],
      contexts: [
        { name: 'ctx', context: { cluster: 'main', user: 'u' } },
        { name: 'elsewhere', context: { cluster: 'other', user: 'u' } },
      ],
      'current-context': 'ctx',
      ...extra,
    }),
  );
  return file;
}

/** What the library gives for the same file and context, in the fields cairn's client uses. */
async function library(file: string, context?: string) {
  const kc = new KubeConfig();
  kc.loadFromFile(file);
  if (context) kc.setCurrentContext(context);
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  return { server: kc.getCurrentCluster()!.server, options: pick(opts) };
}

function pick(o: https.RequestOptions) {
  const headers = Object.fromEntries(
    Object.entries(o.headers ?? {}).filter(([, v]) => v !== undefined && v !== null),
  );
  return {
    ca: o.ca?.toString(),
    cert: o.cert?.toString(),
    key: o.key?.toString(),
    headers,
    auth: o.auth,
    rejectUnauthorized: o.rejectUnauthorized,
    servername: o.servername,
  };
}

describe('staticKubeconfig', () => {
  const cwd = process.cwd();
  // The library reads `token-file` relative to the working directory, as cairn's reader does.
  beforeAll(() => process.chdir(dir));
  afterAll(() => process.chdir(cwd));

  it.each<[string, User, Cluster, string | undefined]>([
    [
      'inline certificate data',
      { 'client-certificate-data': b64('cert'), 'client-key-data': b64('key') },
      { 'certificate-authority-data': b64('ca') },
      undefined,
    ],
    [
      'files relative to the kubeconfig',
      { 'client-certificate': 'user.crt', 'client-key': join(dir, 'user.key') },
      { 'certificate-authority': 'ca.crt' },
      undefined,
    ],
    ['a bearer token', { token: 'abc' }, { 'insecure-skip-tls-verify': true }, undefined],
    ['a token file', { 'token-file': 'token' }, { 'tls-server-name': 'kube.internal' }, undefined],
    ['basic auth and impersonation', { username: 'ann', password: 'pw', as: 'bob' }, {}, undefined],
    ['a user named by an explicit context', { token: 'abc' }, {}, 'elsewhere'],
  ])('%s: the same server, TLS material and headers as the library', async (name, user, cluster, context) => {
    const file = kubeconfig(name.replace(/\W+/g, '-'), user, cluster);
    const read = staticKubeconfig(file, context);
    expect(read).toBeDefined();
    expect({ server: read!.server, options: pick(read!.options) }).toEqual(await library(file, context));
  });

  it.each<[string, User, Record<string, unknown>, string | undefined]>([
    [
      'an exec plugin',
      { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'get-token' } },
      {},
      undefined,
    ],
    ['an auth provider', { 'auth-provider': { name: 'oidc', config: {} } }, {}, undefined],
    ['a certificate file that cannot be read', { 'client-certificate': 'missing.crt' }, {}, undefined],
    ['a context that does not exist', { token: 'abc' }, {}, 'missing'],
    [
      'a context without a user',
      { token: 'abc' },
      { contexts: [{ name: 'ctx', context: { cluster: 'main' } }] },
      undefined,
    ],
    [
      'a malformed entry the library refuses',
      { token: 'abc' },
      {
        clusters: [
          { name: 'main', cluster: { server: 'https://main.example:6443' } },
          { name: 'broken-unused' },
        ],
      },
      undefined,
    ],
  ])('%s: left to the library', (name, user, extra, context) => {
    const file = kubeconfig(name.replace(/\W+/g, '-'), user, {}, extra);
    expect(staticKubeconfig(file, context)).toBeUndefined();
  });

  it('reads KUBECONFIG when it names one file, and leaves several to the library to merge', () => {
    const file = kubeconfig('from-env', { token: 'abc' });
    const saved = process.env.KUBECONFIG;
    try {
      process.env.KUBECONFIG = file;
      expect(staticKubeconfig(undefined)?.server).toBe('https://main.example:6443');
      process.env.KUBECONFIG = `${file}:${file}`;
      expect(staticKubeconfig(undefined)).toBeUndefined();
    } finally {
      if (saved === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = saved;
    }
  });
});
