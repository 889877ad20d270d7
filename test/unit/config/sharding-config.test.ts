import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../controller/config/load-config';
import { isCairnError } from '../../../controller/model/errors';

const dir = mkdtempSync(join(tmpdir(), 'cairn-shard-config-'));
let n = 0;
function file(text: string): string {
  const path = join(dir, `c${n++}.yaml`);
  writeFileSync(path, text);
  return path;
}

const base = (audit: string, sharding: string, server = '') => `
repository: { url: ./repo }
environments:
  - name: dev
    kubernetes: {}
audit: ${audit}
${server}
sharding: ${sharding}
`;
const dynamodb = '{ dir: ./audit, backend: dynamodb, dynamodb: { table: cairn-audit, region: eu-west-1 } }';

describe('the sharding section', () => {
  const saved = { POD_NAME: process.env.POD_NAME, POD_IP: process.env.POD_IP };
  afterEach(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('is refused with the JSONL ledger, saying why: replicas need the shared DynamoDB ledger', () => {
    const error = (() => {
      try {
        loadConfig(file(base('{ dir: ./audit }', '{ enabled: true }')));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(isCairnError(error) && error.code).toBe('config.invalid');
    expect(isCairnError(error) && error.subject).toBe('sharding.enabled');
    expect(String((error as Error).message)).toMatch(/audit\.backend: dynamodb.*share one audit ledger/);
  });

  it('fills the defaults: 15 s Leases renewed every 5 s, POD_NAME plus a random suffix, http://POD_IP:port', () => {
    process.env.POD_NAME = 'cairn-7d9f-abcde';
    process.env.POD_IP = '10.1.2.3';
    const config = loadConfig(
      file(base(dynamodb, '{ enabled: true, handoffKeyEnv: HANDOFF_KEY }', 'server: { port: 9090 }')),
    );
    expect(config.sharding).toMatchObject({
      leaseDurationMs: 15_000,
      renewIntervalMs: 5_000,
      advertiseUrl: 'http://10.1.2.3:9090',
      shards: 16,
      handoffKeyEnv: 'HANDOFF_KEY',
    });
    expect(config.sharding?.identity).toMatch(/^cairn-7d9f-abcde_[0-9a-f]{8}$/);
    expect(config.sharding?.namespace).toBeTruthy();
  });

  it('takes what the file says, with the kubeconfig resolved against it and no trailing slash on the URL', () => {
    const config = loadConfig(
      file(
        base(
          dynamodb,
          '{ enabled: true, namespace: cairn, leaseDuration: 30s, renewInterval: 10s, identity: r0, kubeconfig: ./k.yaml, context: ops, advertiseUrl: "https://cairn-0.cairn:8443/", shards: 32, handoffKeyFile: ./handoff.key, peerUrls: ["https://cairn-0.cairn:8443/", "https://cairn-1.cairn:8443"] }',
        ),
      ),
    );
    expect(config.sharding).toEqual({
      namespace: 'cairn',
      leaseDurationMs: 30_000,
      renewIntervalMs: 10_000,
      identity: 'r0',
      kubeconfig: join(dir, 'k.yaml'),
      context: 'ops',
      advertiseUrl: 'https://cairn-0.cairn:8443',
      shards: 32,
      handoffKeyFile: join(dir, 'handoff.key'),
      peerUrls: ['https://cairn-0.cairn:8443', 'https://cairn-1.cairn:8443'],
    });
  });

  it.each([
    ['neither', '{ enabled: true }'],
    ['both', '{ enabled: true, handoffKeyEnv: K, handoffKeyFile: ./k }'],
  ])('refuses %s of handoffKeyFile and handoffKeyEnv, naming the key', (_, sharding) => {
    expect(() => loadConfig(file(base(dynamodb, sharding)))).toThrow(
      /sharding\.handoffKeyFile: sharding needs exactly one of sharding\.handoffKeyFile and sharding\.handoffKeyEnv/,
    );
  });

  it('refuses a renew interval above half the lease duration (the write fence closes at 4/5 of it)', () => {
    expect(() =>
      loadConfig(
        file(base(dynamodb, '{ enabled: true, leaseDuration: 5s, renewInterval: 3s, handoffKeyEnv: K }')),
      ),
    ).toThrow(/sharding.renewInterval/);
  });

  it('is off unless enabled, whatever else it says', () => {
    expect(
      loadConfig(file(base('{ dir: ./audit }', '{ enabled: false, identity: r0 }'))).sharding,
    ).toBeUndefined();
  });
});
