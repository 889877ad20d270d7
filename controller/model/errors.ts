/**
 * The one error type of cairn. It carries a stable code, the reconcile phase it belongs to,
 * whether retrying the same input can help, and the subject (file, object, stack, field) so that
 * its message can lead with what failed and end with what to do.
 */
export type Phase =
  | 'config'
  | 'fetch'
  | 'checkout'
  | 'synthesize'
  | 'plan'
  | 'apply-aws'
  | 'apply-kubernetes'
  | 'verify'
  | 'record'
  | 'server';

export interface CairnErrorOptions {
  readonly code: string;
  readonly phase?: Phase;
  /** True when the same input may succeed later (network, throttling, a busy stack). */
  readonly retryable?: boolean;
  /** What failed: `ConfigMap/apps/settings`, `stack Storage`, `environments[1].aws.region`, a file path. */
  readonly subject?: string;
  /** One sentence saying what the user can do about it. */
  readonly hint?: string;
  readonly cause?: unknown;
}

const BRAND = Symbol.for('cairn.error');

/** The error every module throws for a failure a user can act on. */
export class CairnError extends Error {
  readonly code: string;
  readonly phase: Phase | undefined;
  readonly retryable: boolean;
  readonly subject: string | undefined;
  readonly hint: string | undefined;
  /** The message as given, without the subject and hint that `message` adds (to re-frame an error). */
  readonly detail: string;
  readonly [BRAND] = true;

  constructor(message: string, options: CairnErrorOptions) {
    const text = [options.subject ? `${options.subject}: ${message}` : message, options.hint]
      .filter(Boolean)
      .join('. ');
    super(text, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'CairnError';
    this.code = options.code;
    this.phase = options.phase;
    this.retryable = options.retryable ?? false;
    this.subject = options.subject;
    this.hint = options.hint;
    this.detail = message;
  }
}

/** True for a CairnError, even one made by another copy of this package. */
export function isCairnError(value: unknown): value is CairnError {
  return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
}

/** The message of anything thrown, for logs and audit records. */
export function errorMessage(value: unknown): string {
  if (value instanceof Error) return value.message;
  return String(value);
}
