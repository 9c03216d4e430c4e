/** Stable codes for why a provider call failed. */
export type ProviderErrorCode = 'UNKNOWN_PROVIDER' | 'NO_API_KEY' | 'PROVIDER_REFUSED' | 'PROVIDER_UNAVAILABLE' | 'BAD_RESPONSE' | 'BUDGET_EXCEEDED';

/** Reason phrases of the statuses providers answer with. */
export const STATUS_TEXT: Record<number, string> = {
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

/** Statuses worth trying again later: a timeout, a conflict, a rate limit, the provider's own trouble. */
export function retryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/**
 * A provider failure in words for a card ("HTTP 402 Payment Required: insufficient credits").
 * `status` and `retryAfterMs` are kept so a runner can tell a pause (429, 5xx) from a stop.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    readonly code: ProviderErrorCode,
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }

  /** Worth trying again later: rate limits, overload, server errors, dropped connections. */
  get retryable(): boolean {
    return this.code === 'PROVIDER_UNAVAILABLE' || (this.status !== undefined && retryableStatus(this.status));
  }
}

/** Turns what an SDK threw into a ProviderError; an abort is passed through untouched. */
export function toProviderError(error: unknown, provider: string): unknown {
  if (error instanceof ProviderError) return error;
  const e = (error ?? {}) as { status?: unknown; headers?: unknown; name?: unknown; message?: unknown; error?: unknown };
  const name = typeof e.name === 'string' ? e.name : '';
  if (name === 'AbortError' || name === 'APIUserAbortError') return error;
  if (typeof e.status === 'number') {
    const detail = detailOf(e.error) ?? '';
    const words = `HTTP ${e.status} ${STATUS_TEXT[e.status] ?? 'Error'}${detail ? `: ${detail}` : ''} (${provider})`;
    const code = e.status === 429 || e.status >= 500 ? 'PROVIDER_UNAVAILABLE' : 'PROVIDER_REFUSED';
    return new ProviderError(code, words, e.status, retryAfterMs(e.headers));
  }
  if (name === 'APIConnectionError' || name === 'APIConnectionTimeoutError') {
    return new ProviderError('PROVIDER_UNAVAILABLE', `${provider} did not answer: ${String(e.message)}`);
  }
  return error;
}

/** The provider's own words from an error body (OpenAI's and Anthropic's shapes). */
function detailOf(body: unknown): string | undefined {
  const b = body as { message?: unknown; error?: { message?: unknown } } | undefined;
  const message = b?.error?.message ?? b?.message;
  return typeof message === 'string' && message ? message.slice(0, 200) : undefined;
}

/** Milliseconds from `retry-after-ms` or `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: unknown, now = Date.now()): number | undefined {
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
