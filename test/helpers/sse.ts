/** One Server-Sent Event as received. */
export interface ReceivedEvent {
  event: string;
  data: string;
  at: number;
}

/** A Server-Sent Events stream read over real HTTP, event by event. */
export interface EventStream {
  status: number;
  headers: Headers;
  /** Resolves with the next event named `name` (skipping others), or fails after `timeoutMs`. */
  next(name: string, timeoutMs?: number): Promise<ReceivedEvent>;
  /** Every event seen so far. */
  seen: ReceivedEvent[];
  close(): void;
}

/** Opens an event stream with fetch and parses it as the HTML spec says (event, data, blank line). */
export async function openEvents(url: string): Promise<EventStream> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: controller.signal });
  const seen: ReceivedEvent[] = [];
  const waiters: Array<() => void> = [];
  let cursor = 0;
  let ended = false;
  void (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) seen.push({ event, data: data.join('\n'), at: Date.now() });
          for (const wake of waiters.splice(0)) wake();
        }
      }
    } catch {
      // aborted by close()
    } finally {
      ended = true;
      for (const wake of waiters.splice(0)) wake();
    }
  })();
  return {
    status: response.status,
    headers: response.headers,
    seen,
    async next(name, timeoutMs = 5000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        while (cursor < seen.length) {
          const event = seen[cursor++]!;
          if (event.event === name) return event;
        }
        if (ended) throw new Error(`the stream ended before a "${name}" event; saw ${seen.map((e) => e.event).join(', ') || 'nothing'}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no "${name}" event within ${timeoutMs} ms; saw ${seen.map((e) => e.event).join(', ') || 'nothing'}`);
        await new Promise<void>((wake) => {
          const timer = setTimeout(wake, left);
          waiters.push(() => {
            clearTimeout(timer);
            wake();
          });
        });
      }
    },
    close: () => controller.abort(),
  };
}
