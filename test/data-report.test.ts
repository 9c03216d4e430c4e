import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { silentLogger } from '../src/log.ts';
import { auditFiles, barChart, histogramBars } from '../src/pipeline/index.ts';
import { findTool, runTool, workspaceResolver } from '../src/tools/index.ts';
import { cleanRow, rng } from './helpers/datasets.ts';

const dir = mkdtempSync(join(tmpdir(), 'quimbot-report-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const context = { workspace: dir, resolvePath: workspaceResolver(dir, true), signal: new AbortController().signal, progress: () => {}, log: silentLogger };

/** Checks that every tag opened is closed in order, and that no raw `<` or `&` is left in text. */
function assertWellFormed(svg: string): void {
  const stack: string[] = [];
  for (const [tag] of svg.matchAll(/<[^>]*>/g)) {
    if (tag.endsWith('/>') || tag.startsWith('<?')) continue;
    const name = /^<\/?([\w:-]+)/.exec(tag)?.[1];
    assert.ok(name, `a tag without a name: ${tag}`);
    if (tag.startsWith('</')) assert.equal(stack.pop(), name, `</${name}> closes the wrong tag`);
    else stack.push(name);
  }
  assert.deepEqual(stack, [], 'unclosed tags');
  const text = svg.replace(/<[^>]*>/g, '');
  assert.doesNotMatch(text, /<|&(?!amp;|lt;|gt;|quot;|apos;)/, 'unescaped text');
}

describe('charts', () => {
  test('bars are proportional to their values and labels are escaped', () => {
    const svg = barChart('Difficulty <mix> & "share"', [
      { label: '<b>&"', value: 10 },
      { label: 'hard', value: 5 },
    ]);
    assertWellFormed(svg);
    assert.match(svg, /&lt;b&gt;&amp;&quot;/);
    const widths = [...svg.matchAll(/<rect x="\d+" y="\d+" width="([\d.]+)"/g)].map((m) => Number(m[1]));
    assert.equal(widths.length, 2);
    assert.equal(widths[0], widths[1]! * 2);
    assert.match(svg, /10 \(66\.7%\)/);
  });

  test('histograms trim empty tails and label ranges', () => {
    const bars = histogramBars([
      { from: 0, to: 1, count: 0 },
      { from: 1, to: 5, count: 3 },
      { from: 5, to: 10, count: 0 },
      { from: 10, to: null, count: 2 },
    ]);
    assert.deepEqual(bars, [
      { label: '1–4', value: 3 },
      { label: '5–9', value: 0 },
      { label: '≥ 10', value: 2 },
    ]);
    assertWellFormed(barChart('empty', []));
  });
});

describe('data report', () => {
  const random = rng(5);
  const rows = Array.from({ length: 30 }, (_, i) => cleanRow(random, i, { weight: i % 3 ? 0.5 : 1, difficulty: i % 2 ? 'easy' : '<b>&"' }));
  writeFileSync(join(dir, 'train.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');

  test('a Markdown report with SVG charts beside it, every image link pointing at a file', async () => {
    const output = (await runTool(findTool('data_report'), { files: ['train.jsonl'], out: 'reports/audit.md' }, context)) as { charts: string[]; rows: number };
    assert.equal(output.rows, 30);
    const markdown = readFileSync(join(dir, 'reports/audit.md'), 'utf8');
    const links = [...markdown.matchAll(/!\[[^\]]*\]\(([^)]+)\)/g)].map((m) => m[1]!);
    assert.ok(links.length >= 7, `${links.length} charts linked`);
    for (const link of links) {
      assert.match(link, /^audit\.charts\//);
      const svg = readFileSync(join(dir, 'reports', link), 'utf8');
      assertWellFormed(svg);
    }
    const field = readFileSync(join(dir, 'reports/audit.charts/field-difficulty.svg'), 'utf8');
    assert.match(field, /&lt;b&gt;&amp;&quot;/);
    assert.match(readFileSync(join(dir, 'reports/audit.charts/weights.svg'), 'utf8'), />0\.5</);
  });

  test('--from-json renders a saved audit; one that does not match says which field', async () => {
    const audit = await auditFiles([join(dir, 'train.jsonl')], { near: false, names: ['train.jsonl'] });
    writeFileSync(join(dir, 'audit.json'), JSON.stringify(audit));
    await runTool(findTool('data_report'), { fromJson: 'audit.json', out: 'saved.md' }, context);
    assert.ok(existsSync(join(dir, 'saved.charts', 'sources.svg')));
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ ...audit, rows: 'many' }));
    await assert.rejects(runTool(findTool('data_report'), { fromJson: 'bad.json', out: 'bad.md' }, context), /bad\.json: not an audit .*rows: /);
    assert.equal(existsSync(join(dirname(join(dir, 'bad.md')), 'bad.md')), false);
  });
});
