import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { Server as HttpServer, IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { AGENT_CARD_PATH } from '@a2a-js/sdk';
import type { A2ARequestHandler } from '@a2a-js/sdk/server';
import { agentCardHandler, jsonRpcHandler, UserBuilder } from '@a2a-js/sdk/server/express';
import { createMcpExpressApp } from '@modelcontextprotocol/sdk/server/express.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import type { Express, NextFunction, Request, Response } from 'express';
import type { Logger } from '../log.ts';
import type { QuimbotMcp } from './mcp/server.ts';
import { A2A_PATH } from './a2a/card.ts';
import { A2A_WS_PATH } from './a2a/ws-frames.ts';
import { peerSocketServer, refuseUpgrade, versionRefusal } from './a2a/ws-server.ts';
import type { PeerSocketServer } from './a2a/ws-server.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const IDLE_MS = 30 * 60_000;

/** Where and how the daemon listens. */
export interface ListenOptions {
  host: string;
  port: number;
  /** Required from clients (`Authorization: Bearer …`) when bound beyond loopback. */
  token: string | null;
  /** A fresh MCP server for each session. */
  mcp: () => QuimbotMcp;
  /** The A2A request handler, served at `/a2a` (JSON-RPC) with the agent card at `/.well-known/agent-card.json`. */
  a2a?: A2ARequestHandler;
  /** Bearer tokens of known peers; when there are any, `/a2a` (and its WebSocket) refuses requests without one of them. */
  peerTokens?: readonly string[];
  /** Adds the web view's routes (`/`, `/api/…`) behind the same origin and token checks. */
  web?: (app: Express, listener: { sessions(): number }) => void;
  log: Logger;
}

/** The daemon's HTTP listener: where it is, its sessions, and how to stop it. */
export interface Listener {
  url: string;
  /** The peers' WebSocket endpoint, when A2A is served. */
  peerSockets: PeerSocketServer | null;
  boardChanged(): void;
  close(): Promise<void>;
}

/** A listener error with a stable code and what to do about it. */
export class ListenError extends Error {
  override readonly name = 'ListenError';
  constructor(
    readonly code: 'ADDRESS_IN_USE' | 'TOKEN_REQUIRED' | 'LISTEN_FAILED',
    message: string,
  ) {
    super(message);
  }
}

/**
 * One HTTP listener for the daemon (127.0.0.1 by default): MCP over Streamable HTTP at `/mcp`
 * with sessions, `/healthz`, and the web view when one is given. Host headers are checked against DNS rebinding on loopback;
 * beyond loopback a bearer token is required. Idle sessions are closed after 30 minutes.
 */
export async function listen(options: ListenOptions): Promise<Listener> {
  const loopback = LOOPBACK.has(options.host);
  if (!loopback && !options.token) {
    throw new ListenError('TOKEN_REQUIRED', `listening on ${options.host} needs a token: set the QUIMBOT_TOKEN environment variable (or listen.tokenEnv)`);
  }
  const app = createMcpExpressApp({ host: options.host });
  const sessions = new Map<string, { transport: StreamableHTTPServerTransport; mcp: QuimbotMcp; seen: number }>();

  if (loopback) app.use(localOrigin);
  if (options.token) app.use(bearer([options.token]));
  if (options.a2a) {
    app.use(`/${AGENT_CARD_PATH}`, agentCardHandler({ agentCardProvider: options.a2a }));
    if (options.peerTokens?.length) app.use(A2A_PATH, bearer(options.peerTokens));
    app.use(A2A_PATH, jsonRpcHandler({ requestHandler: options.a2a, userBuilder: UserBuilder.noAuthentication }));
  }
  const peerSockets = options.a2a ? peerSocketServer({ handler: options.a2a, log: options.log }) : null;
  app.get('/healthz', (_req, res) => {
    res.json({ ok: true, sessions: sessions.size, ...(peerSockets ? { peerSockets: peerSockets.stats() } : {}) });
  });
  options.web?.(app, { sessions: () => sessions.size });
  app.post('/mcp', async (req, res) => {
    const id = req.header('mcp-session-id');
    const known = id ? sessions.get(id) : undefined;
    if (known) {
      known.seen = Date.now();
      return known.transport.handleRequest(req, res, req.body);
    }
    if (id || !isInitializeRequest(req.body)) {
      res.status(id ? 404 : 400).json({ jsonrpc: '2.0', error: { code: -32000, message: id ? 'unknown or expired session; initialize again' : 'no session: send initialize first' }, id: null });
      return;
    }
    const mcp = options.mcp();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sessionId) => {
        sessions.set(sessionId, { transport, mcp, seen: Date.now() });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await mcp.server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  const bySession = async (req: Request, res: Response) => {
    const session = sessions.get(req.header('mcp-session-id') ?? '');
    if (!session) {
      res.status(404).json({ jsonrpc: '2.0', error: { code: -32000, message: 'unknown or expired session' }, id: null });
      return;
    }
    session.seen = Date.now();
    await session.transport.handleRequest(req, res);
  };
  app.get('/mcp', bySession);
  app.delete('/mcp', bySession);

  const server = await new Promise<HttpServer>((resolve, reject) => {
    const s = app.listen(options.port, options.host);
    s.once('listening', () => resolve(s));
    s.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new ListenError('ADDRESS_IN_USE', `${options.host}:${options.port} is in use: set listen.port in quimbot.config.json (0 picks a free port)`)
          : new ListenError('LISTEN_FAILED', `cannot listen on ${options.host}:${options.port}: ${error.message}`),
      ),
    );
  });
  if (peerSockets && options.a2a) {
    const handler = options.a2a;
    // The same gate as `/a2a` over HTTP, checked before the handshake: Host and Origin on
    // loopback, the listener's token, a peer's token, and an A2A version the card offers.
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => socket.destroy());
      if (new URL(req.url ?? '/', 'http://upgrade').pathname !== A2A_WS_PATH) return refuseUpgrade(socket, 404, `no WebSocket here; peers connect at ${A2A_WS_PATH}`);
      if (loopback && (!LOOPBACK.has(hostnameOf(`http://${req.headers.host ?? ''}`)) || (req.headers.origin !== undefined && !LOOPBACK.has(hostnameOf(req.headers.origin))))) {
        return refuseUpgrade(socket, 403, 'this host or origin may not use this daemon');
      }
      const given = req.headers.authorization;
      if ((options.token && !tokenMatches([options.token], given)) || (options.peerTokens?.length && !tokenMatches(options.peerTokens, given))) {
        return refuseUpgrade(socket, 401, 'a bearer token is required', { 'WWW-Authenticate': 'Bearer' });
      }
      void versionRefusal(handler, req).then((refusal) => (refusal ? refuseUpgrade(socket, 400, refusal) : peerSockets.handleUpgrade(req, socket, head)));
    });
  }
  const sweep = setInterval(() => {
    for (const [id, session] of sessions) {
      if (Date.now() - session.seen > IDLE_MS) {
        sessions.delete(id);
        void session.transport.close();
      }
    }
  }, 60_000);
  sweep.unref();
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    peerSockets,
    boardChanged() {
      for (const session of sessions.values()) void session.mcp.boardChanged();
    },
    async close() {
      clearInterval(sweep);
      await peerSockets?.close();
      await Promise.allSettled([...sessions.values()].map((s) => s.transport.close()));
      sessions.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Rejects requests without `Authorization: Bearer <token>` for one of the tokens (compared in constant time). */
function bearer(tokens: readonly string[]) {
  return (req: Request, res: Response, next: NextFunction) => {
    if (tokenMatches(tokens, req.header('authorization'))) return next();
    res.status(401).set('www-authenticate', 'Bearer').json({ error: 'a bearer token is required' });
  };
}

/** Whether an `Authorization: Bearer …` header carries one of the tokens (compared in constant time). */
function tokenMatches(tokens: readonly string[], authorization: string | undefined): boolean {
  const given = Buffer.from((authorization ?? '').replace(/^Bearer\s+/i, ''));
  return tokens.some((token) => {
    const expected = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}

/**
 * On loopback, a browser page from another site must not reach the daemon: a request that
 * carries an Origin header gets through only when that origin is itself on this machine.
 */
function localOrigin(req: Request, res: Response, next: NextFunction): void {
  const origin = req.header('origin');
  if (origin === undefined || LOOPBACK.has(hostnameOf(origin))) return next();
  res.status(403).json({ error: `origin ${origin} may not use this daemon` });
}

/** The host name of a URL without IPv6 brackets; empty when it is not a URL (and so refused). */
function hostnameOf(url: string): string {
  try {
    return new URL(url).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return '';
  }
}
