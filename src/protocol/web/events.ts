import type { ServerResponse } from 'node:http';

/** What a page hears on `/api/events`; each kind tells it what to fetch again. */
export type WebEvent =
  | { kind: 'hello'; version: string }
  | { kind: 'board'; hash: string; own: boolean }
  | { kind: 'invalid'; code: string; message: string }
  | { kind: 'state' };

/** Factories for each event kind, so a new kind is added in one place. */
export const webEvent = {
  hello: (version: string): WebEvent => ({ kind: 'hello', version }),
  board: (hash: string, own: boolean): WebEvent => ({ kind: 'board', hash, own }),
  invalid: (code: string, message: string): WebEvent => ({ kind: 'invalid', code, message }),
  state: (): WebEvent => ({ kind: 'state' }),
};

/** Bytes a client may have queued before it counts as too slow and is dropped. */
export const MAX_QUEUED_BYTES = 64 * 1024;

/** Turns a response into an event stream (no buffering by proxies, no caching). */
export function openStream(res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  res.flushHeaders();
  // Tells EventSource how long to wait before reconnecting after a drop.
  res.write('retry: 1000\n\n');
}

/**
 * Writes one event; false (and the connection destroyed) when the client has more than
 * `MAX_QUEUED_BYTES` waiting: a page that does not read must not make the daemon hold its events.
 */
export function writeEvent(res: ServerResponse, name: string, data: unknown): boolean {
  if (res.destroyed || res.writableEnded) return false;
  res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  if (res.writableLength > MAX_QUEUED_BYTES) {
    res.destroy();
    return false;
  }
  return true;
}

/** How many pages may listen at once, and how often an idle stream is kept alive. */
export interface HubLimits {
  clients: number;
  heartbeatMs: number;
}

/** The pages listening on `/api/events`: a fixed number of them, each with a bounded queue. */
export class EventHub {
  readonly #clients = new Set<ServerResponse>();
  readonly #limits: HubLimits;
  readonly #heartbeat: NodeJS.Timeout;

  constructor(limits: Partial<HubLimits> = {}) {
    this.#limits = { clients: 32, heartbeatMs: 15_000, ...limits };
    this.#heartbeat = setInterval(() => {
      for (const res of this.#clients) {
        if (res.destroyed) this.#clients.delete(res);
        else res.write(': keep-alive\n\n');
      }
    }, this.#limits.heartbeatMs);
    this.#heartbeat.unref();
  }

  get size(): number {
    return this.#clients.size;
  }

  /** Adds a page; false when the hub is full (the caller answers 503). */
  add(res: ServerResponse, first: WebEvent): boolean {
    if (this.#clients.size >= this.#limits.clients) return false;
    openStream(res);
    this.#clients.add(res);
    res.on('close', () => this.#clients.delete(res));
    return this.#write(res, first);
  }

  send(event: WebEvent): void {
    for (const res of this.#clients) this.#write(res, event);
  }

  close(): void {
    clearInterval(this.#heartbeat);
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }

  #write(res: ServerResponse, event: WebEvent): boolean {
    if (writeEvent(res, event.kind, event)) return true;
    this.#clients.delete(res);
    return false;
  }
}
