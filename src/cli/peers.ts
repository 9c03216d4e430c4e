import { resolve } from 'node:path';
import { loadConfig } from '../config.ts';
import { A2A_WS_BINDING } from '../protocol/a2a/ws-frames.ts';
import { probeSocket } from '../protocol/a2a/ws-client.ts';
import { readState } from '../store/index.ts';
import { EXIT } from './exit-codes.ts';

/** What `quimbot peers` says of one peer. */
interface PeerReport {
  name: string;
  url: string;
  token: string;
  reachable: boolean;
  agent: string | null;
  /** The peers' WebSocket: `up`, `down: why` (requests then go over HTTP), or `none` when the peer offers none. */
  socket: string;
  error: string | null;
  inFlight: Array<{ card: string; title: string; since: string }>;
}

/** `quimbot peers`: each peer, whether its agent card answers and its socket opens, and the cards delegated to it now. */
export async function runPeers(options: { config?: string; json?: boolean }): Promise<number> {
  const config = loadConfig(options.config ? { file: options.config } : {});
  const state = readState(resolve(config.workspace, config.state));
  const reports: PeerReport[] = await Promise.all(
    config.peers.map(async (peer) => {
      const token = peer.tokenEnv ? (process.env[peer.tokenEnv] ? `set in ${peer.tokenEnv}` : `not set (${peer.tokenEnv})`) : 'none';
      const inFlight = state.leases.filter((l) => l.agent === peer.name).map((l) => ({ card: l.cardId, title: l.title, since: new Date(l.acquiredAt).toISOString() }));
      const secret = peer.tokenEnv ? process.env[peer.tokenEnv] : undefined;
      try {
        const res = await fetch(new URL('/.well-known/agent-card.json', peer.url), { signal: AbortSignal.timeout(3000) });
        if (!res.ok) return { name: peer.name, url: peer.url, token, reachable: false, agent: null, socket: 'down: no agent card', error: `HTTP ${res.status}`, inFlight };
        const card = (await res.json()) as { name?: string; version?: string; supportedInterfaces?: Array<{ url?: string; protocolBinding?: string }> };
        const overSocket = card.supportedInterfaces?.find((i) => i.protocolBinding === A2A_WS_BINDING)?.url;
        const refused = overSocket ? await probeSocket(overSocket, secret, 3000) : undefined;
        const socket = refused === undefined ? 'none' : refused === null ? 'up' : `down: ${refused}`;
        return { name: peer.name, url: peer.url, token, reachable: true, agent: `${card.name ?? '?'} ${card.version ?? ''}`.trim(), socket, error: null, inFlight };
      } catch (error) {
        return { name: peer.name, url: peer.url, token, reachable: false, agent: null, socket: 'down', error: (error as Error).message, inFlight };
      }
    }),
  );
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ peers: reports }, null, 2)}\n`);
  } else if (reports.length === 0) {
    process.stdout.write('no peers configured (add `peers: [{ name, url, tokenEnv }]` to quimbot.config.json)\n');
  } else {
    for (const r of reports) {
      process.stdout.write(`${r.name.padEnd(12)} ${r.url}  ${r.reachable ? `up (${r.agent}), socket ${r.socket}` : `down: ${r.error}`}  token ${r.token}  ${r.inFlight.length} card(s) in flight\n`);
      for (const task of r.inFlight) process.stdout.write(`  ${task.card}  ${task.title}  since ${task.since}\n`);
    }
  }
  return reports.every((r) => r.reachable) ? EXIT.ok : EXIT.problems;
}
