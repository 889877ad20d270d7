import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { AuditLog } from '../../../controller/audit/audit-log';
import { runCommand } from '../../../controller/cli/commands/run';
import type { AuditConfig } from '../../../controller/config/types';
import { auditConfig, tempAuditDir, writeAuditOnlyConfig } from './audit-fixtures';

// Child processes start through tsx, which takes seconds on a busy machine.
jest.setTimeout(120_000);

const dirs: string[] = [];
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function freshConfig(test: string): Promise<AuditConfig> {
  const root = await tempAuditDir(test);
  dirs.push(root);
  return auditConfig(join(root, 'audit'));
}

interface Started {
  readonly child: ChildProcess;
  readonly said: { pid?: number; interrupted?: string[]; id?: string; error?: string };
}

/** Starts the writer process (optionally as pid 1 of a new pid namespace) and waits for its first line. */
function startWriter(config: AuditConfig, asPid1: boolean): Promise<Started> {
  const node = [
    process.execPath,
    '--require',
    require.resolve('tsx/cjs'),
    join(__dirname, 'audit-writer-process.ts'),
    JSON.stringify(config),
  ];
  const argv = asPid1 ? ['unshare', '--pid', '--fork', '--mount-proc', ...node] : node;
  const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n')) resolve({ child, said: JSON.parse(line!) as Started['said'] });
    });
    child.on('exit', (code) =>
      out.includes('\n') ? undefined : reject(new Error(`writer exited ${code} before it said anything`)),
    );
  });
}

/** The pid (in our namespace) of unshare's forked child: the process that is pid 1 inside. */
async function innerPid(unsharePid: number): Promise<number> {
  const children = (await readFile(`/proc/${unsharePid}/task/${unsharePid}/children`, 'utf8'))
    .trim()
    .split(/\s+/);
  return Number(children[0]);
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

describe('the audit writer lock', () => {
  it('refuses a second writer while the first is open, lets readers in, and is free again after close', async () => {
    const config = await freshConfig('lock-second');
    const first = await AuditLog.open(config);

    await expect(AuditLog.open(config)).rejects.toMatchObject({
      code: 'audit.locked',
      message: expect.stringMatching(/another cairn \(pid \d+ on .*\) is writing/),
    });
    const reader = await AuditLog.reader(config);
    expect(await reader.list()).toEqual([]);
    await reader.close();

    await first.close();
    const again = await AuditLog.open(config);
    await again.close();
  });

  it('survives a SIGKILL of pid 1: the same start-up as pid 1 again takes the lock and closes the interrupted start', async () => {
    // given a writer running as pid 1 of its own pid namespace, like cairn in a container, holding the lock
    const config = await freshConfig('lock-pid1');
    const first = await startWriter(config, true);
    expect(first.said).toMatchObject({ pid: 1, interrupted: [] });
    await expect(AuditLog.open(config)).rejects.toMatchObject({ code: 'audit.locked' });

    // when pid 1 is killed with SIGKILL (no exit handler runs) and started again the same way
    process.kill(await innerPid(first.child.pid!), 'SIGKILL');
    await exited(first.child);
    const second = await startWriter(config, true);

    // then it starts (the kernel dropped the dead holder's lock, though the new process is pid 1 too)
    // and records the start the killed one left as interrupted
    expect(second.said).toMatchObject({ pid: 1, interrupted: [first.said.id] });
    process.kill(await innerPid(second.child.pid!), 'SIGKILL');
    await exited(second.child);
  });

  it('is released when start-up fails after taking it (a port in use)', async () => {
    // given a port that is taken
    const config = await freshConfig('lock-startup');
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    const file = await writeAuditOnlyConfig(
      join(config.dir, '..'),
      `  dir: ${config.dir}\n  keyFile: ${config.keyFile}\nserver: { port: ${port}, probePort: 0 }\n`,
    );

    // when `cairn run` fails to listen
    await expect(runCommand({ config: file, logFormat: 'json' })).rejects.toThrow(/EADDRINUSE|in use/);
    blocker.close();

    // then the lock is free for the next start in this same process
    const next = await AuditLog.open(config);
    await next.close();
  });
});
