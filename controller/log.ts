import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';
import type { Log } from './model/log';
import { maskSecrets } from './model/secret-mask';

export type { Log } from './model/log';

export interface LogOptions {
  readonly level?: string;
  readonly format?: 'json' | 'pretty';
  /** Where lines go; defaults to stdout. Tests pass a stream to read them back. */
  readonly destination?: NodeJS.WritableStream;
}

type Fields = Readonly<Record<string, unknown>>;
const context = new AsyncLocalStorage<Fields>();

/**
 * Where `withLogFields` keeps its fields: in the async context by default, for a process running
 * any number of reconciles at once (`cairn run`); in one plain variable once `oneReconcileAtATime`
 * is called, for a command that runs a single reconcile (`cairn sync`, `cairn plan`). On Node 20
 * the async context's promise hooks cost a fresh 1,000-object sync some 75 ms of CPU and 20 to 30
 * ms of its time (one hook call for each of its tens of thousands of promises); Node 24's costs
 * nothing measurable.
 */
let single: { fields: Fields } | undefined;

/** From now on this process runs one reconcile at a time (see `single`). */
export function oneReconcileAtATime(on = true): void {
  single = on ? { fields: {} } : undefined;
}

/**
 * Runs `work` with `fields` (env, sha, trigger, phase) added to every line any logger writes inside
 * it, however deep. The appliers are made once per environment and outlive any one reconcile, so
 * their loggers cannot be children of the reconcile's; this is how their lines carry its fields.
 */
export function withLogFields<T>(fields: Fields, work: () => T): T {
  if (!single) return context.run({ ...context.getStore(), ...fields }, work);
  // One reconcile at a time: its phases nest or follow each other, never overlap.
  const held = single;
  const outer = held.fields;
  held.fields = { ...outer, ...fields };
  const restore = () => {
    held.fields = outer;
  };
  let result: T;
  try {
    result = work();
  } catch (error) {
    restore();
    throw error;
  }
  if (result instanceof Promise) return result.finally(restore) as T;
  restore();
  return result;
}

/** The context's fields a line does not already have from its logger's bindings or its own object. */
function contextFields(line: object, _level: number, logger: Log): object {
  const fields = single ? single.fields : context.getStore();
  if (!fields) return {};
  const bound = logger.bindings();
  const missing: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(fields))
    if (!(key in bound) && !(key in line)) missing[key] = value;
  return missing;
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
      { level, redact, mixin: contextFields, hooks },
      pretty({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }),
    );
  }
  return pino(
    { level, redact, mixin: contextFields, hooks, base: undefined, timestamp: pino.stdTimeFunctions.isoTime },
    options.destination ?? process.stdout,
  );
}

/** A logger that drops everything, for tests that do not read logs. */
export function silentLog(): Log {
  return pino({ level: 'silent' });
}
