import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { stringify } from 'yaml';
import { publicRepository } from '../../controller/kube/identity';
import { silentLog } from '../../controller/log';
import type { EnvironmentStatus } from '../../controller/server/types';
import { createKubeLeaseApi } from '../../controller/shard/kube-lease-api';
import { replicaLeaseName, shardGroup, shardLeaseName, shardOf } from '../../controller/shard/names';
import { repoRoot, sandboxEnv } from '../sandbox/sandbox-env';
import { createTestRepo, type TestRepo } from './git-repo';
import { ledgerChain } from './ledger-chain';
import { greetingManifest } from './manifests';
import { freePort } from './net';

const BIN = join(repoRoot, 'dist', 'controller', 'cli', 'main.js');

/** One `cairn run` process of the group. */
export interface Replica {
  readonly name: string;
  readonly api: string;
  readonly config: string;
  process: ChildProcess | null;
}

/** How the group is set up. */
export interface ReplicaGroupOptions {
  readonly envs: readonly string[];
  readonly replicas: readonly string[];
  /** `sharding.leaseDuration` / `renewInterval` as config strings (default 15s / 5s). */
  readonly leaseDuration?: string;
  readonly renewInterval?: string;
  /** `sharding.shards` (default: the config default, 16). */
  readonly shards?: number;
}

/**
 * Replicas of the compiled `cairn run` sharing Kubernetes-only environments through shard Leases
 * on the sandbox's kube-apiserver, with one keyed DynamoDB ledger on the sandbox's moto: the real
 * parts the sharding e2e tests run against. Each environment's branch starts with a greeting
 * ConfigMap `v1` in namespace `<prefix>-<env>`.
 */
export class ReplicaGroup {
  readonly sandbox = sandboxEnv();
  readonly dir = mkdtempSync(join(tmpdir(), 'cairn-shard-e2e-'));
  readonly prefix = `shard-${randomBytes(3).toString('hex')}`;
  readonly secret = 'shard-e2e-webhook-secret';
  readonly auditKey = randomBytes(32).toString('hex');
  readonly handoffKey = randomBytes(32).toString('base64');
  readonly table = `cairn-shard-${randomBytes(4).toString('hex')}`;
  readonly dynamo: DynamoDBClient;
  replicas: Replica[] = [];
  /** When the replicas answered /healthz (Date.now()). */
  repo!: TestRepo;
  leases!: ReturnType<typeof createKubeLeaseApi>;
  group = '';

  constructor(private readonly o: ReplicaGroupOptions) {
    const aws = this.sandbox.aws;
    this.dynamo = new DynamoDBClient({
      region: aws.region,
      endpoint: aws.endpoint,
      credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey },
    });
  }

  /** The variables every replica gets (and the ledger reader needs). */
  get childEnv(): Record<string, string> {
    const aws = this.sandbox.aws;
    return {
      AWS_ACCESS_KEY_ID: aws.accessKeyId,
      AWS_SECRET_ACCESS_KEY: aws.secretAccessKey,
      AWS_REGION: aws.region,
      SHARD_WEBHOOK_SECRET: this.secret,
      SHARD_AUDIT_KEY: this.auditKey,
      SHARD_HANDOFF_KEY: this.handoffKey,
    };
  }

  /** Makes the repository, writes the configs, starts every replica and waits for /healthz. */
  async start(): Promise<void> {
    if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npm run build\` first`);
    this.repo = createTestRepo(
      'shard',
      Object.fromEntries(
        this.o.envs.map((env) => [
          env,
          { 'k8s-resources/greeting.yaml': greetingManifest(`${this.prefix}-${env}`, 'v1') },
        ]),
      ),
    );
    this.group = shardGroup(publicRepository(this.repo.bare));
    this.leases = createKubeLeaseApi(
      { kubeconfig: this.sandbox.kubernetes.kubeconfig, namespace: 'default' },
      this.group,
      silentLog(),
    );
    for (const name of this.o.replicas) {
      const port = await freePort();
      this.replicas.push({
        name,
        api: `http://127.0.0.1:${port}`,
        config: this.configFor(name, port),
        process: null,
      });
    }
    for (const r of this.replicas) this.startReplica(r);
    // Process start-up (loading the bin) is no part of any figure.
    await this.until('every replica answering /healthz', 120_000, async () => {
      const answers = await Promise.all(this.replicas.map((r) => fetch(`${r.api}/healthz`)));
      return answers.every((a) => a.ok) ? true : undefined;
    });
  }

  /**
   * Waits until every replica can have seen every other's heartbeat renew: a heartbeat advertises
   * its URL for handoffs only once its reader has seen its record change after first seeing it
   * (GroupView.advertisedBy). So this waits until it has itself seen each heartbeat change once,
   * then gives the replicas' watches a second to see the same. Found in CI: a fixed wait of 1.1
   * renew intervals after the replicas answered /healthz was too short on a loaded machine (a
   * heartbeat can be written after /healthz answers), and r0 answered a webhook for r1 with
   * "no live heartbeat of r1 advertises a URL".
   */
  async heartbeatsRenewed(): Promise<void> {
    const names = this.replicas.map((r) => replicaLeaseName(this.group, r.name));
    const first = new Map<string, string>();
    await this.until('every replica heartbeat seen renewing', 60_000, async () => {
      const versions = new Map(
        (await this.leases.list()).map((l) => [l.metadata.name, l.metadata.resourceVersion]),
      );
      for (const name of names) {
        const version = versions.get(name);
        if (version !== undefined && !first.has(name)) first.set(name, version);
      }
      return names.every((n) => first.has(n) && versions.get(n) !== first.get(n)) ? true : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }

  /** Stops every replica and removes the table, the repository and (unless KEEP_SHARD_LOGS=1) the logs. */
  async stop(): Promise<void> {
    for (const r of this.replicas) r.process?.kill('SIGTERM');
    this.leases?.close();
    await this.dynamo.send(new DeleteTableCommand({ TableName: this.table })).catch(() => undefined);
    this.repo?.remove();
    if (process.env.KEEP_SHARD_LOGS !== '1') rmSync(this.dir, { recursive: true, force: true });
  }

  /** The shard Lease covering `env`. */
  shardOf(env: string): string {
    return shardLeaseName(this.group, shardOf(env, this.o.shards ?? 16));
  }

  /** The shard Leases that cover at least one environment. */
  usedShards(): string[] {
    return [...new Set(this.o.envs.map((env) => this.shardOf(env)))];
  }

  /** Each environment's holder, read from its shard Lease. */
  async holders(): Promise<Map<string, string | null>> {
    const byName = new Map((await this.leases.list()).map((l) => [l.metadata.name, l]));
    return new Map(
      this.o.envs.map((env) => [env, byName.get(this.shardOf(env))?.spec.holderIdentity ?? null]),
    );
  }

  /** `/api/environments` of one replica. */
  async status(r: Replica): Promise<readonly EnvironmentStatus[]> {
    const response = await fetch(`${r.api}/api/environments`);
    return ((await response.json()) as { environments: EnvironmentStatus[] }).environments;
  }

  /** Polls `probe` every 50 ms until it returns a value, or fails naming `what`. */
  async until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe().catch(() => undefined);
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The records of one environment's chain, in chain order, straight from the table. */
  chain(env: string): Promise<Record<string, unknown>[]> {
    return ledgerChain(this.dynamo, this.table, env);
  }

  /** The holder that recorded `sha` of `env` as applied (`succeeded`), if any has. */
  async appliedBy(env: string, sha: string): Promise<string | undefined> {
    for (const record of await this.chain(env)) {
      const entry = record.entry as
        { toSha?: string; outcome?: string; lease?: { holder: string } } | undefined;
      if (record.type === 'end' && entry?.toSha === sha && entry.outcome === 'succeeded')
        return entry.lease?.holder;
    }
    return undefined;
  }

  /** A signed GitHub push of `sha` on `branch`, sent to replica `r`. */
  webhook(r: Replica, branch: string, sha: string): Promise<Response> {
    const body = JSON.stringify({ ref: `refs/heads/${branch}`, after: sha });
    return fetch(`${r.api}/hooks/github`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': `${branch}-${sha}-${randomBytes(3).toString('hex')}`,
        'x-hub-signature-256': `sha256=${createHmac('sha256', this.secret).update(body).digest('hex')}`,
      },
      body,
    });
  }

  /** Commits a new greeting value to `env`'s branch; its sha. */
  commit(env: string, value: string): string {
    return this.repo.commit(env, `Greeting ${value}`, {
      'k8s-resources/greeting.yaml': greetingManifest(`${this.prefix}-${env}`, value),
    });
  }

  private configFor(name: string, port: number): string {
    const file = join(this.dir, `${name}.yaml`);
    const { kubeconfig } = this.sandbox.kubernetes;
    const aws = this.sandbox.aws;
    writeFileSync(
      file,
      stringify({
        // No watcher and a long poll: only a webhook (or taking a Lease) makes a replica fetch.
        repository: { url: this.repo.bare, pollInterval: '10m', watch: false },
        environments: this.o.envs.map((env) => ({
          name: env,
          driftInterval: '0s',
          kubernetes: { kubeconfig, namespace: `${this.prefix}-${env}` },
        })),
        audit: {
          backend: 'dynamodb',
          dir: join(this.dir, `${name}-audit`),
          keyEnv: 'SHARD_AUDIT_KEY',
          dynamodb: { table: this.table, region: aws.region, endpoint: aws.endpoint },
        },
        server: { port, probePort: 0, webhookSecretEnv: 'SHARD_WEBHOOK_SECRET' },
        sharding: {
          enabled: true,
          identity: name,
          namespace: 'default',
          kubeconfig,
          handoffKeyEnv: 'SHARD_HANDOFF_KEY',
          ...(this.o.leaseDuration ? { leaseDuration: this.o.leaseDuration } : {}),
          ...(this.o.renewInterval ? { renewInterval: this.o.renewInterval } : {}),
          ...(this.o.shards ? { shards: this.o.shards } : {}),
        },
        workspaces: { dir: join(this.dir, `${name}-workspaces`) },
      }),
    );
    return file;
  }

  /** Spawns (or respawns) replica `r`, its output appended to `<dir>/<name>.log`. */
  startReplica(r: Replica): void {
    const child = spawn(process.execPath, [BIN, 'run', '--config', r.config], {
      env: { ...process.env, ...this.childEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = createWriteStream(join(this.dir, `${r.name}.log`), { flags: 'a' });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    r.process = child;
  }
}
