import type { ChildProcess } from 'node:child_process';
import { auditLines } from '../helpers/audit-lines';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditEntry } from '../../controller/audit/types';
import { runCli, startCli } from '../helpers/cli';
import { awsTestCredentials, makeE2ePlatform, settings, type E2ePlatform } from '../helpers/e2e-platform';

jest.setTimeout(240_000);

/** Polls `check` every 200 ms until it returns a value, or fails after `timeoutMs` saying what it waited for. */
async function eventually<T>(
  what: string,
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * Crash safety against the real parts: `cairn run` is killed with SIGKILL in the middle of an
 * apply; started again, it records the attempt as interrupted, converges, and the chain verifies.
 */
describe('a controller killed mid-apply', () => {
  let platform: E2ePlatform;
  let controller: ChildProcess | undefined;

  beforeAll(async () => {
    platform = makeE2ePlatform(['dev']);
    expect(
      (await runCli(['bootstrap', '--config', platform.configFile, '--env', 'dev'], awsTestCredentials()))
        .code,
    ).toBe(0);
  });

  afterAll(() => {
    controller?.kill('SIGKILL');
    platform?.cleanup();
  });

  const entries = async (): Promise<AuditEntry[]> =>
    JSON.parse(
      (await runCli(['audit', 'list', '--config', platform.configFile, '--env', 'dev', '--json'])).stdout,
    ) as AuditEntry[];

  it('records the interrupted attempt, converges on restart, and keeps the chain intact', async () => {
    // Given a controller that applied the first commit
    controller = startCli(['run', '--config', platform.configFile], awsTestCredentials());
    const shaA = platform.git('rev-parse', 'dev');
    await eventually('commit A applied', () =>
      auditLines(platform.auditDir).some((l) => l.includes('"type":"end"') && l.includes(`"toSha":"${shaA}"`))
        ? true
        : undefined,
    );

    // When a new commit starts applying and the process is killed with SIGKILL
    // The commit changes the CDK app too, so the reconcile spends seconds synthesizing: time to kill it mid-way.
    const shaB = platform.commit('dev', 'Turn green and add the queue', {
      'k8s-resources/settings.yaml': settings(platform.namespace('dev'), 'green'),
      'aws-resources/stack.json': JSON.stringify({ prefix: `e2e${platform.id}`, queue: true }),
    });
    await eventually('the start record of commit B', () =>
      auditLines(platform.auditDir).some(
        (l) => l.includes('"type":"start"') && l.includes(`"toSha":"${shaB}"`),
      )
        ? true
        : undefined,
    );
    controller.kill('SIGKILL');
    await new Promise((resolve) => controller!.once('exit', resolve));
    expect(
      auditLines(platform.auditDir).filter(
        (l) => l.includes('"type":"end"') && l.includes(`"toSha":"${shaB}"`),
      ),
    ).toEqual([]);

    // Then a restarted controller records the interruption and converges
    controller = startCli(['run', '--config', platform.configFile], awsTestCredentials());
    const latest = await eventually('commit B applied after the restart', async () => {
      const list = await entries();
      return list[0]?.toSha === shaB && list[0].outcome === 'succeeded' ? list : undefined;
    });
    controller.kill('SIGTERM');
    await new Promise((resolve) => controller!.once('exit', resolve));
    expect(latest.map((e) => `${e.toSha.slice(0, 7)}:${e.outcome}`)).toEqual([
      `${shaB.slice(0, 7)}:succeeded`,
      `${shaB.slice(0, 7)}:interrupted`,
      `${shaA.slice(0, 7)}:succeeded`,
    ]);
    expect(latest[0]!.trigger).toBe('startup');
    const verify = await runCli(['audit', 'verify', '--config', platform.configFile]);
    expect(verify.code).toBe(0);
  });

  it('fails verification naming the record when one byte of the audit file changes', async () => {
    const chain = join(platform.auditDir, 'envs', 'dev');
    const file = join(
      chain,
      readdirSync(chain)
        .filter((f) => f.endsWith('.jsonl'))
        .sort()[0]!,
    );
    const text = readFileSync(file, 'utf8');
    const lines = text.split('\n');
    const target = 1; // the second record: its end record for commit A
    const at = lines[target]!.indexOf('"outcome":"') + '"outcome":"'.length;
    lines[target] = lines[target]!.slice(0, at) + 'S' + lines[target]!.slice(at + 1);
    writeFileSync(file, lines.join('\n'));
    const verify = await runCli(['audit', 'verify', '--config', platform.configFile]);
    expect(verify.code).toBe(1);
    expect(verify.stderr).toMatch(
      new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2 \\(record 2\\): the record was changed`),
    );
  });
});
