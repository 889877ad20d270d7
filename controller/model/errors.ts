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
  if (isYamlException(value)) return yamlMessage(value);
  if (value instanceof Error) return value.message;
  return String(value);
}

/** A js-yaml exception, thrown by whichever copy of the library (cairn's or a dependency's). */
interface YamlException {
  readonly name: 'YAMLException';
  readonly reason: string;
  readonly mark?: { readonly line: number; readonly column: number };
}

function isYamlException(value: unknown): value is YamlException {
  return (
    value instanceof Error &&
    value.name === 'YAMLException' &&
    typeof (value as Partial<YamlException>).reason === 'string'
  );
}

// Found by the secret canary test: a js-yaml message ends with a snippet of the lines around the
// error, so a kubeconfig with a YAML mistake (read by @kubernetes/client-node) put its token or
// client key into the failure, the ledger, the logs and `cairn validate`'s output.
function yamlMessage(error: YamlException): string {
  const where = error.mark ? ` at line ${error.mark.line + 1}, column ${error.mark.column + 1}` : '';
  return `invalid YAML${where}: ${yamlReason(error.reason)}`;
}

// js-yaml reasons that quote what the parser read: an alias's name, a tag, a tag handle or prefix.
const ALIAS_REASON = /^unidentified alias /;
const TAG_REASON =
  /^(unknown tag|unacceptable node kind for !<|cannot resolve a node with|tag name|tag prefix|undeclared tag handle|there is a previously declared suffix)/;

/**
 * A js-yaml reason without the text it read. Found by the secret canary test: an AWS output bound
 * into a Secret whose value starts with `*` (or `!`) becomes, in a plain scalar, an alias (or a tag)
 * that js-yaml quotes (`unidentified alias "<the rest of the value>"`), and the failure carried that
 * live value into the ledger, the API, notifications, traces and the pull-request comment. The
 * line and column, given beside it, say where the problem is.
 */
export function yamlReason(reason: string): string {
  if (ALIAS_REASON.test(reason))
    return 'unidentified alias (a plain value that starts with `*` names an alias: quote the value)';
  if (TAG_REASON.test(reason))
    return 'a tag that cannot be read (a plain value that starts with `!` is a tag: quote the value)';
  return reason;
}
