import type { Log } from '../log';

/** Resolves at the first SIGINT or SIGTERM, logging which: long-running commands stop on either. */
export function untilStopSignal(log: Log): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'stopping');
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/**
 * Logs and ignores SIGHUP from now on. Many daemons reload their config on it; Node's default is
 * to exit at once (status 129), dropping running reconciles mid-apply for an operator who expected
 * a reload. cairn has no reload, and a closed terminal must not stop it either.
 */
export function ignoreHangUp(log: Log): void {
  process.on('SIGHUP', () =>
    log.warn(
      { signal: 'SIGHUP' },
      'SIGHUP ignored: cairn does not reload its config; to apply a changed config, stop it (SIGTERM) and start it again',
    ),
  );
}
