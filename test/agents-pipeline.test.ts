import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pipelineBackend } from '../src/agents/backends/pipeline.ts';
import type { RunContext } from '../src/agents/backend.ts';
import { RunError } from '../src/agents/errors.ts';
import { AgentSpecSchema } from '../src/agents/spec.ts';
import { parseBoard, parseSlashCommand } from '../src/board/index.ts';
import { silentLogger } from '../src/log.ts';
import { parseToolCommand, TOOLS } from '../src/tools/index.ts';

/** A run of the card's command with the whole registry; the tool it would call is recorded, not run. */
function contextFor(command: string, called: Array<{ name: string; args: unknown }>): RunContext {
  const card = parseBoard(`## Backlog\n- Work ${command}\n`).cards[0]!;
  return {
    card,
    agent: { ...AgentSpecSchema.parse({ name: 'Cursor', role: 'execution' }), backend: 'pipeline' },
    prompt: card.text,
    signal: new AbortController().signal,
    tools: TOOLS,
    callTool: async (name, args) => {
      called.push({ name, args });
      return { output: {}, summary: `ran ${name}` };
    },
    output: () => {},
    usage: () => {},
    workspace: '.',
    memory: { get: () => undefined, set: async () => {} },
    log: silentLogger,
  };
}

describe('the pipeline backend reads a card command as the whole registry does', () => {
  const valid = ['`/board show --json`', '`/data recipe plan recipes/mix.yaml`', '`/doctor kanban/KANBAN.md`'];
  for (const command of valid) {
    test(`runs ${command} with the registry's arguments`, async () => {
      const called: Array<{ name: string; args: unknown }> = [];
      await pipelineBackend().run(contextFor(command, called));
      const expected = parseToolCommand(TOOLS, parseSlashCommand(command.slice(1, -1)).argv);
      assert.deepEqual(called, [{ name: expected.tool.name, args: expected.args }]);
    });
  }

  // Each refused with the message the registry gives, whether or not a tool's words begin it.
  const refused = ['`/board frobnicate`', '`/board move onlyone`', '`/board show --colour red`', '`/board`', '`/nothing here`', '`/data --json audit x`'];
  for (const command of refused) {
    test(`refuses ${command} as the registry does`, async () => {
      let expected = '';
      try {
        parseToolCommand(TOOLS, parseSlashCommand(command.slice(1, -1)).argv);
      } catch (error) {
        expected = (error as Error).message;
      }
      assert.notEqual(expected, '');
      await assert.rejects(pipelineBackend().run(contextFor(command, [])), (error: unknown) => error instanceof RunError && error.code === 'TOOL_FAILED' && error.reason === expected);
    });
  }
});
