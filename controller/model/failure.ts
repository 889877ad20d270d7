import { isCairnError, errorMessage, type Phase } from './errors';

/**
 * Why a reconcile (or one subject in it) failed. `retryable` steers the controller: a retryable
 * failure backs off and tries again; a terminal one stalls the environment until a new commit or
 * a manual sync, because the same input will fail the same way.
 */
export interface Failure {
  readonly code: string;
  readonly phase: Phase;
  readonly retryable: boolean;
  readonly subject?: string;
  readonly message: string;
}

/** The Failure for anything thrown in a phase; errors that are not CairnErrors count as retryable. */
export function failureFrom(error: unknown, phase: Phase): Failure {
  if (isCairnError(error)) {
    return {
      code: error.code,
      phase: error.phase ?? phase,
      retryable: error.retryable,
      ...(error.subject === undefined ? {} : { subject: error.subject }),
      message: error.message,
    };
  }
  // Unknown errors (sockets, the SDK, the file system) are most often transient.
  return { code: 'unexpected', phase, retryable: true, message: errorMessage(error) };
}
