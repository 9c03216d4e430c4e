import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { AgentBackend } from '../src/agents/backend.ts';
import { cliBackend } from '../src/agents/backends/cli.ts';
import { execute } from '../src/agents/execute.ts';
import { RunLog } from '../src/agents/run-log.ts';
import { AgentSpecSchema } from '../src/agents/spec.ts';
import { parseBoard } from '../src/board/index.ts';
import { silentLogger } from '../src/log.ts';

const dir = mkdtempSync(join(tmpdir(), 'quimbot-cancel-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// The agent's command leaves a file behind: it ran.
const marker = join(dir, 'ran');
writeFileSync(join(dir, 'agent.js'), `require('fs').writeFileSync(${JSON.stringify(marker)}, 'x');`);
const agent = { ...AgentSpecSchema.parse({ name: 'Worker', role: 'execution', backend: 'cli', command: `${process.execPath} ${join(dir, 'agent.js')}` }), backend: 'cli' as const };
const card = parseBoard('## In Progress\n- **Slow job** — Worker\n').cards[0]!;

describe('a run cancelled while it starts', () => {
  test('the cli backend does not start the agent for a run already cancelled', async () => {
    const controller = new AbortController();
    controller.abort('moved by a person');
    const context = {
      card,
      agent,
      prompt: card.text,
      signal: controller.signal,
      tools: [],
      workspace: dir,
      log: silentLogger,
      output: () => {},
      usage: () => {},
      memory: { get: () => undefined, set: async () => {} },
      callTool: async () => ({ output: null, summary: '' }),
    };
    await assert.rejects(cliBackend().run(context), { code: 'CANCELLED' });
    assert.equal(existsSync(marker), false);
  });

  test('the agent runs when not cancelled', async () => {
    const context = { card, agent, prompt: card.text, signal: new AbortController().signal, tools: [], workspace: dir, log: silentLogger, output: () => {}, usage: () => {}, memory: { get: () => undefined, set: async () => {} }, callTool: async () => ({ output: null, summary: '' }) };
    await cliBackend().run(context);
    assert.equal(existsSync(marker), true);
    rmSync(marker);
  });

  test('a cancel while the attempt is recorded ends the run before any backend starts', async () => {
    // A backend that would not look at the signal itself.
    let started = false;
    const backend: AgentBackend = {
      kind: 'cli',
      run: async () => {
        started = true;
        return { summary: 'done' };
      },
    };
    const controller = new AbortController();
    const runLog = new RunLog(join(dir, 'run.log'));
    const execution = await execute({
      card,
      agent,
      backend,
      tools: [],
      workspace: dir,
      signal: controller.signal,
      runLog,
      log: silentLogger,
      maxAttempts: 3,
      attempts: 0,
      backoff: () => 0,
      // A person moves the card while the attempt's count is written.
      onAttempt: async () => controller.abort('moved by a person'),
      onUsage: () => {},
      memory: { get: () => undefined, set: async () => {} },
    });
    await runLog.close();
    assert.deepEqual([execution.ok, !execution.ok && execution.error.code, execution.attempts, started], [false, 'CANCELLED', 1, false]);
  });
});
