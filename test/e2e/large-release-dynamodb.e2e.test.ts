import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import type { AuditEntry } from '../../controller/audit/types';
import { awsTestCredentials, makeE2ePlatform, type E2ePlatform } from '../helpers/e2e-platform';
import { sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(900_000);

const main = join(__dirname, '../../dist/controller/cli/main.js');
const run = promisify(execFile);

/** `cairn ARGS` through the built binary (dist/), as an operator runs it. */
async function cairn(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [main, ...args], {
      env: { ...process.env, ...awsTestCredentials() },
      maxBuffer: 256 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** `count` ConfigMaps in one multi-document file. */
function configMaps(namespace: string, count: number, value: string): string {
  return Array.from({ length: count }, (_, i) =>
    stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: `release-${String(i).padStart(5, '0')}`, namespace },
      data: { value },
    }),
  ).join('---\n');
}

/**
 * A 1,500-object release applied by `cairn sync` into the sandbox's kube-apiserver with the ledger
 * on DynamoDB (moto): its entry (past the 400 KB item limit) is recorded and shown whole, and the
 * environment's next commit applies and is recorded after it.
 */
describe('a 1,500-object release on the DynamoDB ledger', () => {
  let platform: E2ePlatform;
  const kc = new KubeConfig();

  beforeAll(() => {
    if (!existsSync(main))
      throw new Error('run `npm run build` first: this test runs dist/controller/cli/main.js');
    platform = makeE2ePlatform(['dev']);
    kc.loadFromFile(sandboxEnv().kubernetes.kubeconfig);
    // Kubernetes only (the ledger is what is tested), and the ledger in a fresh DynamoDB table.
    const config = parse(readFileSync(platform.configFile, 'utf8')) as Record<string, unknown> & {
      environments: Record<string, unknown>[];
      audit: Record<string, unknown>;
    };
    for (const env of config.environments) delete env.aws;
    const aws = sandboxEnv().aws;
    config.audit = {
      ...config.audit,
      backend: 'dynamodb',
      dynamodb: {
        table: `cairn-e2e-${randomUUID().slice(0, 8)}`,
        region: aws.region,
        endpoint: aws.endpoint,
      },
    };
    writeFileSync(platform.configFile, stringify(config));
  });
  afterAll(() => platform?.cleanup());

  const sync = async () => {
    const result = await cairn(['sync', '--config', platform.configFile, '--env', 'dev', '--json']);
    if (!result.stdout.trim()) throw new Error(`cairn sync printed nothing; stderr:\n${result.stderr}`);
    return { code: result.code, entry: JSON.parse(result.stdout) as AuditEntry };
  };

  it('records and shows the release, then applies the next commit', async () => {
    // Given a commit adding 1,500 ConfigMaps
    const ns = platform.namespace('dev');
    platform.commit('dev', 'release 1,500 settings', {
      'k8s-resources/release.yaml': configMaps(ns, 1_500, 'one'),
    });

    // When it is synced
    const first = await sync();

    // Then it succeeded, and the ledger shows it whole through the CLI
    expect(first.entry.outcome).toBe('succeeded');
    const created = first.entry.changes.filter((c) => c.subject.includes('/release-'));
    expect(created).toHaveLength(1_500);
    expect(first.code).toBe(0);
    const shown = await cairn(['audit', 'show', first.entry.id, '--config', platform.configFile, '--json']);
    expect(shown.code).toBe(0);
    expect((JSON.parse(shown.stdout) as AuditEntry).changes).toEqual(first.entry.changes);

    // When the next commit changes one of them
    const next = platform.commit('dev', 'change one setting', {
      'k8s-resources/release.yaml': configMaps(ns, 1_500, 'one').replace(
        `name: release-00007\n  namespace: ${ns}\ndata:\n  value: one`,
        `name: release-00007\n  namespace: ${ns}\ndata:\n  value: two`,
      ),
    });
    const second = await sync();

    // Then it applies, is recorded after the big entry, and the trail verifies
    expect(second.entry.outcome).toBe('succeeded');
    expect(second.entry.toSha).toBe(next);
    expect(second.entry.changes.filter((c) => c.action === 'configured').map((c) => c.subject)).toEqual([
      `ConfigMap/${ns}/release-00007`,
    ]);
    const live = await kc
      .makeApiClient(CoreV1Api)
      .readNamespacedConfigMap({ name: 'release-00007', namespace: ns });
    expect(live.data?.value).toBe('two');
    const list = JSON.parse(
      (await cairn(['audit', 'list', '--config', platform.configFile, '--json'])).stdout,
    ) as AuditEntry[];
    expect(list.map((e) => e.id).slice(0, 2)).toEqual([second.entry.id, first.entry.id]);
    const verify = await cairn(['audit', 'verify', '--config', platform.configFile]);
    expect(verify.stdout).toContain('audit trail intact');
    expect(verify.code).toBe(0);
  });
});
