import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { sandboxEnv } from '../sandbox/sandbox-env';

/**
 * A small platform repository for end-to-end tests: a real git repository with one branch per
 * environment, a plain-JavaScript CDK app (fast to synthesize) and a few manifests, plus a cairn
 * config pointing at the sandbox. Names carry a random suffix so tests can share the sandbox.
 */
export interface E2ePlatform {
  readonly id: string;
  readonly dir: string;
  readonly repo: string;
  readonly configFile: string;
  readonly auditDir: string;
  namespace(env: string): string;
  stackName(env: string): string;
  /** Writes (or with null removes) files on `branch` and commits them; returns the new sha. */
  commit(branch: string, message: string, files: Readonly<Record<string, string | null>>): string;
  git(...args: string[]): string;
  cleanup(): void;
}

const CDK_APP = `
const cdk = require('aws-cdk-lib');
const fs = require('fs');
const app = new cdk.App();
const env = app.node.tryGetContext('gitops:environment');
const spec = JSON.parse(fs.readFileSync(__dirname + '/stack.json', 'utf8'));
const stack = new cdk.Stack(app, 'Data', { stackName: spec.prefix + '-' + env + '-data' });
new cdk.aws_s3.Bucket(stack, 'Bucket');
if (spec.queue) new cdk.aws_sqs.Queue(stack, 'Jobs');
app.synth();
`;

function deployment(namespace: string): string {
  return stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
      },
    },
  });
}

/** The ConfigMap the tests change between commits. */
export function settings(namespace: string, color: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'settings', namespace },
    data: { color },
  });
}

export function makeE2ePlatform(envs: readonly string[] = ['dev', 'prod']): E2ePlatform {
  const id = Math.random().toString(36).slice(2, 8);
  const dir = mkdtempSync(join(tmpdir(), `cairn-e2e-${id}-`));
  const repo = join(dir, 'platform');
  const auditDir = join(dir, 'audit');
  const configFile = join(dir, 'cairn.yaml');
  const sandbox = sandboxEnv();
  const namespace = (env: string) => `e2e-${id}-${env}`;
  const stackName = (env: string) => `e2e${id}-${env}-data`;
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: repo,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'Erin Engineer',
        GIT_AUTHOR_EMAIL: 'erin@example.com',
        GIT_COMMITTER_NAME: 'Erin Engineer',
        GIT_COMMITTER_EMAIL: 'erin@example.com',
      },
    }).trim();
  const write = (files: Readonly<Record<string, string | null>>) => {
    for (const [path, content] of Object.entries(files)) {
      const file = join(repo, path);
      if (content === null) rmSync(file, { force: true });
      else {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, content);
      }
    }
  };
  const commit = (branch: string, message: string, files: Readonly<Record<string, string | null>>) => {
    git('checkout', '-q', branch);
    write(files);
    git('add', '-A');
    git('commit', '-q', '-m', message);
    return git('rev-parse', 'HEAD');
  };

  mkdirSync(repo, { recursive: true });
  git('init', '-q', '-b', 'main');
  git('commit', '-q', '--allow-empty', '-m', 'root');
  for (const env of envs) {
    git('checkout', '-q', '-b', env, 'main');
    write({
      'aws-resources/cdk.json': JSON.stringify({ app: 'node app.js' }),
      'aws-resources/app.js': CDK_APP,
      'aws-resources/stack.json': JSON.stringify({ prefix: `e2e${id}`, queue: false }),
      'k8s-resources/namespace.yaml': stringify({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: namespace(env) },
      }),
      'k8s-resources/settings.yaml': settings(namespace(env), 'blue'),
      'k8s-resources/web.yaml': deployment(namespace(env)),
    });
    git('add', '-A');
    git('commit', '-q', '-m', `${env}: first platform`);
  }
  writeFileSync(
    configFile,
    stringify({
      repository: { url: repo, pollInterval: '1s' },
      environments: envs.map((env) => ({
        name: env,
        branch: env,
        aws: { region: sandbox.aws.region, account: sandbox.aws.account, endpoint: sandbox.aws.endpoint },
        kubernetes: {
          kubeconfig: sandbox.kubernetes.kubeconfig,
          namespace: namespace(env),
          healthTimeout: '30s',
        },
      })),
      // A keyed trail, as a real deployment runs it: the key outside the audit folder.
      audit: { dir: auditDir, keyFile: auditKeyFile(dir) },
      server: { port: 0 },
    }),
  );
  return {
    id,
    dir,
    repo,
    configFile,
    auditDir,
    namespace,
    stackName,
    commit,
    git,
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Environment variables the CLI child processes need for the sandbox's moto_server. */
export function awsTestCredentials(): NodeJS.ProcessEnv {
  const sandbox = sandboxEnv();
  return {
    AWS_ACCESS_KEY_ID: sandbox.aws.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sandbox.aws.secretAccessKey,
    AWS_REGION: sandbox.aws.region,
  };
}

/** Writes a fresh HMAC key for the audit trail beside (not inside) the audit folder. */
export function auditKeyFile(dir: string): string {
  const file = join(dir, 'audit.key');
  writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o600 });
  return file;
}
