import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../../controller/audit/audit-log';
import { startBuiltCairnRun, type BuiltCairnRun } from '../../helpers/built-cairn-run';
import { runKillable } from '../../helpers/killable-run';
import { answersOf, EIGHT_LOOPBACK_ADDRESSES, holdConnections, networkAddress } from '../../helpers/net';
import { sandboxEnv } from '../../sandbox/sandbox-env';
import { auditConfig, entry, recordEntry } from '../audit/audit-fixtures';

jest.setTimeout(60_000);

/**
 * The sidecar runner's jobs share the pod's network namespace with the controller: an
 * environment's renderer or CDK app is on 127.0.0.1 beside cairn's HTTP server. Without API
 * tokens that server trusts loopback, so a committer to dev read prod's ledger. The real
 * `cairn run` (the built binary) and `cairn validate`; the runner itself need not run, as what
 * matters is what a client on loopback without a token is answered.
 */
const PROD_SECRET = 'prod-only: rotate the payments key 7f3a';
const READ_TOKEN = 'read-token-for-sidecar-loopback';

describe('a config whose dev environment renders in the sidecar runner', () => {
  let dir: string;
  let ledger: string;
  let config: string;
  let run: BuiltCairnRun | undefined;
  const kubeconfig = () => sandboxEnv().kubernetes.kubeconfig;
  const environments = () => [
    { name: 'prod', kubernetes: { kubeconfig: kubeconfig() } },
    {
      name: 'dev',
      kubernetes: {
        kubeconfig: kubeconfig(),
        render: { isolation: 'sidecar', socket: join(dir, 'runner.sock') },
      },
    },
  ];
  const start = (server: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) =>
    startBuiltCairnRun(dir, {
      environments: environments(),
      audit: { dir: ledger, keyFile: `${ledger}.key` },
      server,
      env,
    });

  beforeEach(async () => {
    // Given prod's ledger, with an entry whose message is prod's alone
    dir = mkdtempSync(join(tmpdir(), 'cairn-sidecar-loopback-'));
    ledger = join(dir, 'ledger');
    config = join(dir, 'cairn.yaml');
    const log = await AuditLog.open(auditConfig(ledger));
    await recordEntry(log, entry({ id: 'prod-1', env: 'prod', message: PROD_SECRET }));
    await log.close();
  });

  afterEach(async () => {
    await run?.stop();
    run = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it('is refused without server.apiTokens: cairn run never answers prod’s ledger on loopback', async () => {
    // when cairn run starts with no API token, as a workstation runs it
    let leaked: string | undefined;
    let refusal = '';
    try {
      run = await start({});
      // (before the fix: it started, and a client on loopback, as dev's renderer is, read prod's ledger)
      const res = await fetch(`${run.url}/api/environments/prod/audit`);
      leaked = `${res.status} ${await res.text()}`;
    } catch (err) {
      refusal = (err as Error).message;
    }
    // then nothing was answered, and it exited 1 (an invalid config, as every one) naming the environment, its field and the one to set
    expect(leaked).toBeUndefined();
    expect(refusal).toMatch(/did not start \(exit 1\)/);
    expect(refusal).toContain(
      'server.apiTokens: none is configured, but environments[1] (dev) has kubernetes.render.isolation: sidecar',
    );
    // and cairn validate says the same (exit 1, "not valid")
    const validate = await runKillable(['validate', '--config', config]);
    expect(validate.code).toBe(1);
    expect(validate.stderr).toContain('server.apiTokens: none is configured');
    expect(validate.stderr).toContain('server.metricsAuth: is not true');
  });

  it('is refused with a token but /metrics open: it names every environment and its failures', async () => {
    let leaked: string | undefined;
    let refusal = '';
    try {
      run = await start(
        { apiTokens: [{ env: 'SIDECAR_READ', scopes: ['read'] }] },
        { SIDECAR_READ: READ_TOKEN },
      );
      // (before the fix: /metrics answered loopback without a token, every environment by name)
      const res = await fetch(`${run.url}/metrics`);
      leaked = `${res.status} ${(await res.text())
        .split('\n')
        .filter((l) => l.includes('env="prod"'))
        .join('\n')}`;
    } catch (err) {
      refusal = (err as Error).message;
    }
    expect(leaked).toBeUndefined();
    expect(refusal).toMatch(/did not start \(exit 1\)/);
    expect(refusal).toContain(
      'server.metricsAuth: is not true, but environments[1] (dev) has kubernetes.render.isolation: sidecar',
    );
    expect(refusal).not.toContain('server.apiTokens:');
  });

  it('runs with a token and metricsAuth, and loopback without the token reads nothing it keeps', async () => {
    run = await start(
      { apiTokens: [{ env: 'SIDECAR_READ', scopes: ['read'] }], metricsAuth: true },
      { SIDECAR_READ: READ_TOKEN },
    );
    const bare = async (path: string) => (await fetch(`${run!.url}${path}`)).status;
    expect({
      environments: await bare('/api/environments'),
      audit: await bare('/api/environments/prod/audit'),
      plans: await bare('/api/environments/prod/plans'),
      metrics: await bare('/metrics'),
      health: await bare('/healthz'),
    }).toEqual({ environments: 401, audit: 401, plans: 401, metrics: 401, health: 200 });
    // the token still reads prod's ledger (the lock is the token, not a refusal of the route)
    const withToken = await fetch(`${run.url}/api/environments/prod/audit`, {
      headers: { authorization: `Bearer ${READ_TOKEN}` },
    });
    expect(withToken.status).toBe(200);
    expect(await withToken.text()).toContain(PROD_SECRET);
  });

  it('keeps the main port open to the network while a job holds connections from every loopback address', async () => {
    // Given cairn run as in a pod (every address, a token, /metrics behind it), and the machine's
    // own address beyond loopback standing in for the ingress's (webhooks reach the pod's IP)
    const node = networkAddress();
    run = await start(
      { host: '0.0.0.0', apiTokens: [{ env: 'SIDECAR_READ', scopes: ['read'] }], metricsAuth: true },
      { SIDECAR_READ: READ_TOKEN },
    );
    const port = Number(new URL(run.url).port);
    // When a job of the sidecar runner (all of 127/8 is its own) opens 32 silent connections from
    // each of 8 loopback addresses (the port's 256 at 32 per client), opening new ones as they are cut
    const flood = holdConnections(port, EIGHT_LOOPBACK_ADDRESSES, 32);
    try {
      await new Promise((r) => setTimeout(r, 500));
      // Then a client from the network is answered at once: loopback is one client, its 32 connections
      // (before the fix: each loopback address was a client of its own, and the job held all 256)
      expect(await answersOf(`http://${node}:${port}/healthz`, 5)).toEqual([200, 200, 200, 200, 200]);
    } finally {
      flood.release();
    }
  });
});
