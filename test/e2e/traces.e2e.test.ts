import { createServer, type Server } from 'node:http';
import type { OtlpSpan, OtlpTraceRequest } from '../../controller/telemetry/otlp-encode';
import { greetingManifest as configMap } from '../helpers/manifests';
import { freePort } from '../helpers/net';
import { startOneEnvController, type OneEnvController } from '../helpers/one-env-controller';

jest.setTimeout(120_000);

/** A local OTLP/HTTP receiver: keeps every JSON body posted to /v1/traces. */
async function otlpReceiver(port: number) {
  const got: { path: string; type: string; body: OtlpTraceRequest }[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      got.push({
        path: req.url ?? '',
        type: String(req.headers['content-type']),
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpTraceRequest,
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { got, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/**
 * `cairn run` against the sandbox kube-apiserver with `telemetry.otlpEndpoint` set: each real
 * reconcile reaches a local OTLP/HTTP receiver as one trace with a span per recorded phase, and a
 * commit announced by a signed webhook shows in `cairn_release_seconds{env="dev"}`.
 */
describe('traces and the release metric (cairn run against the sandbox)', () => {
  const namespace = `e2e-traces-${Math.random().toString(36).slice(2, 7)}`;
  let otlp: Awaited<ReturnType<typeof otlpReceiver>>;
  let run: OneEnvController;

  beforeAll(async () => {
    const otlpPort = await freePort();
    otlp = await otlpReceiver(otlpPort);
    run = await startOneEnvController({
      name: 'traces',
      namespace,
      files: { 'k8s-resources/greeting.yaml': configMap(namespace, 'hello') },
      keyed: false,
      apiToken: false,
      gitToken: false,
      config: { telemetry: { otlpEndpoint: `http://127.0.0.1:${otlpPort}/` } },
    });
  });

  afterAll(async () => {
    await run?.stop();
    await otlp?.close();
  });

  const status = () => run.status();
  const until = async (what: string, ok: () => Promise<boolean> | boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await ok()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${what} within ${timeoutMs} ms (status ${JSON.stringify(await status())})`);
  };
  const spansOf = (sha: string): OtlpSpan[] =>
    otlp.got
      .flatMap((g) => g.body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)))
      .filter((s) => traceOf(sha).includes(s.traceId));
  const traceOf = (sha: string): string[] =>
    otlp.got
      .flatMap((g) => g.body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)))
      .filter(
        (s) =>
          s.parentSpanId === undefined &&
          s.attributes.some((a) => a.key === 'cairn.sha' && a.value.stringValue === sha),
      )
      .map((s) => s.traceId);
  const attr = (s: OtlpSpan, k: string) => s.attributes.find((a) => a.key === k)?.value.stringValue;

  it('sends a trace with a span per phase for a real reconcile, and times a webhook-announced release', async () => {
    // given the first commit applied at start-up, and its trace received
    const first = run.repo.sha('dev');
    await until(`${first} applied`, async () => (await status())?.lastAppliedSha === first, 60_000);
    await until(`a trace of ${first}`, () => traceOf(first).length === 1, 10_000);
    expect(otlp.got[0]).toMatchObject({ path: '/v1/traces', type: 'application/json' });

    // when a commit is pushed and announced by a signed webhook
    const sha = run.repo.commit('dev', 'Say hi', {
      'k8s-resources/greeting.yaml': configMap(namespace, 'hi'),
    });
    const sent = Date.now();
    expect(await run.push(sha, sha)).toBe(202);
    await until(`${sha} applied`, async () => (await status())?.lastAppliedSha === sha, 30_000);
    const releasedWithin = (Date.now() - sent) / 1000;
    await until(`a trace of ${sha}`, () => traceOf(sha).length === 1, 10_000);

    // then its trace has a root span with env, sha, trigger and outcome, and a child per phase
    const spans = spansOf(sha);
    const root = spans.find((s) => s.parentSpanId === undefined)!;
    expect(root.name).toBe('reconcile dev');
    expect(root.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(root.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(attr(root, 'cairn.env')).toBe('dev');
    expect(attr(root, 'cairn.trigger')).toBe('webhook');
    expect(attr(root, 'cairn.outcome')).toBe('succeeded');
    expect(root.status.code).toBe(1);
    // a child per phase the audit entry recorded, in order, with the entry's own timings
    const [entry] = await run.entries(1);
    expect(entry!.toSha).toBe(sha);
    expect(attr(root, 'cairn.entry')).toBe(entry!.id);
    const phases = spans.filter((s) => s.parentSpanId === root.spanId);
    expect(phases.map((s) => s.name)).toEqual(entry!.phases.map((p) => p.name));
    expect(phases.map((s) => s.name)).toEqual(expect.arrayContaining(['fetch', 'plan', 'apply-kubernetes']));
    expect(phases.map((s) => s.startTimeUnixNano)).toEqual(
      entry!.phases.map((p) => (BigInt(Date.parse(p.startedAt)) * 1_000_000n).toString()),
    );
    for (const s of spans) {
      expect(BigInt(s.endTimeUnixNano) >= BigInt(s.startTimeUnixNano)).toBe(true);
      expect(BigInt(s.startTimeUnixNano) >= BigInt(root.startTimeUnixNano)).toBe(true);
    }

    // and cairn_release_seconds{env="dev"} counted two releases: the first commit (seen at the
    // start-up fetch) and the webhook-announced one
    const metrics = await (await fetch(`${run.api}/metrics`)).text();
    const count = /^cairn_release_seconds_count\{env="dev"\} (\d+)$/m.exec(metrics);
    const sum = /^cairn_release_seconds_sum\{env="dev"\} ([\d.e+-]+)$/m.exec(metrics);
    expect(count?.[1]).toBe('2');
    expect(Number(sum?.[1])).toBeGreaterThan(0);
    expect(metrics).toMatch(/^cairn_traces_dropped_total 0$/m);
    expect(releasedWithin).toBeLessThan(30);
  });
});
