/**
 * MCP round-trip latency (not a test): `node --import tsx bench/mcp.ts [calls]`.
 * Calls a trivial tool (`board_show` on a small board) over stdio (spawning `quimbot mcp`) and
 * over Streamable HTTP (the daemon's listener), printing p50 and p99, beside `ping` on the same
 * connection as the baseline. Target: p50 ≤ 2 ms over stdio.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { silentLogger } from '../src/log.ts';
import { listen } from '../src/protocol/http.ts';
import { createMcpServer } from '../src/protocol/mcp/server.ts';
import { percentile } from './measure.ts';

const CALLS = Number(process.argv[2] ?? 500);
const TARGET_P50 = 2;
const BIN = fileURLToPath(new URL('../bin/quimbot.js', import.meta.url));

async function time(fn: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < 50; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < CALLS; i++) {
    const started = performance.now();
    await fn();
    times.push(performance.now() - started);
  }
  return times;
}

async function measure(name: string, client: Client, target?: number): Promise<void> {
  const calls = await time(() => client.callTool({ name: 'board_show', arguments: {} }));
  const pings = await time(() => client.ping());
  const p50 = percentile(calls, 50);
  const verdict = target === undefined ? '' : `  target ≤ ${target} ms  ${p50 <= target ? 'OK' : 'MISS'}`;
  console.log(
    `${name.padEnd(22)} board_show p50 ${p50.toFixed(2).padStart(6)} ms  p99 ${percentile(calls, 99).toFixed(2).padStart(6)} ms${verdict}   baseline ping p50 ${percentile(pings, 50).toFixed(2)} ms`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'quimbot-bench-mcp-'));
try {
  mkdirSync(join(dir, 'kanban'));
  const boardPath = join(dir, 'kanban', 'KANBAN.md');
  writeFileSync(boardPath, '# Board\n\n## Backlog\n- **Audit TOEFL** `/data audit data/toefl.jsonl`\n- **Dedup Pilot** @Codex\n\n## Done\n- Shipped — Quimbot\n');

  const stdio = new Client({ name: 'bench', version: '1' });
  await stdio.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp'], cwd: dir, stderr: 'ignore' }));
  await measure('stdio (quimbot mcp)', stdio, TARGET_P50);
  await stdio.close();

  const listener = await listen({
    host: '127.0.0.1',
    port: 0,
    token: null,
    mcp: () => createMcpServer({ workspace: dir, boardPath, memoryDir: join(dir, 'memory'), reportsDir: join(dir, 'reports'), log: silentLogger }),
    log: silentLogger,
  });
  const http = new Client({ name: 'bench', version: '1' });
  await http.connect(new StreamableHTTPClientTransport(new URL(`${listener.url}/mcp`)));
  await measure('Streamable HTTP (/mcp)', http);
  await http.close();
  await listener.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
