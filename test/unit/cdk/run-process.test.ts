import { existsSync, readFileSync } from 'node:fs';
import { runProcess } from '../../../cdk/synth/run-process';
import { noneRunner } from '../../../cdk/synth/synth-runner';

/** Pids of live processes whose command line contains `text`. */
function processesWith(text: string): number[] {
  const { readdirSync } = require('node:fs') as typeof import('node:fs');
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('runProcess', () => {
  it('resolves on the process exit although a descendant still holds its pipes', async () => {
    // given a shell that leaves a background child holding stdout and exits at once
    const started = Date.now();
    const result = await runProcess({
      file: '/bin/sh',
      args: ['-c', 'echo before; sleep 30 & echo after; exit 3'],
      cwd: '/',
      env: { PATH: '/usr/bin:/bin' },
      timeoutMs: 20_000,
    });
    // then it resolves well before the child would close the pipe, with the output and the code
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result).toMatchObject({ code: 3, timedOut: false });
    expect(result.output).toContain('after');
  });

  it('kills the whole process group at the timeout and resolves on the kill', async () => {
    const mark = `sleep 3${Math.floor(Math.random() * 1000)}`;
    const started = Date.now();
    const result = await runProcess({
      file: '/bin/sh',
      args: ['-c', `${mark} & ${mark}`],
      cwd: '/',
      env: { PATH: '/usr/bin:/bin' },
      timeoutMs: 500,
    });
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(result.timedOut).toBe(true);
    expect(processesWith(mark)).toEqual([]);
  });

  it('reports a program that cannot start as a failure with the reason', async () => {
    const result = await runProcess({
      file: '/no/such/program',
      args: [],
      cwd: '/',
      env: {},
      timeoutMs: 1000,
    });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('ENOENT');
  });
});

describe('the none runner', () => {
  it('kills a setsid descendant that left the process group, after the app exits', async () => {
    // given an app that starts a daemon in a new session and exits
    const mark = `sleep 4${Math.floor(Math.random() * 1000)}`;
    expect(existsSync('/usr/bin/setsid')).toBe(true);
    const result = await noneRunner().run({
      command: `setsid ${mark} & echo started`,
      cwd: '/',
      env: { PATH: '/usr/bin:/bin' },
      readOnly: [],
      writable: [],
      timeoutMs: 10_000,
    });
    // then once the run is over the daemon is gone too
    expect(result.code).toBe(0);
    expect(processesWith(mark)).toEqual([]);
  });
});
