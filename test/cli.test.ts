import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const BIN = fileURLToPath(new URL('../bin/quimbot.js', import.meta.url));
const SEED = fileURLToPath(new URL('../kanban/KANBAN.md', import.meta.url));

let workspace = '';
const boardFile = () => join(workspace, 'kanban', 'KANBAN.md');

function quimbot(...args: string[]) {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: workspace, encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('quimbot CLI', () => {
  before(() => {
    workspace = mkdtempSync(join(tmpdir(), 'quimbot-cli-'));
    mkdirSync(join(workspace, 'kanban'));
    copyFileSync(SEED, boardFile());
  });
  after(() => rmSync(workspace, { recursive: true, force: true }));

  test('--help lists every command and each command has its own help', () => {
    const help = quimbot('--help');
    assert.equal(help.status, 0);
    for (const word of ['board', 'doctor', 'start']) assert.match(help.stdout, new RegExp(`\\b${word}\\b`));
    for (const sub of ['show', 'add', 'move', 'assign', 'note', 'block', 'lint']) {
      const out = quimbot('board', sub, '--help');
      assert.equal(out.status, 0, sub);
      assert.match(out.stdout, /--board <value>/, sub);
      assert.match(out.stdout, /--json/, sub);
    }
  });

  test('board show --json has the documented shape and the seed counts', () => {
    const out = quimbot('board', 'show', '--json');
    assert.equal(out.status, 0, out.stderr);
    const board = JSON.parse(out.stdout) as {
      columns: Array<{ kind: string; cards: Array<{ id: string; title: string; owner: string | null; line: number }> }>;
    };
    const counts = Object.fromEntries(board.columns.map((c) => [c.kind, c.cards.length]));
    assert.deepEqual(counts, { done: 8, in_progress: 3, backlog: 5, blocked: 1 });
    const inProgress = board.columns.find((c) => c.kind === 'in_progress')!;
    assert.deepEqual(inProgress.cards.map((c) => c.owner), ['Quimbot', 'Quimbot', 'Quimbot']);
    assert.deepEqual(Object.keys(inProgress.cards[0]!).sort(), [
      'after', 'blockedReason', 'checkbox', 'column', 'command', 'endLine', 'id', 'line', 'mentions', 'owner', 'title',
    ]);
  });

  test('add, move, assign, note and block edit only their lines', () => {
    const before = readFileSync(boardFile(), 'utf8');
    const add = quimbot('board', 'add', 'Audit TOEFL `/data audit data/toefl.jsonl` @Codex', '--json');
    assert.equal(add.status, 0, add.stderr);
    const { card } = JSON.parse(add.stdout) as { card: { id: string; column: string; command: { argv: string[] } } };
    assert.equal(card.column, 'backlog');
    assert.deepEqual(card.command.argv, ['data', 'audit', 'data/toefl.jsonl']);
    assert.equal(quimbot('board', 'move', card.id, 'in-progress').status, 0);
    assert.equal(quimbot('board', 'assign', 'Audit TOEFL', 'Codex').status, 0);
    assert.equal(quimbot('board', 'note', `q:${card.id}`, 'report: reports/toefl.md').status, 0);
    assert.equal(quimbot('board', 'block', 'Audit TOEFL', 'HTTP 402 Payment Required').status, 0);
    const afterText = readFileSync(boardFile(), 'utf8');
    const removed = before.split('\n').filter((line) => !afterText.split('\n').includes(line));
    assert.deepEqual(removed, []);
    assert.match(afterText, /## 🚫 Blocked\n- OpenRouter.*\n- Audit TOEFL `\/data audit data\/toefl.jsonl` @Codex — Codex <!-- q:\w+ -->\n {2}- report: reports\/toefl.md\n {2}- Blocked: HTTP 402 Payment Required\n/);
  });

  test('errors name the problem and exit with a meaningful status', () => {
    const cases: Array<[string[], number, RegExp]> = [
      [['board', 'move', 'nothing like this', 'done'], 3, /no card matches "nothing like this"/],
      [['board', 'move', 'Execute', 'done'], 2, /matches 2 cards/],
      [['board', 'move', 'backlog:1', 'sideways'], 2, /unknown column "sideways"/],
      [['board', 'show', '--board', 'missing.md'], 3, /missing\.md: no such file/],
      [['board', 'frobnicate'], 2, /unknown command 'frobnicate'/],
      [['board', 'assign', 'backlog:1', 'A Very Long Owner Name'], 2, /must be a name of 1 to 3 words/],
    ];
    for (const [args, status, message] of cases) {
      const out = quimbot(...args);
      assert.equal(out.status, status, `${args.join(' ')}: ${out.stderr}`);
      assert.match(out.stderr, message, args.join(' '));
    }
  });

  test('--json errors are JSON on stdout with a stable code', () => {
    const out = quimbot('board', 'move', 'nothing like this', 'done', '--json');
    assert.equal(out.status, 3);
    assert.deepEqual(JSON.parse(out.stdout), {
      error: { code: 'CARD_NOT_FOUND', message: 'no card matches "nothing like this" (an id, column:index, or a title prefix)' },
    });
  });

  test('board lint exits 1 with findings, 0 on a clean board', () => {
    assert.equal(quimbot('board', 'lint').status, 1);
    writeFileSync(join(workspace, 'clean.md'), '## Backlog\n- one\n- two\n\n## Done\n- three\n');
    const clean = quimbot('board', 'lint', '--board', 'clean.md');
    assert.equal(clean.status, 0, clean.stdout);
  });

  test('doctor --fix repairs the seed documents and keeps a backup', () => {
    const seeds = fileURLToPath(new URL('../../shared/fixtures/seeds/', import.meta.url));
    for (const name of ['KANBAN', 'WEEK2_STATUS_SUMMARY']) {
      copyFileSync(join(seeds, `${name}.seed.md`), join(workspace, `${name}.md`));
    }
    const check = quimbot('doctor', 'KANBAN.md', '--json');
    assert.equal(check.status, 1);
    const report = JSON.parse(check.stdout) as { repaired: number; unrepaired: number; findings: Array<{ line: number; repaired: string | null }> };
    assert.deepEqual([report.repaired, report.unrepaired], [15, 1]);
    assert.equal(report.findings.find((f) => f.repaired === null)?.line, 37);
    assert.equal(readFileSync(join(workspace, 'KANBAN.md'), 'utf8'), readFileSync(join(seeds, 'KANBAN.seed.md'), 'utf8'));

    const fix = quimbot('doctor', 'KANBAN.md', '--fix');
    assert.equal(fix.status, 1, 'one line stays unrepaired');
    assert.match(fix.stdout, /KANBAN\.md:37: cannot repair/);
    const fixed = readFileSync(join(workspace, 'KANBAN.md'), 'utf8').split('\n');
    const clean = readFileSync(join(seeds, 'KANBAN.clean.md'), 'utf8').split('\n');
    assert.equal(fixed.length, clean.length);
    fixed.forEach((line, i) => {
      if (i !== 36) assert.equal(line, clean[i], `line ${i + 1}`);
    });
    assert.equal(readFileSync(join(workspace, 'KANBAN.md.bak'), 'utf8'), readFileSync(join(seeds, 'KANBAN.seed.md'), 'utf8'));

    const week = quimbot('doctor', 'WEEK2_STATUS_SUMMARY.md', '--fix');
    assert.equal(week.status, 0, week.stdout);
    assert.equal(readFileSync(join(workspace, 'WEEK2_STATUS_SUMMARY.md'), 'utf8'), readFileSync(join(seeds, 'WEEK2_STATUS_SUMMARY.clean.md'), 'utf8'));
    assert.equal(quimbot('doctor', 'WEEK2_STATUS_SUMMARY.md').status, 0, 'a clean file has nothing to report');
  });

  test('data audit prints exact counts, writes a Markdown report, and --json has the report shape', () => {
    const rows = [
      { messages: [{ role: 'user', content: 'Hi?' }, { role: 'assistant', content: 'Hello.' }] },
      { messages: [{ role: 'user', content: 'Mail me at a@b.io?' }, { role: 'assistant', content: '' }] },
      { messages: [{ content: 'Hi?', role: 'user' }, { content: 'Hello.', role: 'assistant' }] },
    ];
    writeFileSync(join(workspace, 'x.jsonl'), `${rows.map((r) => JSON.stringify(r)).join('\n')}\nnot json\n`);
    const human = quimbot('data', 'audit', 'x.jsonl', '--report', 'audit.md');
    assert.equal(human.status, 0, human.stderr);
    assert.match(human.stdout, /4 rows in 1 file/);
    assert.match(human.stdout, /parse errors +1 +first: x\.jsonl:4/);
    assert.match(human.stdout, /exact duplicates +1 +first: x\.jsonl:3/);
    assert.match(readFileSync(join(workspace, 'audit.md'), 'utf8'), /\| Empty assistant message \| 1 \| 25\.0% \| x\.jsonl:2 \|/);
    const json = JSON.parse(quimbot('data', 'audit', 'x.jsonl', '--no-near', '--json').stdout) as { counts: Record<string, { count: number }>; near_duplicate_clusters: unknown };
    assert.equal(json.counts.rows_with_email!.count, 1);
    assert.equal(json.near_duplicate_clusters, null);
    assert.equal(quimbot('data', 'audit', 'missing.jsonl').status, 3);
  });

  test("data audit and validate take fine-tuning prices and limits from the config's fineTune section", () => {
    writeFileSync(join(workspace, 'ft.jsonl'), `${JSON.stringify({ messages: [{ role: 'user', content: 'Hi?' }, { role: 'assistant', content: 'Hello there, how are you today?' }] })}\n`);
    assert.match(quimbot('data', 'audit', 'ft.jsonl', '--model', 'tiny').stderr, /unknown model "tiny".*fineTune/);
    writeFileSync(join(workspace, 'quimbot.config.json'), JSON.stringify({ fineTune: { tiny: { contextLimit: 5, pricePerMillion: 1000 } } }));
    try {
      const audit = JSON.parse(quimbot('data', 'audit', 'ft.jsonl', '--model', 'tiny', '--json').stdout) as { tokens: { price_per_million: number; context_limit: number }; counts: { over_context_rows: { count: number } } };
      assert.deepEqual([audit.tokens.price_per_million, audit.tokens.context_limit, audit.counts.over_context_rows.count], [1000, 5, 1]);
      const validation = JSON.parse(quimbot('data', 'validate', 'ft.jsonl', '--model', 'tiny', '--json').stdout) as { checks: Array<{ name: string; count: number }> };
      assert.equal(validation.checks.find((c) => c.name === 'too_many_tokens')?.count, 1);
      writeFileSync(join(workspace, 'quimbot.config.json'), JSON.stringify({ fineTune: { tiny: { pricePerMillion: -1 } } }));
      const broken = quimbot('data', 'audit', 'ft.jsonl', '--model', 'tiny');
      assert.equal(broken.status, 3);
      assert.match(broken.stderr, /quimbot\.config\.json: fineTune\.tiny\.pricePerMillion/);
      assert.equal(quimbot('board', 'show').status, 0, 'a broken config does not stop tools that do not read it');
    } finally {
      rmSync(join(workspace, 'quimbot.config.json'));
    }
  });

  test('start logs a summary at start and on change, and stops cleanly on SIGTERM', async (t) => {
    const child = spawn(process.execPath, [BIN, 'start', '--port', '0', '--log-format', 'json'], { cwd: workspace });
    t.after(() => child.kill('SIGKILL'));
    let log = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
    const waitFor = async (pattern: RegExp) => {
      for (let i = 0; i < 100 && !pattern.test(log); i++) await new Promise((r) => setTimeout(r, 50));
      assert.match(log, pattern);
    };
    await waitFor(/"msg":"watching kanban\/KANBAN.md/);
    assert.match(log, /"msg":"board kanban\/KANBAN.md: Done 8 · In Progress 3 · Backlog 5 · Blocked 2 \(18 cards\)"/);
    writeFileSync(boardFile(), `${readFileSync(boardFile(), 'utf8')}\n## Review\n- a human card\n`);
    await waitFor(/board changed: .*Review 1/);
    const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    assert.equal(await exit, 0);
    assert.match(log, /"msg":"stopped"/);
  });
});
