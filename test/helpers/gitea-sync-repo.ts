import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { AuditEntry } from '../../controller/model';
import { sandboxEnv } from '../sandbox/sandbox-env';
import { runCli, type CliResult } from './cli';
import { auditKeyFile } from './e2e-platform';
import { GiteaClient, giteaWorkTree, type GiteaWorkTree } from './gitea';

/** The environment variable the config names for the Gitea token (fetch, push and the host API). */
const TOKEN_ENV = 'E2E_GITEA_TOKEN';

/**
 * A fresh repository on the sandbox's Gitea whose `dev` branch `cairn sync` applies to a namespace of
 * its own on the sandbox cluster: the set-up the e2e tests that revert through Gitea share.
 */
export interface GiteaSyncRepo {
  readonly client: GiteaClient;
  readonly owner: string;
  readonly name: string;
  readonly token: string;
  readonly namespace: string;
  /** The folder holding the config, the audit trail and the workspaces. */
  readonly dir: string;
  readonly configFile: string;
  readonly kc: KubeConfig;
  /** A clone that commits and pushes to the Gitea repository. */
  readonly work: GiteaWorkTree;
  /** Every CLI result so far, so that a test can check none printed the token. */
  readonly outputs: CliResult[];
  /** Runs the real `cairn` binary with the token in its environment. */
  cairn(...args: string[]): Promise<CliResult>;
  /** `cairn sync --env dev --json`: expects exit `code` (0 by default) and nothing on stderr. */
  sync(code?: number): Promise<AuditEntry>;
  /** The value of the `greeting` ConfigMap in the namespace (see greetingManifest). */
  greeting(): Promise<string | undefined>;
  /** Deletes the Gitea repository, the clone, the namespace and the folder. */
  remove(): Promise<void>;
}

/**
 * Creates the repository `<prefix>-<random>` and writes a config with one environment, `dev`, whose
 * fields beyond name and kubernetes are `dev`, and whose kubernetes section gains `kubernetes`.
 */
export async function giteaSyncRepo(
  prefix: string,
  options: { readonly dev?: Record<string, unknown>; readonly kubernetes?: Record<string, unknown> } = {},
): Promise<GiteaSyncRepo> {
  const client = GiteaClient.sandbox();
  const owner = client.options.user;
  const token = client.options.token;
  const suffix = Math.random().toString(36).slice(2, 7);
  const name = `${prefix}-${suffix}`;
  const namespace = `e2e-${prefix}-${suffix}`;
  const dir = mkdtempSync(join(tmpdir(), `cairn-e2e-${prefix}-`));
  const configFile = join(dir, 'cairn.yaml');
  const kc = new KubeConfig();
  kc.loadFromFile(sandboxEnv().kubernetes.kubeconfig);
  await client.createRepo(name);
  const work = giteaWorkTree(client, owner, name);
  writeFileSync(
    configFile,
    stringify({
      repository: {
        url: client.cloneUrl(owner, name),
        pollInterval: '5m',
        auth: { tokenEnv: TOKEN_ENV },
        host: { type: 'gitea', tokenEnv: TOKEN_ENV },
      },
      environments: [
        {
          name: 'dev',
          ...options.dev,
          kubernetes: { kubeconfig: sandboxEnv().kubernetes.kubeconfig, namespace, ...options.kubernetes },
        },
      ],
      audit: { dir: join(dir, 'audit'), keyFile: auditKeyFile(dir) },
      workspaces: { dir: join(dir, 'workspaces') },
      server: { port: 0 },
    }),
  );
  const outputs: CliResult[] = [];
  const cairn = async (...args: string[]): Promise<CliResult> => {
    const result = await runCli(args, { [TOKEN_ENV]: token });
    outputs.push(result);
    return result;
  };
  return {
    client,
    owner,
    name,
    token,
    namespace,
    dir,
    configFile,
    kc,
    work,
    outputs,
    cairn,
    async sync(code = 0) {
      const r = await cairn('sync', '--config', configFile, '--env', 'dev', '--json');
      expect({ code: r.code, stderr: r.code === code ? '' : r.stderr }).toEqual({ code, stderr: '' });
      return JSON.parse(r.stdout) as AuditEntry;
    },
    async greeting() {
      return (await kc.makeApiClient(CoreV1Api).readNamespacedConfigMap({ name: 'greeting', namespace })).data
        ?.value;
    },
    async remove() {
      await client.deleteRepo(owner, name).catch(() => undefined);
      work.remove();
      await kc
        .makeApiClient(CoreV1Api)
        .deleteNamespace({ name: namespace })
        .catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
