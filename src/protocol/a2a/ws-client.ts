import type { Duplex } from 'node:stream';
import { A2A_VERSION_HEADER } from '@a2a-js/sdk';
import { fromJsonRpcErrorResponse } from '@a2a-js/sdk/errors';
import { WebSocket } from 'ws';
import type { RawData } from 'ws';
import type { Logger } from '../../log.ts';
import { sendBatched } from './ws-batch.ts';
import { MAX_FRAME_BYTES, ResponseFrame, STREAM_CANCEL } from './ws-frames.ts';

/** Whether a peer's socket can carry requests now. */
export type SocketState = 'connecting' | 'open' | 'down' | 'closed';

/** Why a request over the socket did not get its answer; the caller may try again or over HTTP. */
export class PeerSocketError extends Error {
  override readonly name = 'PeerSocketError';
  constructor(
    readonly code: 'SOCKET_DOWN' | 'SOCKET_CLOSED' | 'SOCKET_TIMEOUT',
    message: string,
  ) {
    super(message);
  }
}

/** How a peer socket connects and how patient it is. */
export interface PeerSocketOptions {
  /** `ws://host:port/a2a/ws`. */
  url: string;
  /** Sent as `Authorization: Bearer …` on the upgrade. */
  token?: string | undefined;
  log: Logger;
  /** A ping this often; no pong (nor any frame) by the next one and the socket is dropped. */
  heartbeatMs?: number;
  /** A request with no answer by then fails (streams are kept alive by the heartbeat instead). */
  requestTimeoutMs?: number;
  /** The first reconnect waits about `baseMs`, each next one twice as long, up to `maxMs`. */
  backoff?: { baseMs: number; maxMs: number };
  random?: () => number;
}

type Pending =
  | { kind: 'call'; resolve: (result: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }
  | { kind: 'stream'; push: (result: unknown) => void; fail: (error: Error) => void; end: () => void };

/**
 * The delay before reconnect attempt `attempt` (0-based): exponential, capped, with jitter so
 * that daemons cut off together do not all knock again at the same moment (half fixed, half random).
 */
export function reconnectDelay(attempt: number, backoff: { baseMs: number; maxMs: number }, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.min(attempt, 30));
  return ceiling / 2 + random() * (ceiling / 2);
}

/**
 * One persistent WebSocket to a peer, shared by every run delegating to it: JSON-RPC requests
 * with their own ids, answers matched through a pending map, streams as async generators.
 * It connects on creation, reconnects after a drop with exponential backoff and jitter, and
 * drops a socket that misses a heartbeat. While it is not open, requests fail at once with
 * `SOCKET_DOWN` so the caller can use HTTP instead.
 */
export class PeerSocket {
  readonly #o: Required<Omit<PeerSocketOptions, 'token'>> & { token: string | undefined };
  #ws: WebSocket | null = null;
  /** The open socket's TCP socket, for sending frames batched. */
  #socket: Duplex | null = null;
  #state: SocketState = 'connecting';
  #attempt = 0;
  #nextId = 1;
  #alive = false;
  #reconnect: NodeJS.Timeout | null = null;
  #heartbeat: NodeJS.Timeout | null = null;
  readonly #pending = new Map<number, Pending>();
  readonly #waiters = new Set<() => void>();

  constructor(options: PeerSocketOptions) {
    this.#o = { heartbeatMs: 10_000, requestTimeoutMs: 30_000, backoff: { baseMs: 200, maxMs: 30_000 }, random: Math.random, ...options, token: options.token };
    this.#connect();
  }

  get state(): SocketState {
    return this.#state;
  }

  /** Resolves once the socket is open, or false after `ms` (or when it is closed for good). */
  opened(ms: number): Promise<boolean> {
    if (this.#state === 'open') return Promise.resolve(true);
    if (this.#state === 'closed') return Promise.resolve(false);
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#waiters.delete(done);
        resolve(this.#state === 'open');
      };
      const timer = setTimeout(done, ms);
      this.#waiters.add(done);
    });
  }

  /**
   * One request, one answer: the JSON-RPC result, or the SDK's error for a JSON-RPC error.
   * `parameters` are the request's A2A service parameters (what HTTP sends as headers).
   */
  request(method: string, params: unknown, signal?: AbortSignal, parameters?: Record<string, string>): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(abortError(signal));
      const id = this.#nextId++;
      const onAbort = () => settle(() => reject(abortError(signal!)));
      const settle = (then: () => void) => {
        clearTimeout(timer);
        this.#pending.delete(id);
        signal?.removeEventListener('abort', onAbort);
        then();
      };
      const timer = setTimeout(() => settle(() => reject(new PeerSocketError('SOCKET_TIMEOUT', `${method}: no answer over the socket in ${this.#o.requestTimeoutMs} ms`))), this.#o.requestTimeoutMs);
      timer.unref();
      this.#pending.set(id, { kind: 'call', timer, resolve: (result) => settle(() => resolve(result)), reject: (error) => settle(() => reject(error)) });
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        this.#send(id, method, params, parameters);
      } catch (error) {
        settle(() => reject(error as Error));
      }
    });
  }

  /**
   * A streaming request: yields each event's JSON-RPC result until the server ends the stream.
   * A caller that stops reading first (it aborts, or leaves the loop) tells the server to stop sending.
   */
  async *stream(method: string, params: unknown, signal?: AbortSignal, parameters?: Record<string, string>): AsyncGenerator<unknown, void, undefined> {
    if (signal?.aborted) throw abortError(signal);
    const id = this.#nextId++;
    const queue: unknown[] = [];
    let ended = false;
    let failure: Error | null = null;
    let wake: (() => void) | null = null;
    const notify = () => {
      const w = wake;
      wake = null;
      w?.();
    };
    const onAbort = () => {
      failure = abortError(signal!);
      notify();
    };
    this.#pending.set(id, {
      kind: 'stream',
      push: (result) => {
        queue.push(result);
        notify();
      },
      fail: (error) => {
        failure = error;
        notify();
      },
      end: () => {
        ended = true;
        notify();
      },
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    let sent = false;
    // Whether the server is done with the stream: it ended it, failed it, or the socket went.
    let over = false;
    try {
      this.#send(id, method, params, parameters);
      sent = true;
      for (;;) {
        if (queue.length > 0) {
          yield queue.shift();
          continue;
        }
        if (failure && !signal?.aborted) over = true;
        if (failure) throw failure;
        if (ended) {
          over = true;
          return;
        }
        await new Promise<void>((resolve) => (wake = resolve));
      }
    } finally {
      this.#pending.delete(id);
      signal?.removeEventListener('abort', onAbort);
      if (sent && !over && this.#state === 'open' && this.#ws) sendBatched(this.#ws, this.#socket, JSON.stringify({ jsonrpc: '2.0', method: STREAM_CANCEL, params: { id } }));
    }
  }

  /** Closes the socket for good: pending requests fail, no reconnect. */
  async close(): Promise<void> {
    this.#setState('closed');
    if (this.#reconnect) clearTimeout(this.#reconnect);
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    const ws = this.#ws;
    this.#ws = null;
    this.#failAll(new PeerSocketError('SOCKET_CLOSED', 'the daemon is closing its peer sockets'));
    if (ws && ws.readyState !== ws.CLOSED) {
      await new Promise<void>((resolve) => {
        ws.once('close', () => resolve());
        ws.terminate();
      });
    }
  }

  #send(id: number, method: string, params: unknown, parameters: Record<string, string> | undefined): void {
    const ws = this.#ws;
    if (this.#state !== 'open' || !ws) throw new PeerSocketError('SOCKET_DOWN', `the socket to ${this.#o.url} is ${this.#state}`);
    const serviceParameters = parameters && Object.keys(parameters).length > 0 ? parameters : undefined;
    sendBatched(ws, this.#socket, JSON.stringify({ jsonrpc: '2.0', id, method, params, serviceParameters }));
  }

  #connect(): void {
    if (this.#state === 'closed') return;
    this.#setState('connecting');
    const ws = new WebSocket(this.#o.url, {
      headers: { [A2A_VERSION_HEADER]: '1.0', ...(this.#o.token ? { authorization: `Bearer ${this.#o.token}` } : {}) },
      maxPayload: MAX_FRAME_BYTES,
      handshakeTimeout: this.#o.requestTimeoutMs,
    });
    this.#ws = ws;
    this.#socket = null;
    ws.on('upgrade', (response) => (this.#socket = response.socket));
    ws.on('open', () => {
      this.#attempt = 0;
      this.#alive = true;
      this.#setState('open');
      this.#o.log.debug(`peer socket open: ${this.#o.url}`);
      this.#heartbeat = setInterval(() => {
        if (!this.#alive) {
          this.#o.log.info(`peer socket ${this.#o.url} missed a heartbeat: dropping it`);
          ws.terminate();
          return;
        }
        this.#alive = false;
        ws.ping();
      }, this.#o.heartbeatMs);
      this.#heartbeat.unref();
    });
    ws.on('pong', () => (this.#alive = true));
    ws.on('message', (data, isBinary) => {
      this.#alive = true;
      if (!isBinary) this.#receive(data);
    });
    ws.on('error', (error) => this.#o.log.debug(`peer socket ${this.#o.url}: ${error.message}`));
    ws.on('close', () => {
      if (this.#heartbeat) clearInterval(this.#heartbeat);
      this.#heartbeat = null;
      if (this.#ws !== ws) return;
      this.#ws = null;
      this.#failAll(new PeerSocketError('SOCKET_CLOSED', `the socket to ${this.#o.url} closed`));
      if (this.#state === 'closed') return;
      this.#setState('down');
      const delay = reconnectDelay(this.#attempt++, this.#o.backoff, this.#o.random);
      this.#reconnect = setTimeout(() => this.#connect(), delay);
      this.#reconnect.unref();
    });
  }

  #receive(data: RawData): void {
    let frame: ResponseFrame;
    try {
      frame = ResponseFrame.parse(JSON.parse(data.toString()));
    } catch (error) {
      this.#o.log.warn(`peer socket ${this.#o.url} sent a frame that is not a JSON-RPC response: ${(error as Error).message.slice(0, 200)}`);
      return;
    }
    if ('method' in frame) {
      const pending = this.#pending.get(Number(frame.params.id));
      if (pending?.kind === 'stream') pending.end();
      return;
    }
    if (frame.id === null) {
      this.#o.log.warn(`peer socket ${this.#o.url}: ${'error' in frame ? frame.error.message : 'an answer without an id'}`);
      return;
    }
    const pending = this.#pending.get(Number(frame.id));
    if (!pending) return; // answered after its caller gave up
    if ('error' in frame) {
      const error = fromJsonRpcErrorResponse({ jsonrpc: '2.0', id: frame.id, error: frame.error });
      if (pending.kind === 'call') pending.reject(error);
      else pending.fail(error);
    } else if (pending.kind === 'call') {
      pending.resolve(frame.result);
    } else {
      pending.push(frame.result);
    }
  }

  #failAll(error: PeerSocketError): void {
    for (const pending of [...this.#pending.values()]) {
      if (pending.kind === 'call') pending.reject(error);
      else pending.fail(error);
    }
    this.#pending.clear();
  }

  #setState(state: SocketState): void {
    if (this.#state === 'closed') return;
    this.#state = state;
    for (const wake of [...this.#waiters]) wake();
  }
}

function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : Object.assign(new Error(String(reason ?? 'aborted')), { name: 'AbortError' });
}

/** Whether a peer's socket opens now (for `quimbot peers`): null when it does, else why not. */
export function probeSocket(url: string, token: string | undefined, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers: { [A2A_VERSION_HEADER]: '1.0', ...(token ? { authorization: `Bearer ${token}` } : {}) }, handshakeTimeout: timeoutMs });
    let answer: string | null | undefined;
    ws.once('open', () => {
      answer = null;
      ws.close();
    });
    ws.once('unexpected-response', (_req, res) => {
      answer = `HTTP ${res.statusCode}`;
      res.resume();
      ws.terminate();
    });
    ws.once('error', (error) => (answer ??= error.message));
    ws.once('close', () => resolve(answer === undefined ? 'closed' : answer));
  });
}
