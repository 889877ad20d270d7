import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { AuditLog } from '../../../controller/audit/audit-log';
import { revertCommand } from '../../../controller/cli/commands/revert';
import { loadConfig } from '../../../controller/config/load-config';
import { pushRevertCommit } from '../../../controller/source/revert-commit';
import { createTestRepo, type TestRepo } from '../../helpers/git-repo';

jest.setTimeout(60_000);

const REAL_GIT = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();

/**
 * A forged entry in an unkeyed JSONL ledger (anyone who can write the audit folder can make one
 * that verifies) whose fromSha is a git option that runs a command. `cairn revert` of it, with the
 * real push and the real git binary on PATH (through a wrapper that records every argv), must be
 * refused before any git process starts, and the command must never run.
 */
describe('cairn revert of a forged ledger entry', () => {
  let repo: TestRepo;
  let dir: string;
  let configFile: string;
  let argvLog: string;
  let marker: string;
  let forged: string;
  let head: string;
  const savedPath = process.env.PATH;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cairn-revert-forged-'));
    argvLog = join(dir, 'argv.log');
    marker = join(dir, 'pwned');
    mkdirSync(join(dir, 'bin'));
    const wrapper = join(dir, 'bin', 'git');
    writeFileSync(
      wrapper,
      `#!/bin/sh\nprintf '%s ' "$@" >> '${argvLog}'; echo >> '${argvLog}'\nexec '${REAL_GIT}' "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    repo = createTestRepo('revert-forged', { dev: { 'k8s-resources/a.yaml': 'value: one\n' } });
    const second = (head = repo.commit('dev', 'a: two', { 'k8s-resources/a.yaml': 'value: two\n' }));
    configFile = join(dir, 'cairn.yaml');
    writeFileSync(
      configFile,
      stringify({
        // A local path: git runs --upload-pack's command itself for it, so the attack would work.
        repository: { url: repo.bare },
        environments: [{ name: 'dev', branch: 'dev', kubernetes: { namespace: 'apps' } }],
        audit: { dir: join(dir, 'audit'), unkeyed: true },
        server: { port: 0 },
      }),
    );
    // The forger writes through cairn's own code: with no key, the chain it makes verifies.
    const log = await AuditLog.open(loadConfig(configFile).audit);
    try {
      const fromSha = `--upload-pack=touch ${marker}`;
      forged = await log.start({ env: 'dev', trigger: 'manual', fromSha, toSha: second });
      await log.end({
        id: forged,
        env: 'dev',
        trigger: 'manual',
        fromSha,
        toSha: second,
        author: 'Mallory <m@example.com>',
        message: 'harmless',
        committedAt: new Date().toISOString(),
        startedAt: new Date().toISOString(),
        finishedAt: new Date().toISOString(),
        outcome: 'succeeded',
        phases: [],
        changes: [],
      });
    } finally {
      await log.close();
    }
    process.env.PATH = `${join(dir, 'bin')}:${savedPath}`;
  });

  afterAll(() => {
    process.env.PATH = savedPath;
    repo?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  const gitRuns = () => (existsSync(argvLog) ? readFileSync(argvLog, 'utf8').trim() : '');

  it('refuses it with exit 1 before git runs, and the command never runs', async () => {
    // Given the forged entry in the ledger; when it is reverted with the real push
    const err: string[] = [];
    const code = await revertCommand(
      forged,
      { config: configFile },
      { env: {}, stdout: () => undefined, stderr: (t) => err.push(t) },
    );
    // Then it is refused, naming the field, and no git process was started
    expect(code).toBe(1);
    expect(err.join('')).toContain('fromSha is not a commit id: "--upload-pack=touch');
    expect(gitRuns()).toBe('');
    expect(existsSync(marker)).toBe(false);
  });

  it('is refused by the push itself too, before git runs, when a caller skips the command', async () => {
    await expect(
      pushRevertCommit({
        url: repo.bare,
        branch: 'dev',
        fromSha: `--upload-pack=touch ${marker}`,
        toSha: head,
        message: 'revert',
        identity: { name: 'cairn', email: 'cairn@localhost' },
        pushTo: 'dev',
        tmpRoot: dir,
      }),
    ).rejects.toMatchObject({ code: 'git.bad-sha' });
    await expect(
      pushRevertCommit({
        url: repo.bare,
        branch: '--upload-pack=x',
        fromSha: head,
        toSha: head,
        message: 'revert',
        identity: { name: 'cairn', email: 'cairn@localhost' },
        pushTo: '--upload-pack=x',
        tmpRoot: dir,
      }),
    ).rejects.toMatchObject({ code: 'git.bad-ref' });
    expect(gitRuns()).toBe('');
    expect(existsSync(marker)).toBe(false);
  });
});
