import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/**
 * Sends a frame on a WebSocket whose socket is `socket`: the frames sent in one turn of the
 * event loop (a stream's updates, the requests of a pass's claims) leave in one write, the
 * socket corked until the turn ends, instead of a system call (and a wake-up of the peer) each.
 */
export function sendBatched(ws: WebSocket, socket: Duplex | null | undefined, frame: string): void {
  if (socket && !socket.writableCorked) {
    socket.cork();
    setImmediate(() => socket.uncork());
  }
  ws.send(frame);
}
