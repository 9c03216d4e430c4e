import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseBoard, parseSlashCommand } from '../src/board/index.ts';
import { silentLogger } from '../src/log.ts';
import { findTool, parseToolCommand, runTool, ToolError, TOOLS, workspaceResolver } from '../src/tools/index.ts';
import type { ToolContext } from '../src/tools/index.ts';

const SEED = new URL('../kanban/KANBAN.md', import.meta.url);

function context(workspace: string, confine = true): ToolContext {
  return {
    workspace,
    resolvePath: workspaceResolver(workspace, confine),
    signal: new AbortController().signal,
    progress: () => {},
    log: silentLogger,
  };
}

describe('one grammar for cards and the CLI', () => {
  const cases: Array<{ command: string; tool: string; args: Record<string, unknown> }> = [
    { command: '/board show', tool: 'board_show', args: {} },
    { command: '/board show --board other/KANBAN.md --json', tool: 'board_show', args: { board: 'other/KANBAN.md' } },
    { command: '/board move backlog:2 in-progress', tool: 'board_move', args: { card: 'backlog:2', column: 'in-progress' } },
    { command: `/board note "Write build recipe" 'counts: 3 supersets'`, tool: 'board_note', args: { card: 'Write build recipe', text: 'counts: 3 supersets' } },
    { command: '/board add "Audit TOEFL" --column review --owner Codex', tool: 'board_add', args: { title: 'Audit TOEFL', column: 'review', owner: 'Codex' } },
    { command: '/doctor notes.md --fix', tool: 'doctor', args: { file: 'notes.md', fix: true } },
  ];
  for (const { command, tool, args } of cases) {
    test(command, () => {
      const parsed = parseSlashCommand(command);
      const invocation = parseToolCommand(TOOLS, parsed.argv);
      assert.equal(invocation.tool.name, tool);
      assert.deepEqual(invocation.args, args);
    });
  }

  test('a card on the board carries a command the registry understands', () => {
    const board = parseBoard('## Backlog\n- Show it `/board show --json` @Quimbot\n');
    const invocation = parseToolCommand(TOOLS, board.cards[0]!.command!.argv);
    assert.equal(invocation.tool.name, 'board_show');
    assert.equal(invocation.json, true);
  });

  const errors: Array<[string, string, RegExp]> = [
    ['/board frobnicate', 'INVALID_ARGUMENT', /unknown command 'frobnicate'/],
    ['/board move onlyone', 'INVALID_ARGUMENT', /missing required argument 'column'/],
    ['/board show --colour red', 'INVALID_ARGUMENT', /unknown option '--colour'/],
    ['/board', 'UNKNOWN_TOOL', /not a tool command/],
  ];
  for (const [command, code, message] of errors) {
    test(`refuses ${command}`, () => {
      assert.throws(
        () => parseToolCommand(TOOLS, parseSlashCommand(command).argv),
        (error: unknown) => error instanceof ToolError && error.code === code && message.test(error.message),
      );
    });
  }
});

describe('running tools', () => {
  let workspace = '';
  before(() => {
    workspace = mkdtempSync(join(tmpdir(), 'quimbot-tools-'));
    mkdirSync(join(workspace, 'kanban'));
    copyFileSync(SEED, join(workspace, 'kanban', 'KANBAN.md'));
  });
  after(() => rmSync(workspace, { recursive: true, force: true }));

  test('every tool has a name, words, both schemas and hints', () => {
    const names = new Set<string>();
    for (const tool of TOOLS) {
      assert.match(tool.name, /^[a-z][a-z0-9_]*$/);
      assert.ok(!names.has(tool.name), `duplicate tool ${tool.name}`);
      names.add(tool.name);
      assert.ok(tool.command.length > 0 && tool.title && tool.description);
      assert.equal(typeof tool.input.safeParse, 'function');
      assert.equal(typeof tool.output.safeParse, 'function');
    }
  });

  test('arguments are validated and the error names the field', async () => {
    await assert.rejects(
      runTool(findTool('board_move'), { card: 'backlog:1', column: 'sideways' }, context(workspace)),
      (error: unknown) => error instanceof ToolError && error.code === 'INVALID_ARGUMENT' && /column: unknown column "sideways"/.test(error.message),
    );
    await assert.rejects(
      runTool(findTool('board_note'), { card: 'backlog:1' }, context(workspace)),
      (error: unknown) => error instanceof ToolError && /text: /.test(error.message),
    );
  });

  test('paths are confined to the workspace when the caller is not the local user', async () => {
    await assert.rejects(
      runTool(findTool('board_show'), { board: '../../etc/passwd' }, context(workspace)),
      (error: unknown) => error instanceof ToolError && error.code === 'PATH_OUTSIDE_WORKSPACE',
    );
    await assert.rejects(
      runTool(findTool('board_show'), { board: '/etc/passwd' }, context(workspace)),
      (error: unknown) => error instanceof ToolError && error.code === 'PATH_OUTSIDE_WORKSPACE',
    );
  });

  test('board_move returns the card where it is now, and the output matches its schema', async () => {
    const tool = findTool('board_move');
    const output = await runTool(tool, { card: 'Execute Superset 3', column: 'done' }, context(workspace));
    assert.deepEqual(tool.output.parse(output), output);
    const { card, written } = output as { card: { column: string; owner: string; line: number }; written: boolean };
    assert.equal(written, true);
    assert.equal(card.column, 'done');
    assert.equal(card.owner, 'Quimbot');
    const text = readFileSync(join(workspace, 'kanban', 'KANBAN.md'), 'utf8');
    assert.match(text.split('\n')[card.line - 1]!, /^- \*\*Execute Superset 3\*\* .* — Quimbot <!-- q:\w+ -->$/);
    const again = (await runTool(tool, { card: 'Execute Superset 3', column: 'done' }, context(workspace))) as { written: boolean };
    assert.equal(again.written, false);
  });
});
