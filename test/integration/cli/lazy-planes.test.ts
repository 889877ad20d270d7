import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { createKubeClient } from '../../../controller/kube/kube-client';
import { selfCommand } from '../../../controller/cli/self-command';
import { auditKeyFile } from '../../helpers/e2e-platform';
import { greetingManifest } from '../../helpers/manifests';
import { createTestRepo, type TestRepo } from '../../helpers/git-repo';
import { sandboxEnv } from '../../sandbox/sandbox-env';

jest.setTimeout(120_000);

const RECORDER = join(__dirname, '..', '..', 'helpers', 'module-recorder.cjs');

/** Runs the real `cairn ARGS` and returns its exit code, output and every module file it loaded. */
async function cairnLoading(args: readonly string[], dir: string) {
  const modulesFile = join(dir, `modules-${args[0]}.txt`);
  const [node, ...rest] = selfCommand();
  const child = spawn(node!, ['--require', RECORDER, ...rest, ...args], {
    env: { ...process.env, CAIRN_TEST_MODULES_FILE: modulesFile },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  return { code, output, modules: readFileSync(modulesFile, 'utf8').split('\n') };
}

const awsModules = (modules: readonly string[]) =>
  modules.filter((f) => /node_modules\/(@aws-sdk|aws-cdk-lib|@aws-cdk)\//.test(f));

/**
 * cairn's own modules that a one-shot, unsharded sync of plain manifests, without a Git host or
 * signed commits, has no use for.
 */
const controllerOnlyModules = (modules: readonly string[]) =>
  modules.filter(
    (f) =>
      /controller\/(reconcile\/(controller|pull-request-planner|failure-revert)|shard\/shard-manager|cli\/wire-shard|host|notify|telemetry|server)[./]/.test(
        f,
      ) ||
      /(controller\/kube\/render\/|controller\/source\/verify-commit|cdk\/synth\/sidecar-runner)/.test(f),
  );

/**
 * Each plane's libraries load only for an environment that uses that plane: a Kubernetes-only
 * `cairn sync` against the sandbox's real kube-apiserver applies its object without loading the
 * AWS SDK or the CDK libraries, and `cairn validate` loads neither plane.
 */
describe('lazy planes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-lazy-planes-'));
  const namespace = `lazy-planes-${Math.random().toString(36).slice(2, 7)}`;
  const configFile = join(dir, 'cairn.yaml');
  let repo: TestRepo;

  beforeAll(() => {
    repo = createTestRepo('lazy-planes', {
      dev: { 'k8s-resources/greeting.yaml': greetingManifest(namespace, 'hi') },
    });
    writeFileSync(
      configFile,
      stringify({
        repository: { url: repo.bare },
        environments: [
          {
            name: 'dev',
            branch: 'dev',
            kubernetes: { kubeconfig: sandboxEnv().kubernetes.kubeconfig, namespace },
          },
        ],
        audit: { dir: join(dir, 'audit'), keyFile: auditKeyFile(dir) },
      }),
    );
  });
  afterAll(() => {
    repo?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a Kubernetes-only sync applies without loading the AWS SDK or the CDK libraries', async () => {
    const sync = await cairnLoading(['sync', '--config', configFile, '--env', 'dev'], dir);
    expect(sync.output).toContain(`ConfigMap/${namespace}/greeting`);
    expect(sync.code).toBe(0);
    expect(awsModules(sync.modules)).toEqual([]);
    // A kubeconfig with a client certificate is read directly: the Kubernetes client library
    // (half a second of a one-shot command's start) is not loaded either.
    expect(sync.modules.filter((f) => f.includes('@kubernetes/client-node'))).toEqual([]);
    // Nor the parts only `cairn run` or another config uses: the reconcile loop and its planners,
    // shards and their hand-off, a Git host's clients, notifications, telemetry, the HTTP server,
    // the renderers (no kustomization or chart here), the commit verifier, the sidecar runner.
    expect(controllerOnlyModules(sync.modules)).toEqual([]);
    // js-yaml as the one file its package ships, not its index and 24 modules more (8 ms a start).
    expect(sync.modules.filter((f) => f.includes('node_modules/js-yaml/'))).toEqual([
      expect.stringMatching(/node_modules\/js-yaml\/dist\/js-yaml\.js$/),
    ]);
  });

  it('a kubeconfig whose user runs an exec plugin goes through the library, and applies', async () => {
    // The plugin hands back the sandbox's admin certificate, as a cloud's credential helper would.
    const sandbox = parse(readFileSync(sandboxEnv().kubernetes.kubeconfig, 'utf8')) as {
      users: { user: Record<string, string> }[];
    };
    const admin = sandbox.users[0]!.user;
    const credential = {
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: {
        clientCertificateData: readFileSync(admin['client-certificate']!, 'utf8'),
        clientKeyData: readFileSync(admin['client-key']!, 'utf8'),
      },
    };
    writeFileSync(join(dir, 'credential.json'), JSON.stringify(credential));
    const withExec = {
      ...sandbox,
      users: [
        {
          name: 'admin',
          user: {
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1',
              command: 'cat',
              args: [join(dir, 'credential.json')],
              interactiveMode: 'Never',
            },
          },
        },
      ],
    };
    writeFileSync(join(dir, 'exec-kubeconfig'), stringify(withExec));
    const config = parse(readFileSync(configFile, 'utf8')) as {
      environments: { kubernetes: Record<string, string> }[];
    };
    config.environments[0]!.kubernetes.kubeconfig = join(dir, 'exec-kubeconfig');
    writeFileSync(join(dir, 'exec.yaml'), stringify(config));
    // Deleted by hand: this sync must reach the cluster with the plugin's credentials to restore it.
    const client = createKubeClient({ ...sandboxEnv().kubernetes, concurrency: 1 });
    try {
      const deleted = await client.request({
        method: 'DELETE',
        path: `/api/v1/namespaces/${namespace}/configmaps/greeting`,
      });
      expect(deleted.status).toBe(200);
    } finally {
      client.close();
    }
    const sync = await cairnLoading(['sync', '--config', join(dir, 'exec.yaml'), '--env', 'dev'], dir);
    expect(sync.code).toBe(0);
    expect(sync.output).toContain(`ConfigMap/${namespace}/greeting`);
    expect(sync.modules.some((f) => f.includes('@kubernetes/client-node'))).toBe(true);
  });

  it('validate of the config file loads neither plane, nor Git, nor the schema compiler', async () => {
    const validate = await cairnLoading(['validate', '--config', configFile], dir);
    expect(validate.code).toBe(0);
    expect(
      validate.modules.filter((f) =>
        /node_modules\/(@aws-sdk|@kubernetes|isomorphic-git|simple-git)\//.test(f),
      ),
    ).toEqual([]);
    // The validator is prebuilt (controller/config/validate-config.generated.ts): only Ajv's two
    // small runtime helpers load, never Ajv itself, whose compile of the schema cost 0.1-1 s a start
    expect(validate.modules.some((f) => f.includes('validate-config.generated'))).toBe(true);
    expect(validate.modules.filter((f) => /node_modules\/ajv\/(?!dist\/runtime\/)/.test(f))).toEqual([]);
  });
});
