import { ProviderError, retryableStatus, retryAfterMs as retryAfter, STATUS_TEXT } from '../providers/index.ts';

/** Stable codes for why a run failed. */
export type RunErrorCode = 'PROVIDER_ERROR' | 'TOOL_FAILED' | 'TIMEOUT' | 'CANCELLED' | 'BUDGET_EXCEEDED' | 'CLI_FAILED' | 'NO_COMMAND' | 'INPUT_REQUIRED';

/**
 * A failed run, classified: `retryable` failures (429, 5xx, timeouts, dropped connections) are
 * tried again after a backoff (`retryAfterMs` when the provider said how long); the others
 * (400, 401, 402, 403, a tool's bad argument) put the card in Blocked with `reason` in words.
 */
export class RunError extends Error {
  override readonly name = 'RunError';
  constructor(
    readonly code: RunErrorCode,
    /** Why, in words for the card: "HTTP 402 Payment Required". */
    readonly reason: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(reason);
  }
}


const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Classifies anything a backend threw. Provider SDK errors (`openai`, `@anthropic-ai/sdk`)
 * carry `status` and `headers`; connection errors carry a Node error `code` or the SDK's
 * connection error name; anything else is final and reported by its message.
 */
export function classifyError(error: unknown): RunError {
  if (error instanceof RunError) return error;
  if (error instanceof ProviderError) return new RunError(error.code === 'BUDGET_EXCEEDED' ? 'BUDGET_EXCEEDED' : 'PROVIDER_ERROR', error.message, error.retryable, error.retryAfterMs);
  const e = (error ?? {}) as { status?: unknown; headers?: unknown; code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  if (typeof e.status === 'number') {
    const status = e.status;
    const reason = `HTTP ${status} ${STATUS_TEXT[status] ?? 'Error'}`;
    return new RunError('PROVIDER_ERROR', reason, retryableStatus(status), retryAfter(e.headers));
  }
  const name = typeof e.name === 'string' ? e.name : '';
  if (name === 'APIConnectionTimeoutError') return new RunError('TIMEOUT', 'the provider did not answer in time', true);
  if (name === 'APIConnectionError' || RETRYABLE_CODES.has(String(e.code)) || RETRYABLE_CODES.has(String((e.cause as { code?: unknown })?.code))) {
    return new RunError('PROVIDER_ERROR', `connection failed: ${message}`, true);
  }
  if (name === 'AbortError' || name === 'APIUserAbortError') return new RunError('CANCELLED', 'cancelled', false);
  const code = typeof e.code === 'string' ? e.code : '';
  return new RunError('TOOL_FAILED', code ? `${code}: ${message}` : message, false);
}

