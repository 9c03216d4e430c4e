import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { A2A_VERSION_HEADER, Extensions, HTTP_EXTENSION_HEADER } from '@a2a-js/sdk';
import { A2A_ERROR_CODE } from '@a2a-js/sdk/errors';
import { defaultServerCallContextBuilder, JsonRpcTransportHandler, UnauthenticatedUser, validateVersion } from '@a2a-js/sdk/server';
import type { A2ARequestHandler } from '@a2a-js/sdk/server';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import type { Logger } from '../../log.ts';
import { sendBatched } from './ws-batch.ts';
import { ClientFrame, errorFrame, MAX_FRAME_BYTES, STREAM_END } from './ws-frames.ts';

const HEARTBEAT_MS = 15_000;

/** A socket's open streams by request id; a cancelled one sends no more frames. */
type Streams = Map<string | number, { cancelled: boolean }>;

/** The peers' WebSocket endpoint: the listener admits an upgrade, this serves the socket. */
export interface PeerSocketServer {
  /** Takes over an upgrade the listener has already authenticated. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Sockets open now, sockets accepted and requests served since start (for `/healthz` and tests). */
  stats(): { open: number; connections: number; requests: number };
  /** Cuts every open socket at once, as a network failure would (peers reconnect). */
  dropAll(): void;
  close(): Promise<void>;
}

/**
 * A2A over a WebSocket: each text frame is one JSON-RPC request, handed to the SDK's
 * `JsonRpcTransportHandler` over the same request handler as `/a2a`. Replies go back as frames
 * with the request's id (a stream: one frame per event, then `StreamEnd`). A frame that is not a
 * request gets a JSON-RPC error frame and the socket stays open. Sockets that stop answering
 * pings are dropped.
 */
export function peerSocketServer(options: { handler: A2ARequestHandler; log: Logger; heartbeatMs?: number }): PeerSocketServer {
  const { handler, log } = options;
  const transport = new JsonRpcTransportHandler(handler);
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES });
  const alive = new WeakSet<WebSocket>();
  let requests = 0;
  let connections = 0;

  wss.on('connection', (ws: WebSocket, req: IncomingMessage) => {
    connections++;
    alive.add(ws);
    // The socket's streams by request id: a cancel frame marks its stream.
    const streams: Streams = new Map();
    ws.on('pong', () => alive.add(ws));
    ws.on('error', (error) => log.debug(`peer socket error: ${error.message}`));
    ws.on('message', (data, isBinary) => {
      alive.add(ws);
      void serve(ws, req, streams, data, isBinary);
    });
  });

  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) {
        ws.terminate();
        continue;
      }
      alive.delete(ws);
      ws.ping();
    }
  }, options.heartbeatMs ?? HEARTBEAT_MS);
  heartbeat.unref();

  /** Each peer's socket, for sending frames batched. */
  const sockets = new WeakMap<WebSocket, Duplex>();
  const send = (ws: WebSocket, frame: string) => {
    if (ws.readyState === ws.OPEN) sendBatched(ws, sockets.get(ws), frame);
  };

  async function serve(ws: WebSocket, req: IncomingMessage, streams: Streams, data: RawData, isBinary: boolean): Promise<void> {
    if (isBinary) return send(ws, errorFrame(null, A2A_ERROR_CODE.INVALID_REQUEST, 'frames are JSON text, not binary'));
    let json: unknown;
    try {
      json = JSON.parse(rawText(data));
    } catch (error) {
      return send(ws, errorFrame(null, A2A_ERROR_CODE.PARSE_ERROR, `not JSON: ${(error as Error).message}`));
    }
    const parsed = ClientFrame.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      return send(ws, errorFrame(idOf(json), A2A_ERROR_CODE.INVALID_REQUEST, `not a JSON-RPC request: ${issue ? `${issue.path.join('.') || 'frame'}: ${issue.message}` : 'invalid'}`));
    }
    const frame = parsed.data;
    if (!('id' in frame)) {
      // The client stopped reading the stream (STREAM_CANCEL).
      const stream = streams.get(frame.params.id);
      if (stream) stream.cancelled = true;
      return;
    }
    requests++;
    const stream = { cancelled: false };
    try {
      const context = callContext(req, frame.serviceParameters ?? {});
      // The upgrade's version was checked before the handshake: only a frame naming another is checked again.
      if (context.requestedVersion !== versionOf(req.headers)) validateVersion(context.requestedVersion, await handler.getAgentCard(), 'JSONRPC');
      const { serviceParameters: _, ...request } = frame;
      const reply = await transport.handle(request, context);
      if (!isStream(reply)) return send(ws, JSON.stringify(reply));
      streams.set(frame.id, stream);
      for await (const event of reply) {
        if (ws.readyState === ws.OPEN && !stream.cancelled) {
          send(ws, JSON.stringify(event));
        } else if (frame.method !== 'SendStreamingMessage') {
          break;
        }
        // A sent message's stream is read to its end even with nobody listening: the SDK saves
        // the task's updates only while its stream is read, and GetTask must see how it ended.
      }
      if (!stream.cancelled) send(ws, JSON.stringify({ jsonrpc: '2.0', method: STREAM_END, params: { id: frame.id } }));
    } catch (error) {
      send(ws, JSON.stringify({ jsonrpc: '2.0', id: frame.id, error: JsonRpcTransportHandler.mapToJSONRPCError(error) }));
    } finally {
      if (streams.get(frame.id) === stream) streams.delete(frame.id);
    }
  }

  return {
    handleUpgrade(req, socket, head) {
      wss.handleUpgrade(req, socket, head, (ws) => {
        sockets.set(ws, socket);
        wss.emit('connection', ws, req);
      });
    },
    stats: () => ({ open: wss.clients.size, connections, requests }),
    dropAll() {
      for (const ws of wss.clients) ws.terminate();
    },
    async close() {
      clearInterval(heartbeat);
      this.dropAll();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/**
 * Whether an upgrade may become a peer socket, checked before the handshake: the A2A version
 * the client asks for must be one the agent card offers. Returns the refusal, or null.
 */
export async function versionRefusal(handler: A2ARequestHandler, req: IncomingMessage): Promise<string | null> {
  try {
    validateVersion(versionOf(req.headers), await handler.getAgentCard(), 'JSONRPC');
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/** Answers an upgrade that is refused with a plain HTTP status, and hangs up. */
export function refuseUpgrade(socket: Duplex, status: number, reason: string, headers: Record<string, string> = {}): void {
  const body = JSON.stringify({ error: reason });
  const lines = [`HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? 'Error'}`, 'Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}

const STATUS_TEXT: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found' };

// The socket speaks v1.0 unless the upgrade asked otherwise: it is newer than v0.3 clients.
function versionOf(headers: IncomingMessage['headers']): string {
  const header = headers[A2A_VERSION_HEADER.toLowerCase()];
  return (Array.isArray(header) ? header[0] : header) || '1.0';
}

/**
 * A frame's call context, as the SDK builds one for an HTTP request: the frame's service
 * parameters are its headers, over the upgrade's (names matched without regard to case).
 */
function callContext(req: IncomingMessage, parameters: Record<string, string>) {
  const headers: IncomingMessage['headers'] = { ...req.headers };
  for (const [name, value] of Object.entries(parameters)) headers[name.toLowerCase()] = value;
  const extensions = headers[HTTP_EXTENSION_HEADER.toLowerCase()];
  return defaultServerCallContextBuilder({
    user: new UnauthenticatedUser(),
    headers,
    requestedVersion: versionOf(headers),
    extensions: Extensions.parseServiceParameter(Array.isArray(extensions) ? extensions.join(',') : extensions),
  });
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

function idOf(json: unknown): string | number | null {
  const id = (json as { id?: unknown } | null)?.id;
  return typeof id === 'string' || (typeof id === 'number' && Number.isInteger(id)) ? id : null;
}

function isStream<T>(value: T | AsyncGenerator<T, void, undefined>): value is AsyncGenerator<T, void, undefined> {
  return typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function';
}
