/** Stable codes for why a run failed. */
export type RunErrorCode = 'PROVIDER_ERROR' | 'TOOL_FAILED' | 'TIMEOUT' | 'CANCELLED' | 'BUDGET_EXCEEDED' | 'CLI_FAILED' | 'NO_COMMAND';

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

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Payload Too Large',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
  529: 'Overloaded',
};

const RETRYABLE_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * Classifies anything a backend threw. Provider SDK errors (`openai`, `@anthropic-ai/sdk`)
 * carry `status` and `headers`; connection errors carry a Node error `code` or the SDK's
 * connection error name; anything else is final and reported by its message.
 */
export function classifyError(error: unknown): RunError {
  if (error instanceof RunError) return error;
  const e = (error ?? {}) as { status?: unknown; headers?: unknown; code?: unknown; name?: unknown; message?: unknown; cause?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  if (typeof e.status === 'number') {
    const status = e.status;
    const reason = `HTTP ${status} ${STATUS_TEXT[status] ?? 'Error'}`;
    const retryable = status === 408 || status === 409 || status === 429 || status >= 500;
    return new RunError('PROVIDER_ERROR', reason, retryable, retryAfter(e.headers));
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

/** Milliseconds from `retry-after-ms` or `retry-after` (seconds or an HTTP date), if given. */
export function retryAfter(headers: unknown, now = Date.now()): number | undefined {
  const get = (name: string): string | null => {
    if (!headers) return null;
    if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name);
    const value = (headers as Record<string, unknown>)[name];
    return typeof value === 'string' ? value : null;
  };
  const ms = Number(get('retry-after-ms'));
  if (Number.isFinite(ms) && ms > 0) return ms;
  const value = get('retry-after');
  if (value === null) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
