/**
 * Runs one SDK request on an abort signal of its own, tied to `signal` only while it runs.
 * The OpenAI and Anthropic SDKs add an abort listener to the signal they are given and never
 * take it off: on a signal shared by a long run (a generation of thousands of requests, a
 * fine-tune polled for hours) they would pile up, one a request, until the run ends.
 */
export async function withRequestSignal<T>(signal: AbortSignal | undefined, request: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const own = new AbortController();
  const abort = () => own.abort(signal?.reason);
  if (signal?.aborted) own.abort(signal.reason);
  else signal?.addEventListener('abort', abort, { once: true });
  try {
    return await request(own.signal);
  } finally {
    signal?.removeEventListener('abort', abort);
  }
}
