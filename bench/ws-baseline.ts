/**
 * The baseline for bench/a2a.ts (not a test): a delegation's frames between two processes over a
 * loopback WebSocket, with nothing else done. The client sends a SendStreamingMessage request,
 * the peer answers with the frames a delegation's stream carries (the task, working, the result
 * artifact, completed, the stream's end), and the client parses each. Measured in the same run
 * as the delegations, it is the ceiling the transport and JSON set, and it moves with the host's
 * speed as the delegations do. `node --import tsx bench/ws-baseline.ts --serve` is the peer.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';
import { percentile, processCpuMicros } from './measure.ts';

/** A delegation's request, about the size the peer backend sends. */
function request(id: number): string {
  const text = `**Probe ${id}** \`/doctor README.md\`\n- from Quimbot's board`;
  const message = { messageId: `msg-${id}-00000000-0000-0000-0000-000000000000`, contextId: '', taskId: '', role: 'ROLE_USER', parts: [{ text, mediaType: 'text/plain' }], metadata: { card: `probe-${id}` }, extensions: [], referenceTaskIds: [] };
  return JSON.stringify({ jsonrpc: '2.0', id, method: 'SendStreamingMessage', params: { message, configuration: { blocking: false, acceptedOutputModes: [] }, metadata: {} }, serviceParameters: { 'A2A-Version': '1.0' } });
}

/** The frames a delegation's stream carries back, about their real sizes. */
function streamOf(id: number): string[] {
  const task = `task-${id}-00000000-0000-0000-0000-000000000000`;
  const status = (state: string, words: string) => ({ state, message: { messageId: `st-${id}-${state}`, contextId: `ctx-${id}`, taskId: task, role: 'ROLE_AGENT', parts: [{ text: words, mediaType: 'text/plain' }], metadata: {}, extensions: [], referenceTaskIds: [] }, timestamp: new Date().toISOString() });
  const result = (value: object) => JSON.stringify({ jsonrpc: '2.0', id, result: value });
  return [
    result({ task: { id: task, contextId: `ctx-${id}`, status: status('TASK_STATE_SUBMITTED', ''), artifacts: [], history: [], metadata: { card: `a2a-${id}` } } }),
    result({ statusUpdate: { taskId: task, contextId: `ctx-${id}`, status: status('TASK_STATE_WORKING', `card a2a-${id} is on the board`), metadata: {} } }),
    result({ artifactUpdate: { taskId: task, contextId: `ctx-${id}`, artifact: { artifactId: `a2a-${id}-result`, name: 'result', parts: [{ text: '✅ README.md: no mojibake found ([log](../.quimbot/runs/run-0000000000-abcdef.log))' }], metadata: {} }, append: false, lastChunk: true } }),
    result({ statusUpdate: { taskId: task, contextId: `ctx-${id}`, status: status('TASK_STATE_COMPLETED', '✅ README.md: no mojibake found'), metadata: {} } }),
    JSON.stringify({ jsonrpc: '2.0', method: 'StreamEnd', params: { id } }),
  ];
}

if (process.argv.includes('--serve')) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('listening', () => console.log((server.address() as { port: number }).port));
  server.on('connection', (socket) =>
    socket.on('message', (data) => {
      for (const frame of streamOf((JSON.parse(data.toString()) as { id: number }).id)) socket.send(frame);
    }),
  );
}

/** Delegations a second with `inFlight` open, CPU of both processes a delegation, and the one-at-a-time round trip's p50. */
export async function wsBaseline(count: number, inFlight: number, oneByOne: number): Promise<{ perSecond: number; cpuMs: number; p50: number }> {
  const peer = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve'], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const port = await new Promise<string>((resolve, reject) => {
      peer.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString().trim()));
      peer.once('exit', (code) => reject(new Error(`the baseline's peer exited (${code})`)));
    });
    const socket = new WebSocket(`ws://127.0.0.1:${port}`);
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const waiting = new Map<number, () => void>();
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as { method?: string; params?: { id: number } };
      if (frame.method === 'StreamEnd') waiting.get(frame.params!.id)?.();
    });
    const delegate = (id: number) =>
      new Promise<void>((resolve) => {
        waiting.set(id, () => (waiting.delete(id), resolve()));
        socket.send(request(id));
      });
    const start = performance.now();
    const ownBefore = process.cpuUsage();
    const peerBefore = processCpuMicros(peer.pid);
    let next = 0;
    await Promise.all(Array.from({ length: Math.min(inFlight, count) }, async () => {
      while (next < count) await delegate(next++);
    }));
    const seconds = (performance.now() - start) / 1000;
    const own = process.cpuUsage(ownBefore);
    const cpuMs = (own.user + own.system + processCpuMicros(peer.pid) - peerBefore) / 1000 / count;
    const times: number[] = [];
    for (let i = 0; i < oneByOne; i++) {
      const at = performance.now();
      await delegate(count + i);
      times.push(performance.now() - at);
    }
    socket.close();
    return { perSecond: count / seconds, cpuMs, p50: percentile(times, 50) };
  } finally {
    peer.kill();
  }
}
