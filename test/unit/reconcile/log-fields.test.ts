import { PassThrough } from 'node:stream';
import type { EnvironmentConfig } from '../../../controller/config/types';
import { createLog, oneReconcileAtATime, withLogFields, type Log } from '../../../controller/log';
import { reconcileEnvironment } from '../../../controller/reconcile/reconcile-environment';
import { FakeAws, FakeKube, FakeSource, MemoryAudit, revision } from '../../helpers/reconcile-fakes';

const env: EnvironmentConfig = { name: 'dev', branch: 'dev', order: 'aws-first', driftIntervalMs: 0 };

/** Wraps an applier so that each call writes a line through `log`, a logger made before any reconcile, as wire.ts makes the appliers'. */
function logging<T extends object>(applier: T, log: Log): T {
  return new Proxy(applier, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        log.info({ call: String(key) }, 'applier called');
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

// `cairn run` keeps the fields in the async context; `cairn sync` and `cairn plan`, which run one
// reconcile, in a plain variable (Node 20's async context costs a large sync tens of ms).
describe.each([
  ['in the async context (cairn run)', false],
  ['one reconcile at a time (cairn sync)', true],
])('the log lines of one reconcile, %s', (_mode, single) => {
  beforeEach(() => oneReconcileAtATime(single));
  afterEach(() => oneReconcileAtATime(false));

  it('all carry env, sha, trigger and phase, the appliers’ lines too, each key once', async () => {
    // Given a logger writing JSON lines, and appliers whose logger is a child made once per environment
    const out = new PassThrough();
    const raw: string[] = [];
    out.on('data', (chunk: Buffer) => raw.push(...chunk.toString().split('\n').filter(Boolean)));
    const log = createLog({ destination: out, level: 'debug' });
    const applierLog = log.child({ env: env.name });
    const ports = {
      env,
      source: new FakeSource(),
      audit: new MemoryAudit(),
      aws: logging(new FakeAws(), applierLog),
      kube: logging(new FakeKube(), applierLog),
      log,
    };

    // When one webhook-triggered reconcile runs
    const rev = revision('a1', { aws: 't-aws-1', k8s: 't-k8s-1' });
    await reconcileEnvironment(ports, rev, 'webhook');
    await new Promise((resolve) => setImmediate(resolve));

    // Then every line names the reconcile and its phase
    const lines = raw.map((l) => JSON.parse(l) as Record<string, unknown>);
    const applierLines = lines.filter((l) => l.msg === 'applier called');
    expect(applierLines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) {
      expect(line).toMatchObject({ env: 'dev', sha: rev.sha.slice(0, 12), trigger: 'webhook' });
      expect(typeof line.phase).toBe('string');
    }
    expect(new Set(applierLines.map((l) => `${String(l.call)}@${String(l.phase)}`))).toEqual(
      new Set(['synthesize@synthesize', 'apply@apply-aws', 'load@plan', 'apply@apply-kubernetes']),
    );
    // and no key is written twice in one line (the applier's own env binding is not repeated)
    for (const line of raw) expect(line.match(/"env":/g)).toHaveLength(1);
  });

  it('outside a reconcile, a line carries only its own fields', () => {
    const out = new PassThrough();
    const raw: string[] = [];
    out.on('data', (chunk: Buffer) => raw.push(chunk.toString()));
    createLog({ destination: out }).child({ env: 'dev' }).info('idle');
    expect(JSON.parse(raw.join('')) as object).toEqual({
      level: 30,
      time: expect.any(String),
      env: 'dev',
      msg: 'idle',
    });
  });

  it('a phase inside another adds its fields for its own time, a failed one too', async () => {
    const out = new PassThrough();
    const raw: string[] = [];
    out.on('data', (chunk: Buffer) => raw.push(...chunk.toString().split('\n').filter(Boolean)));
    const log = createLog({ destination: out });
    const tick = () => new Promise((resolve) => setImmediate(resolve));
    await withLogFields({ sha: 'a1' }, async () => {
      await tick();
      log.info('outer');
      await withLogFields({ phase: 'plan' }, async () => {
        await tick();
        log.info('inner');
      });
      await expect(
        withLogFields({ phase: 'apply' }, async () => {
          await tick();
          throw new Error('refused');
        }),
      ).rejects.toThrow('refused');
      expect(() =>
        withLogFields({ phase: 'record' }, () => {
          throw new Error('at once');
        }),
      ).toThrow('at once');
      log.info('after');
    });
    log.info('outside');
    const lines = raw.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.msg, l.sha, l.phase])).toEqual([
      ['outer', 'a1', undefined],
      ['inner', 'a1', 'plan'],
      ['after', 'a1', undefined],
      ['outside', undefined, undefined],
    ]);
  });
});
