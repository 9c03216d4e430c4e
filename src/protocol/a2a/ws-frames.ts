import { z } from 'zod';

/** Where peers open their WebSocket on the daemon's listener. */
export const A2A_WS_PATH = '/a2a/ws';

/**
 * The binding's name in the agent card's `supportedInterfaces`: JSON-RPC 2.0 (the A2A v1.0
 * methods, unchanged) with one message per WebSocket text frame, a custom binding the spec
 * allows. Clients that do not know it pick the card's plain JSON-RPC interface.
 */
export const A2A_WS_BINDING = 'JSONRPC+WS';

/**
 * A streaming method (SendStreamingMessage, SubscribeToTask) answers with one frame per event,
 * each carrying the request id, then this notification; an error frame also ends a stream.
 */
export const STREAM_END = 'StreamEnd';

/** The largest frame either side accepts: a task with its history and artifacts fits easily. */
export const MAX_FRAME_BYTES = 4 * 1024 * 1024;

const Id = z.union([z.string(), z.number().int()]);

/**
 * A client that stops reading a stream says so with this notification (`params.id`: the
 * stream's request id), so the server stops sending it: the socket stays open for the rest.
 */
export const STREAM_CANCEL = 'StreamCancel';

/**
 * The A2A service parameters of one request (`A2A-Version`, `A2A-Extensions`, …), which HTTP
 * sends as headers. A frame carries its own; the upgrade's headers stand for those it leaves out.
 */
const ServiceParameters = z.record(z.string(), z.string());

/** A frame a client sends: one JSON-RPC request, or the end of its interest in a stream. */
export const ClientFrame = z.union([
  z.object({ jsonrpc: z.literal('2.0'), method: z.literal(STREAM_CANCEL), params: z.object({ id: Id }) }),
  z.object({
    jsonrpc: z.literal('2.0'),
    id: Id,
    method: z.string().min(1),
    params: z.record(z.string(), z.unknown()).optional(),
    serviceParameters: ServiceParameters.optional(),
  }),
]);
export type ClientFrame = z.infer<typeof ClientFrame>;

const RpcError = z.object({ code: z.number().int(), message: z.string(), data: z.any().optional() });

/** A frame the server sends: a result, an error, or the end of a stream. */
export const ResponseFrame = z.union([
  z.object({ jsonrpc: z.literal('2.0'), id: Id, result: z.unknown() }).strict(),
  z.object({ jsonrpc: z.literal('2.0'), id: Id.nullable(), error: RpcError }),
  z.object({ jsonrpc: z.literal('2.0'), method: z.literal(STREAM_END), params: z.object({ id: Id }) }),
]);
export type ResponseFrame = z.infer<typeof ResponseFrame>;

/** The JSON-RPC error frame for a request that could not be read (its id when one was found). */
export function errorFrame(id: string | number | null, code: number, message: string): string {
  return JSON.stringify({ jsonrpc: '2.0', id, error: { code, message } });
}
