import type { EnvironmentConfig } from '../../../controller/config/types';
import { CairnError } from '../../../controller/model/errors';
import { silentLog } from '../../../controller/log';
import { objectDiff } from '../../../controller/kube/diff';
import { parseManifestFile } from '../../../controller/kube/parse-manifests';
import type { KubeLoadOptions, Manifest } from '../../../controller/kube/types';
import type { PlaneResult } from '../../../controller/model';
import { reconcileEnvironment } from '../../../controller/reconcile/reconcile-environment';
import { FakeAws, FakeKube, FakeSource, MemoryAudit, revision } from '../../helpers/reconcile-fakes';

const env = (order: EnvironmentConfig['order'] = 'aws-first'): EnvironmentConfig => ({
  name: 'dev',
  branch: 'dev',
  order,
  driftIntervalMs: 0,
});

function setup(order: EnvironmentConfig['order'] = 'aws-first') {
  const source = new FakeSource();
  const audit = new MemoryAudit();
  const aws = new FakeAws();
  const kube = new FakeKube();
  const ports = { env: env(order), source, audit, aws, kube, log: silentLog() };
  return { ports, source, audit, aws, kube };
}

describe('reconcileEnvironment', () => {
  it('applies both halves of a first commit, AWS first, and records start and end', async () => {
    const { ports, audit, aws, kube } = setup();
    const { entry, ...result } = await reconcileEnvironment(
      ports,
      revision('a1', { aws: 't-aws-1', k8s: 't-k8s-1' }),
      'poll',
    );
    expect(result.outcome).toBe('succeeded');
    expect(entry.outcome).toBe('succeeded');
    expect(entry.fromSha).toBeNull();
    expect(audit.starts).toEqual([entry.id]);
    expect(aws.calls).toEqual(['synthesize a10', 'apply a10']);
    expect(kube.calls).toEqual(['load /tmp/fake-a1' + '0'.repeat(38), 'apply']);
    expect(entry.applied).toEqual({ aws: 't-aws-1', k8s: 't-k8s-1' });
    expect(entry.phases.map((p) => p.name)).toEqual([
      'fetch',
      'synthesize',
      'plan',
      'apply-aws',
      'apply-kubernetes',
      'record',
    ]);
    // the appliers' changes are recorded as they were returned, AWS first
    expect(entry.changes).toEqual([...aws.result.changes, ...kube.result.changes]);
    expect(result.changes).toEqual(entry.changes);
    expect(entry.failure).toBeUndefined();
    expect(entry.skipped).toBeUndefined();
  });

  it('skips a half whose folder tree did not change, without synthesizing or calling its API', async () => {
    const { ports, aws, kube } = setup();
    await reconcileEnvironment(ports, revision('a1', { aws: 't-aws-1', k8s: 't-k8s-1' }), 'poll');
    aws.calls.length = 0;
    kube.calls.length = 0;
    const { entry } = await reconcileEnvironment(
      ports,
      revision('b2', { aws: 't-aws-1', k8s: 't-k8s-2' }),
      'webhook',
    );
    expect(aws.calls).toEqual([]);
    expect(kube.calls).toHaveLength(2);
    expect(entry.skipped).toEqual({ aws: 'unchanged since last apply' });
    expect(entry.changes.map((c) => c.target)).toEqual(['kubernetes']);
    expect(entry.fromSha).toBe('a1'.padEnd(40, '0'));
  });

  it('records a commit that changes neither folder as a no-op without a checkout', async () => {
    const { ports, source } = setup();
    await reconcileEnvironment(ports, revision('a1', { aws: 't1', k8s: 't2' }), 'poll');
    const { outcome } = await reconcileEnvironment(ports, revision('c3', { aws: 't1', k8s: 't2' }), 'poll');
    expect(outcome).toBe('no-op');
    expect(source.checkouts).toHaveLength(1);
  });

  it('reports a failure as the ledger keeps it: a private key an error quoted is redacted everywhere', async () => {
    // given a load error quoting a file that holds a PEM private key
    const { ports, kube, audit } = setup();
    const key = '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7s3cr3t\n-----END RSA PRIVATE KEY-----';
    kube.loadError = new CairnError(`cannot parse: ${key}`, { code: 'kube.parse', phase: 'plan' });

    // when the reconcile fails
    const result = await reconcileEnvironment(ports, revision('a1', { aws: 't1', k8s: 't2' }), 'poll');

    // then what the status, notifications and sync output get is the recorded, scrubbed text
    expect(result.failure?.message).toContain('[redacted private key]');
    expect(JSON.stringify(result)).not.toContain('7s3cr3t');
    expect(result.failure).toEqual(result.entry.failure);
    expect(JSON.stringify(audit.entries)).not.toContain('7s3cr3t');
  });

  it('applies nothing when a manifest is broken, and names the file in the error', async () => {
    const { ports, aws, kube } = setup();
    kube.loadError = new CairnError('line 3, column 5: bad indentation', {
      code: 'kube.yaml',
      phase: 'plan',
      subject: 'k8s-resources/app.yaml',
    });
    const { entry, failure } = await reconcileEnvironment(
      ports,
      revision('d4', { aws: 't1', k8s: 't2' }),
      'poll',
    );
    expect(entry.outcome).toBe('failed');
    expect(aws.calls).toEqual(['synthesize d40']);
    // a broken file is terminal: the same commit fails the same way
    expect(entry.failure).toEqual({
      code: 'kube.yaml',
      phase: 'plan',
      retryable: false,
      message: 'k8s-resources/app.yaml: line 3, column 5: bad indentation',
      subject: 'k8s-resources/app.yaml',
    });
    expect(failure).toEqual(entry.failure);
    expect(entry.applied).toEqual({});
  });

  it('keeps the AWS half recorded when only the Kubernetes half failed, so a retry skips AWS', async () => {
    const { ports, aws, kube, audit } = setup();
    kube.result = {
      changes: [],
      failure: {
        code: 'kube.unhealthy',
        phase: 'verify',
        retryable: true,
        subject: 'Deployment/apps/web',
        message: 'Deployment/apps/web: 1 object(s) not healthy after 60s',
      },
    };
    const { entry: failed } = await reconcileEnvironment(
      ports,
      revision('e5', { aws: 'ta', k8s: 'tk' }),
      'poll',
    );
    expect(failed.outcome).toBe('failed');
    // a health failure is recorded as the verify phase, as the applier returned it
    expect(failed.failure).toEqual(kube.result.failure);
    expect(failed.applied).toEqual({ aws: 'ta' });
    kube.result = { changes: [] };
    aws.calls.length = 0;
    const { entry: retried } = await reconcileEnvironment(
      ports,
      revision('e5', { aws: 'ta', k8s: 'tk' }),
      'retry',
    );
    expect(retried.outcome).toBe('succeeded');
    expect(aws.calls).toEqual([]);
    expect((await audit.lastApplied('dev'))?.sha).toBe('e5'.padEnd(40, '0'));
  });

  it.each([
    ['aws-first', ['apply-aws']],
    ['kubernetes-first', ['apply-kubernetes', 'apply-aws']],
  ] as const)('with order %s, stops at a failed AWS apply', async (order, applied) => {
    const { ports, aws } = setup(order);
    aws.result = {
      changes: [{ target: 'aws', subject: 'data', action: 'skipped', reason: 'ended ROLLBACK_COMPLETE' }],
      failure: {
        code: 'aws.stack-failed',
        phase: 'apply-aws',
        retryable: false,
        subject: 'data',
        message: 'stack data ended ROLLBACK_COMPLETE: Queue (AWS::SQS::Queue): limit exceeded',
      },
    };
    const { entry } = await reconcileEnvironment(ports, revision('f6', { aws: 'ta', k8s: 'tk' }), 'poll');
    expect(entry.phases.map((p) => p.name).filter((n) => n.startsWith('apply'))).toEqual(applied);
    expect(entry.failure).toEqual(aws.result.failure);
    expect(entry.changes).toContainEqual(aws.result.changes[0]);
  });

  it('re-applies Kubernetes on a drift pass even when its tree is unchanged', async () => {
    const { ports, kube } = setup();
    await reconcileEnvironment(ports, revision('a1', { aws: null, k8s: 'tk' }), 'poll');
    kube.calls.length = 0;
    await reconcileEnvironment(ports, revision('a1', { aws: null, k8s: 'tk' }), 'drift');
    expect(kube.calls).toEqual(['load /tmp/fake-a1' + '0'.repeat(38), 'apply drift']);
  });

  it('records an unexpected error of a phase as a retryable failure of that phase', async () => {
    const { ports, aws } = setup();
    aws.synthesize = async () => {
      throw new Error('spawn ENOMEM');
    };
    const { failure } = await reconcileEnvironment(ports, revision('g7', { aws: 'ta', k8s: 'tk' }), 'poll');
    expect(failure).toEqual({
      code: 'unexpected',
      phase: 'synthesize',
      retryable: true,
      message: 'spawn ENOMEM',
    });
  });
});

describe('the start record', () => {
  /** An audit trail whose start records are written only once `written` is called. */
  function heldStart(audit: MemoryAudit): () => void {
    let written!: () => void;
    const held = new Promise<void>((resolve) => (written = resolve));
    const start = audit.start.bind(audit);
    audit.start = async (input) => {
      await held;
      return start(input);
    };
    return written;
  }
  const sha = 'a1' + '0'.repeat(38);

  it('is written while the commit is fetched and its manifests checked, and nothing is applied before it is in the ledger', async () => {
    const { ports, audit, source, kube } = setup();
    const written = heldStart(audit);
    const reconciled = reconcileEnvironment(ports, revision('a1', { aws: null, k8s: 't-k8s-1' }), 'poll');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(source.checkouts).toEqual([sha]);
    expect(kube.calls).toEqual([`load /tmp/fake-${sha}`]);
    expect(audit.starts).toEqual([]);
    written();
    const { entry } = await reconciled;
    expect(audit.starts).toEqual([entry.id]);
    expect(kube.calls).toEqual([`load /tmp/fake-${sha}`, 'apply']);
  });

  it('comes before a synth: a CDK app is not run until the record is in', async () => {
    const { ports, audit, source, aws } = setup();
    const written = heldStart(audit);
    const reconciled = reconcileEnvironment(
      ports,
      revision('a1', { aws: 't-aws-1', k8s: 't-k8s-1' }),
      'poll',
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(source.checkouts).toEqual([sha]);
    expect(aws.calls).toEqual([]);
    written();
    await reconciled;
    expect(aws.calls).toEqual(['synthesize a10', 'apply a10']);
  });

  it('that could not be written applies nothing, synthesizes nothing and records no end: its error is thrown', async () => {
    for (const trees of [
      { aws: 't-aws-1', k8s: 't-k8s-1' },
      { aws: null, k8s: 't-k8s-1' },
    ]) {
      const { ports, audit, aws, kube } = setup();
      audit.start = async () => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        throw new CairnError('this replica lost the Lease', { code: 'shard.lost', phase: 'record' });
      };
      await expect(reconcileEnvironment(ports, revision('a1', trees), 'poll')).rejects.toThrow(
        'this replica lost the Lease',
      );
      expect(aws.calls).toEqual([]);
      expect(kube.calls.filter((c) => c === 'apply')).toEqual([]);
      expect(audit.entries).toEqual([]);
    }
  });
});

describe('the Kubernetes half of an unchanged tree', () => {
  it.each([
    ['skipped when nothing cairn applied changed on the server', [], ['drifted']],
    [
      'applied when an object changed on the server since the last apply',
      ['ConfigMap/apps/settings'],
      ['drifted', 'load /tmp/fake-b2' + '0'.repeat(38), 'apply'],
    ],
  ])('is %s', async (_name, drift, calls) => {
    const { ports, kube } = setup();
    await reconcileEnvironment(ports, revision('a1', { aws: null, k8s: 'tk' }), 'poll');
    kube.calls.length = 0;
    kube.drift = drift;
    await reconcileEnvironment(ports, revision('b2', { aws: null, k8s: 'tk' }), 'manual');
    expect(kube.calls).toEqual(calls);
  });
});

describe('an AWS output bound into a Secret', () => {
  const PASSWORD = 'db-password-from-an-output';
  /** Reads one Secret file through the transform, and applies it with the diff the real applier makes. */
  class SecretKube extends FakeKube {
    private loaded: readonly Manifest[] = [];
    override async load(dir: string, options: KubeLoadOptions = {}): Promise<readonly Manifest[]> {
      await super.load(dir);
      const file = 'k8s-resources/db.yaml';
      const text = [
        'apiVersion: v1',
        'kind: Secret',
        'metadata: { name: db, annotations: { rotated-from: "${aws:dev-data.Password}" } }',
        'stringData: { password: "${aws:dev-data.Password}" }',
      ].join('\n');
      this.loaded = parseManifestFile(options.transform?.(file, text) ?? text, file).map((p) => ({
        object: p.object,
        file: p.file,
        documentIndex: p.documentIndex,
      }));
      return this.loaded;
    }
    override async apply(): Promise<PlaneResult> {
      const object = this.loaded[0]!.object;
      return {
        changes: [
          {
            target: 'kubernetes',
            subject: 'Secret/apps/db',
            action: 'created',
            diff: objectDiff(undefined, object),
          },
        ],
      };
    }
  }

  it("stays out of the ledger entry: the Secret's diff hides its data and the bound annotation", async () => {
    // given a commit binding a live output into a Secret's stringData and one of its annotations
    const aws = new FakeAws();
    aws.live.set('dev-data', new Map([['Password', PASSWORD]]));
    const ports = {
      env: env(),
      source: new FakeSource(),
      audit: new MemoryAudit(),
      aws,
      kube: new SecretKube(),
      log: silentLog(),
    };
    // when it is applied
    const { entry } = await reconcileEnvironment(
      ports,
      revision('a1', { aws: 't-aws', k8s: 't-k8s' }),
      'poll',
    );
    // then the Secret was written, and its recorded diff names the keys but not the value
    expect(entry.failure).toBeUndefined();
    const diff = entry.changes.find((c) => c.subject === 'Secret/apps/db')?.diff;
    expect(diff).toContain('rotated-from: (secret)');
    expect(JSON.stringify(entry)).not.toContain(PASSWORD);
  });
});
