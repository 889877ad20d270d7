import type { ChildProcess } from 'node:child_process';
import { auditKeyFile } from '../helpers/e2e-platform';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { bootstrapEnvironment } from '../../cdk/deploy/bootstrap';
import { silentLog } from '../../controller/log';
import { startCfnFaultProxy, type CfnFaultProxy } from '../helpers/cfn-fault-proxy';
import { startCli } from '../helpers/cli';
import { createTestRepo, type TestRepo } from '../helpers/git-repo';
import { sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(180_000);

/** An audit entry as the API serves it (failure under `failure`, or `error` in the older records). */
interface Entry {
  readonly outcome?: string;
  readonly failure?: { readonly message: string };
  readonly error?: { readonly message: string };
}

const app = (stackName: string) => `
const cdk = require('aws-cdk-lib');
const app = new cdk.App();
const stack = new cdk.Stack(app, 'Data', { stackName: '${stackName}' });
new cdk.aws_sqs.Queue(stack, 'Jobs');
app.synth();
`;

/**
 * `cairn run` with two environments in one account, each with its own aws.roleArn: one role IAM
 * lets cairn assume, one it refuses (the proxy in front of moto answers AccessDenied for it).
 */
describe('cairn run with a role per environment', () => {
  const id = Math.random().toString(36).slice(2, 8);
  const dir = mkdtempSync(join(tmpdir(), 'cairn-e2e-role-'));
  const sandbox = sandboxEnv();
  const allowed = `arn:aws:iam::${sandbox.aws.account}:role/cairn-ok-${id}`;
  const refused = `arn:aws:iam::${sandbox.aws.account}:role/cairn-refused-${id}`;
  let repo: TestRepo;
  let proxy: CfnFaultProxy;
  let cairn: ChildProcess;
  let logs = '';
  let url: Promise<string>;

  beforeAll(async () => {
    const credentials = {
      accessKeyId: sandbox.aws.accessKeyId,
      secretAccessKey: sandbox.aws.secretAccessKey,
    };
    const target = {
      region: sandbox.aws.region,
      account: sandbox.aws.account,
      endpoint: sandbox.aws.endpoint,
    };
    await bootstrapEnvironment(
      { ...target, prune: false, synthTimeoutMs: 60_000, deployTimeoutMs: 60_000 },
      silentLog(),
      {
        credentials,
      },
    );
    proxy = await startCfnFaultProxy(sandbox.aws.endpoint);
    proxy.refuseAssumeRole(refused);
    const files = (env: string) => ({
      'aws-resources/cdk.json': JSON.stringify({ app: 'node app.js' }),
      'aws-resources/app.js': app(`role${id}-${env}`),
    });
    repo = createTestRepo(`role-${id}`, { ok: files('ok'), denied: files('denied') });
    const config = join(dir, 'cairn.yaml');
    writeFileSync(
      config,
      stringify({
        repository: { url: repo.bare, pollInterval: '1h' },
        environments: [
          { name: 'ok', aws: { ...target, endpoint: proxy.url, roleArn: allowed } },
          { name: 'denied', aws: { ...target, endpoint: proxy.url, roleArn: refused } },
        ],
        audit: { dir: join(dir, 'audit'), keyFile: auditKeyFile(dir) },
        server: { port: 0 },
      }),
    );
    cairn = startCli(['run', '--config', config], {
      AWS_ACCESS_KEY_ID: sandbox.aws.accessKeyId,
      AWS_SECRET_ACCESS_KEY: sandbox.aws.secretAccessKey,
    });
    url = new Promise((resolve) => {
      const read = (chunk: Buffer) => {
        logs += chunk.toString();
        const started = /"url":"(http[^"]+)"/.exec(logs);
        if (started) resolve(started[1]!);
      };
      cairn.stdout!.on('data', read);
      cairn.stderr!.on('data', read);
    });
  });

  afterAll(async () => {
    if (cairn && cairn.exitCode === null) {
      const exited = new Promise((resolve) => cairn.once('exit', resolve));
      cairn.kill('SIGTERM');
      await exited;
    }
    await proxy?.close();
    repo?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The first finished entry of an environment, from the API. */
  const finished = async (env: string): Promise<Entry> => {
    const base = await url;
    const deadline = Date.now() + 150_000;
    while (Date.now() < deadline) {
      const body = (await (await fetch(`${base}/api/environments/${env}/audit`)).json()) as
        Entry[] | { entries?: Entry[] };
      const entries = Array.isArray(body) ? body : (body.entries ?? []);
      const done = entries.find((e) => e.outcome && !['running', 'started'].includes(e.outcome));
      if (done) return done;
      await new Promise((r) => setTimeout(r, 500));
    }
    throw new Error(`no finished entry for ${env}; logs:\n${logs}`);
  };

  it('applies the environment whose role can be assumed, with that role’s key, and fails the other alone, naming its role', async () => {
    // when cairn reconciles both environments
    const [ok, denied] = await Promise.all([finished('ok'), finished('denied')]);
    // then the environment with the refused role failed, and its message names the role
    const failure = denied.failure ?? denied.error;
    expect(denied.outcome).toBe('failed');
    expect(failure?.message).toContain(`role ${refused}`);
    // and the other environment applied, unaffected
    expect(ok.outcome).toBe('succeeded');
    // and its stack's CloudFormation calls were signed with the assumed role's key, not the controller's
    const calls = proxy.requests.filter((r) => r.stackName === `role${id}-ok`);
    expect(calls.map((r) => r.action)).toContain('CreateChangeSet');
    const keys = new Set(calls.map((r) => r.accessKeyId));
    expect(keys.size).toBe(1);
    expect(keys.has(sandbox.aws.accessKeyId)).toBe(false);
    const assumed = proxy.signed.filter((r) => r.action === 'AssumeRole' && r.roleArn === allowed);
    expect(assumed.map((r) => r.sessionName)).toContain('cairn-ok');
  });
});
