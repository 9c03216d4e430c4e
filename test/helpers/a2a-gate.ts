import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { A2A_WS_BINDING } from '../../src/protocol/a2a/ws-frames.ts';

/** A loopback HTTP proxy in front of a peer that holds back some of its answers. */
export interface A2aGate {
  url: string;
  /** The JSON-RPC methods the proxy passed on, in order. */
  methods: string[];
}

/**
 * Stands in front of an A2A peer on HTTP alone (its agent card names the proxy and no socket)
 * and never answers the JSON-RPC methods in `hold`: the peer gets the request, the client never
 * hears back. How a client behaves in the gap between sending and hearing becomes testable.
 */
export async function a2aGate(t: TestContext, peerUrl: string, hold: readonly string[]): Promise<A2aGate> {
  const methods: string[] = [];
  const held = new Set<() => void>();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const headers = Object.fromEntries(Object.entries(req.headers).filter(([name]) => name !== 'host' && name !== 'content-length')) as Record<string, string>;
    const method = body.length ? String((JSON.parse(body.toString()) as { method?: unknown }).method) : '';
    if (method) methods.push(method);
    const answer = await fetch(new URL(req.url ?? '/', peerUrl), { method: req.method ?? 'GET', headers, ...(body.length ? { body } : {}) }).catch(() => null);
    if (!answer) {
      // The peer stopped (the test is ending): what a proxy says then.
      res.writeHead(502).end();
      return;
    }
    if (req.url?.startsWith('/.well-known/agent-card.json')) {
      const card = (await answer.json()) as { supportedInterfaces: Array<{ url: string; protocolBinding: string }> };
      card.supportedInterfaces = card.supportedInterfaces.filter((i) => i.protocolBinding !== A2A_WS_BINDING).map((i) => ({ ...i, url: i.url.replace(peerUrl, gate.url) }));
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(card));
      return;
    }
    if (hold.includes(method)) {
      // The peer has the request; its answer goes nowhere until the test ends.
      held.add(() => {
        res.destroy();
        void answer.body?.cancel();
      });
      return;
    }
    // The body is passed on whole, as fetch decoded it.
    const passed = [...answer.headers].filter(([name]) => !['content-length', 'content-encoding', 'transfer-encoding', 'connection'].includes(name));
    res.writeHead(answer.status, Object.fromEntries(passed));
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const gate: A2aGate = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, methods };
  t.after(async () => {
    for (const release of held) release();
    await new Promise((resolve) => server.close(resolve));
  });
  return gate;
}
