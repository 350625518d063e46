/**
 * @module
 * Transport failures. Both backends report a peer or network failure as a
 * {@link NetError} carrying Node's own system error code — the real backend
 * passes Node's error through, the simulated one makes errors of the same
 * shape — so code handling failures cannot tell the backends apart.
 */

/** The codes the transports report. */
export type NetErrorCode = 'ECONNREFUSED' | 'EADDRINUSE' | 'ECONNRESET' | 'EPIPE' | 'ETIMEDOUT' | (string & {});

/** An Error with a system error code, as Node's own socket errors are. */
export interface NetError extends Error {
  readonly code: NetErrorCode;
  readonly syscall?: string;
}

/** Makes an error shaped like Node's socket errors: `code`, `syscall`, message "syscall CODE detail". */
export function netError(code: NetErrorCode, syscall: string, detail = ''): NetError {
  const error = new Error(`${syscall} ${code}${detail ? ` ${detail}` : ''}`) as Error & { code: NetErrorCode; syscall: string };
  error.code = code;
  error.syscall = syscall;
  return error;
}

/** Narrows an unknown thrown or emitted value to a NetError (wrapping values without a code). */
export function toNetError(value: unknown, syscall: string): NetError {
  if (value instanceof Error && typeof (value as { code?: unknown }).code === 'string') return value as NetError;
  const error = netError('EIO', syscall, value instanceof Error ? value.message : String(value));
  if (value instanceof Error) (error as { cause?: unknown }).cause = value;
  return error;
}
