import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

const STOP_GRACE_MS = 15_000;

/**
 * Every process the demo starts, each in a process group of its own, and the one place that stops
 * them. Ctrl-C or SIGTERM at any moment stops them all (the whole group: `cairn run` with its synth
 * jobs, `sandbox.sh` with its builds), then runs the cleanups (stopping a sandbox the demo
 * started) and exits. An orphaned `cairn run` held its port and audit lock after Ctrl-C.
 */
export class DemoProcesses {
  private readonly running = new Set<ChildProcess>();
  private readonly cleanups: (() => void)[] = [];
  private stopping: Promise<void> | undefined;
  /** Set once the demo has told its story: a Ctrl-C after that is the normal end (exit 0). */
  finished = false;

  /** Starts a process in a new process group and keeps it until it exits. */
  spawn(command: string, args: readonly string[], options: SpawnOptions = {}): ChildProcess {
    const child = spawn(command, args, { ...options, detached: true });
    this.running.add(child);
    child.once('exit', () => this.running.delete(child));
    return child;
  }

  /** Resolves with the exit code of a process started with {@link spawn}. */
  static exited(child: ChildProcess): Promise<number> {
    if (child.exitCode !== null) return Promise.resolve(child.exitCode);
    return new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1))),
    );
  }

  /**
   * Runs `fn` when the demo stops, after every process is stopped (last registered first).
   * Returns a function that cancels it.
   */
  onStop(fn: () => void): () => void {
    this.cleanups.unshift(fn);
    return () => {
      const at = this.cleanups.indexOf(fn);
      if (at >= 0) this.cleanups.splice(at, 1);
    };
  }

  /** Stops one process's whole group: TERM, then KILL after the grace period. */
  async stop(child: ChildProcess): Promise<void> {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
    const exited = DemoProcesses.exited(child);
    signalGroup(child.pid, 'SIGTERM');
    const timer = new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref());
    await Promise.race([exited, timer]);
    // The group may outlive its leader (a build that ignored TERM): KILL it either way.
    signalGroup(child.pid, 'SIGKILL');
  }

  /** Stops every process, then runs the cleanups; a second call waits for the first. */
  stopAll(): Promise<void> {
    this.stopping ??= (async () => {
      await Promise.all([...this.running].map((child) => this.stop(child)));
      for (const fn of this.cleanups) {
        try {
          fn();
        } catch (error) {
          process.stderr.write(`demo: cleanup failed: ${(error as Error).message}\n`);
        }
      }
    })();
    return this.stopping;
  }

  /** Ctrl-C and SIGTERM stop everything, then exit (0 once the story is told, 130/143 before). */
  handleSignals(): void {
    const handler = (signal: NodeJS.Signals) => {
      // Decided when the signal lands: the story may go on printing while the processes stop,
      // and must not turn an interruption into a normal end.
      const told = this.finished;
      if (!told) process.stderr.write(`\ndemo: ${signal}: stopping every process it started\n`);
      void this.stopAll().then(() => process.exit(told ? 0 : signal === 'SIGINT' ? 130 : 143));
    };
    process.once('SIGINT', handler);
    process.once('SIGTERM', handler);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}
