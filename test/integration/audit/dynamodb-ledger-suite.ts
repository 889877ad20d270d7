import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy } from '../../helpers/dynamodb-fault-proxy';
import { auditKeyFile } from '../../helpers/e2e-platform';
import { BUILT_CAIRN } from '../../helpers/killable-run';
import { localPlatform, type LocalPlatform } from '../../helpers/local-platform';
import { sandboxEnv } from '../../sandbox/sandbox-env';
import { kubeKit, type KubeKit } from '../kube/kube-kit';

/** A Kubernetes-only environment of `dynamoDbLedgerSuite`, its ledger a table of its own. */
export interface DynamoDbLedgerPlatform {
  readonly p: LocalPlatform;
  readonly table: string;
  /** Its namespace on the sandbox's kube-apiserver. */
  readonly ns: string;
}

/**
 * The file-level set-up of a crash test of the DynamoDB ledger with the built binary: a kube kit
 * named `label`, a temporary root, and a DynamoDB fault proxy in front of moto, started and
 * stopped by the `beforeAll` and `afterAll` this registers (which also fails early when dist/ is
 * not built). Each `platform` is a Kubernetes-only environment whose ledger is a fresh table
 * reached through the proxy, so a test can freeze or kill the binary at a ledger write.
 */
export function dynamoDbLedgerSuite(label: string): {
  readonly kit: KubeKit;
  proxy(): DynamoDbFaultProxy;
  /** `sharding` adds to the unsharded heartbeat's settings (its lease duration, its renewals). */
  platform(name: string, sharding?: Record<string, unknown>): DynamoDbLedgerPlatform;
} {
  const kit = kubeKit(label);
  const root = mkdtempSync(join(tmpdir(), `cairn-${label}-`));
  const { aws, kubernetes } = sandboxEnv();
  let proxy: DynamoDbFaultProxy | undefined;
  beforeAll(async () => {
    if (!existsSync(BUILT_CAIRN)) throw new Error(`${BUILT_CAIRN} is missing: run \`npx tsc -p .\` first`);
    proxy = await startDynamoDbFaultProxy(aws.endpoint);
  });
  afterAll(async () => {
    await proxy?.close();
    rmSync(root, { recursive: true, force: true });
    await kit.cleanup();
  });
  const started = () => {
    if (!proxy) throw new Error('the DynamoDB fault proxy is not started');
    return proxy;
  };
  return {
    kit,
    proxy: started,
    platform(name, sharding = {}) {
      const ns = kit.name(name);
      kit.track(`/api/v1/namespaces/${ns}`);
      const dir = join(root, name);
      mkdirSync(dir, { recursive: true });
      const table = `cairn-${label}-${randomBytes(4).toString('hex')}`;
      const p = localPlatform(
        dir,
        { namespace: ns },
        {
          audit: {
            backend: 'dynamodb',
            dir: join(dir, 'audit'),
            keyFile: auditKeyFile(dir),
            dynamodb: { table, region: aws.region, endpoint: started().url },
          },
          sharding: { enabled: false, namespace: ns, kubeconfig: kubernetes.kubeconfig, ...sharding },
        },
      );
      return { p, table, ns };
    },
  };
}
