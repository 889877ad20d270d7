import pino, { type Logger } from 'pino';
import { maskSecrets } from './secret-mask';

/** The structured logger every module takes. Fixed field names: env, sha, trigger, phase, subject, action, stack, durationMs, err. */
export type Log = Logger;

export interface LogOptions {
  readonly level?: string;
  readonly format?: 'json' | 'pretty';
  /** Where lines go; defaults to stdout. Tests pass a stream to read them back. */
  readonly destination?: NodeJS.WritableStream;
}

/** One JSON object a line (or pretty lines for a person at a terminal). Secrets are redacted by path. */
export function createLog(options: LogOptions = {}): Log {
  const redact = {
    paths: [
      'token',
      '*.token',
      'secret',
      '*.secret',
      'authorization',
      '*.authorization',
      'password',
      '*.password',
    ],
    censor: '[redacted]',
  };
  const level = options.level ?? process.env.CAIRN_LOG_LEVEL ?? 'info';
  // The last line of defence: whatever reached a log line (an error quoting repository output), no
  // remembered secret and no AWS key leaves the process.
  const hooks = { streamWrite: maskSecrets };
  if (options.format === 'pretty') {
    const pretty = require('pino-pretty') as (o: object) => NodeJS.WritableStream;
    return pino(
      { level, redact, hooks },
      pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }),
    );
  }
  return pino(
    { level, redact, hooks, base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
    options.destination ?? process.stdout,
  );
}

/** A logger that drops everything, for tests that do not read logs. */
export function silentLog(): Log {
  return pino({ level: 'silent' });
}
