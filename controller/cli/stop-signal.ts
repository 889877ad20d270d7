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
