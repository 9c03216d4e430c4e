import { Client, DefaultAgentCardResolver, JsonRpcTransportFactory } from '@a2a-js/sdk/client';
import type { Logger } from '../../log.ts';
import { PeerSocket } from './ws-client.ts';
import type { PeerSocketOptions, SocketState } from './ws-client.ts';
import { A2A_WS_BINDING } from './ws-frames.ts';
import { SocketTransport } from './ws-transport.ts';
import type { TransportCounts } from './ws-transport.ts';

// The first delegation to a peer waits this long for its socket before going over HTTP.
const FIRST_OPEN_MS = 1000;

/** A peer daemon to delegate to: where it is and the token shared with it. */
export interface PeerAddress {
  name: string;
  url: string;
  token?: string | undefined;
}

/** How the link to a peer stands: its socket (`none` when the peer offers no socket) and where requests went. */
export interface PeerLinkState {
  name: string;
  url: string;
  socket: SocketState | 'none';
  requests: TransportCounts;
}

interface Link {
  address: PeerAddress;
  client: Client;
  socket: PeerSocket | null;
  transport: SocketTransport | null;
}

/**
 * The daemon's links to its peers: for each, its agent card (fetched once), one SDK client and
 * one persistent socket shared by every run delegating there. A link that could not be made
 * (the peer down, a bad token) is not kept, so the next run tries again. Closed on stop.
 */
export class PeerLinks {
  readonly #links = new Map<string, Promise<Link>>();
  #closed = false;

  /** `sockets: false` keeps every peer on HTTP (to compare the two). */
  constructor(private readonly options: { log: Logger; sockets?: boolean; socket?: Partial<Omit<PeerSocketOptions, 'url' | 'token' | 'log'>> }) {}

  /** The client for a peer: over its socket when that is open, else over HTTP JSON-RPC. */
  async client(peer: PeerAddress): Promise<Client> {
    const key = `${peer.name}\n${peer.url}`;
    let link = this.#links.get(key);
    if (!link) {
      link = this.#open(peer);
      this.#links.set(key, link);
      link.catch(() => this.#links.delete(key));
    }
    return (await link).client;
  }

  /** Each link made so far. */
  async states(): Promise<PeerLinkState[]> {
    const links = await Promise.allSettled(this.#links.values());
    return links.flatMap((settled) => {
      if (settled.status === 'rejected') return [];
      const { address, socket, transport } = settled.value;
      return [{ name: address.name, url: address.url, socket: socket?.state ?? 'none', requests: transport ? { ...transport.counts } : { socket: 0, http: 0 } }];
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const links = await Promise.allSettled(this.#links.values());
    this.#links.clear();
    await Promise.all(links.map((settled) => (settled.status === 'fulfilled' ? settled.value.socket?.close() : undefined)));
  }

  async #open(address: PeerAddress): Promise<Link> {
    const { token } = address;
    // The token goes with every request; a refusal becomes an error with its status, which the
    // SDK's streaming transport would otherwise report without one.
    const fetchImpl: typeof fetch = async (input, init) => {
      const res = await fetch(input, token ? { ...init, headers: { ...Object.fromEntries(new Headers(init?.headers)), authorization: `Bearer ${token}` } } : init);
      if (res.status === 401 || res.status === 403) throw Object.assign(new Error(`${address.name} refused the request: HTTP ${res.status}`), { status: res.status, headers: res.headers });
      return res;
    };
    const card = await new DefaultAgentCardResolver({ fetchImpl }).resolve(address.url);
    const overHttp = card.supportedInterfaces.find((i) => i.protocolBinding === 'JSONRPC');
    if (!overHttp) throw new Error(`${address.name}'s agent card offers no JSON-RPC interface`);
    const http = await new JsonRpcTransportFactory({ fetchImpl }).create(overHttp.url, card);
    const overSocket = card.supportedInterfaces.find((i) => i.protocolBinding === A2A_WS_BINDING);
    // A peer without the socket (an older daemon, another A2A agent) is served over HTTP alone.
    if (!overSocket || this.#closed || this.options.sockets === false) return { address, client: new Client(http, card), socket: null, transport: null };
    const socket = new PeerSocket({ ...this.options.socket, url: overSocket.url, token, log: this.options.log.child({ peer: address.name }) });
    const transport = new SocketTransport(socket, http);
    await socket.opened(FIRST_OPEN_MS);
    return { address, client: new Client(transport, card), socket, transport };
  }
}
