import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { apportion, checkMixSources, DedupReport, dedupFiles, MixReport, mixFiles, parseMixSource, planCounts, seededRandom } from '../src/pipeline/index.ts';
import type { DedupOptions, MixOptions, MixSourceSpec } from '../src/pipeline/index.ts';
import { silentLogger } from '../src/log.ts';
import { findTool, parseToolCommand, runTool, ToolError, TOOLS, workspaceResolver } from '../src/tools/index.ts';
import type { Progress, ToolContext } from '../src/tools/index.ts';
import { cleanRow, jsonl, nearCopy, rng, shinglePairs, taggedDataset, textRow } from './helpers/datasets.ts';
import { fileTree } from './helpers/files.ts';
import { cancelAtEachReport } from './helpers/cancel.ts';

let dir = '';
before(() => (dir = mkdtempSync(join(tmpdir(), 'quimbot-dedupmix-'))));
after(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, text: string) => {
  const path = join(dir, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
};
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const linesOf = (path: string) => readFileSync(path, 'utf8').split('\n').slice(0, -1);
const hasCode = (code: string, message?: RegExp) => (error: unknown) =>
  (error as { code?: string }).code === code && (!message || message.test((error as Error).message));
const context = (workspace: string, progress: (p: Progress) => void = () => {}, signal = new AbortController().signal): ToolContext => ({
  workspace,
  resolvePath: workspaceResolver(workspace, true),
  signal,
  progress,
  log: silentLogger,
});

/**
 * Three sources with known duplicates. a: rows 0–19, an exact copy of row 3 (keys reordered),
 * a blank line, a non-JSON line, a near copy of row 4. b (CRLF): rows 10–29, an exact copy of
 * row 25, a row with no messages, a near copy of row 0. c: rows 0–4.
 */
function dedupFixture(sub: string) {
  const random = rng(5);
  const rows = Array.from({ length: 30 }, (_, i) => cleanRow(random, i));
  const reordered = (i: number) => ({ messages: rows[i]!.messages.map(({ role, content }) => ({ content, role })) });
  const a = file(`${sub}/a.jsonl`, jsonl([...rows.slice(0, 20), reordered(3), '', 'not json', nearCopy(rows[4]!)]));
  const b = file(`${sub}/b.jsonl`, jsonl([...rows.slice(10, 30), rows[25], { prompt: 'x' }, nearCopy(rows[0]!)], '\r\n'));
  const c = file(`${sub}/c.jsonl`, jsonl(rows.slice(0, 5)));
  return { a, b, c, out: join(dir, sub, 'out') };
}

const summary = (report: DedupReport) =>
  report.sources.map((s) => ({ in: s.rows_in, out: s.rows_out, exact: s.exact_removed, near: s.near_removed }));
const removed = (report: DedupReport, source: number) =>
  report.sources[source]!.removed.map((r) => `${r.line} ${r.kind} ${r.duplicate_of.source.split('/').at(-1)}:${r.duplicate_of.line}`);

describe('data dedup', () => {
  test('within-source: each file against itself; kept lines copied as read, blank and unparsable lines kept', async () => {
    const { a, b, c, out } = dedupFixture('within');
    const report = DedupReport.parse(await dedupFiles([a, b, c], { outDir: out }));
    assert.deepEqual(summary(report), [
      { in: 24, out: 23, exact: 1, near: 0 },
      { in: 23, out: 22, exact: 1, near: 0 },
      { in: 5, out: 5, exact: 0, near: 0 },
    ]);
    assert.deepEqual(removed(report, 0), ['21 exact a.jsonl:4']);
    assert.deepEqual(removed(report, 1), ['21 exact b.jsonl:16']);
    assert.deepEqual([report.sources[0]!.blank_lines, report.sources[0]!.unparsed_lines, report.sources[1]!.unparsed_lines], [1, 1, 1]);
    assert.deepEqual(linesOf(join(out, 'a.jsonl')), linesOf(a).filter((_, i) => i !== 20));
    assert.deepEqual(linesOf(join(out, 'b.jsonl')), readFileSync(b, 'utf8').split('\r\n').slice(0, -1).filter((_, i) => i !== 20));
    for (const [i, path] of [a, b, c].entries()) {
      assert.equal(report.sources[i]!.input_sha256, sha256(path));
      assert.equal(report.sources[i]!.output_sha256, sha256(join(out, report.sources[i]!.output)));
    }
    assert.deepEqual([report.rows_in, report.rows_out, report.exact_removed, report.near_removed, report.threshold], [52, 50, 2, 0, null]);
  });

  test('--near: near copies go too, each pointing at the first row of its cluster', async () => {
    const { a, b, c, out } = dedupFixture('near');
    const report = await dedupFiles([a, b, c], { outDir: out, near: true });
    assert.deepEqual(summary(report), [
      { in: 24, out: 22, exact: 1, near: 1 },
      { in: 23, out: 22, exact: 1, near: 0 },
      { in: 5, out: 5, exact: 0, near: 0 },
    ]);
    assert.deepEqual(removed(report, 0), ['21 exact a.jsonl:4', '24 near a.jsonl:5']);
  });

  test('cross-source: the first occurrence in input order wins across files', async () => {
    const { a, b, c, out } = dedupFixture('cross');
    const report = await dedupFiles([a, b, c], { outDir: out, near: true, scope: 'cross-source', keep: 3 });
    assert.deepEqual(summary(report), [
      { in: 24, out: 22, exact: 1, near: 1 },
      { in: 23, out: 11, exact: 11, near: 1 },
      { in: 5, out: 0, exact: 5, near: 0 },
    ]);
    assert.deepEqual(removed(report, 1), ['1 exact a.jsonl:11', '2 exact a.jsonl:12', '3 exact a.jsonl:13']);
    assert.equal(report.sources[1]!.removed.length, 3, 'the list is capped, the counts are not');
    assert.deepEqual(report.groups, [[a, b, c]]);
    assert.equal(readFileSync(join(out, 'c.jsonl'), 'utf8'), '');
  });

  test('--group: the named files together, the others within-source', async () => {
    const { a, b, c, out } = dedupFixture('groups');
    const ab = await dedupFiles([a, b, c], { outDir: out, near: true, groups: ['a.jsonl,b.jsonl'] });
    assert.deepEqual(summary(ab), [
      { in: 24, out: 22, exact: 1, near: 1 },
      { in: 23, out: 11, exact: 11, near: 1 },
      { in: 5, out: 5, exact: 0, near: 0 },
    ]);
    assert.deepEqual(ab.groups, [[a, b]]);
    assert.deepEqual(ab.sources.map((s) => s.group), [0, 0, null]);
    const ac = await dedupFiles([a, b, c], { outDir: out, groups: [`c.jsonl, ${a}`] });
    assert.deepEqual(summary(ac), [
      { in: 24, out: 23, exact: 1, near: 0 },
      { in: 23, out: 22, exact: 1, near: 0 },
      { in: 5, out: 0, exact: 5, near: 0 },
    ]);
  });

  test('the same inputs give the same outputs and manifest', async () => {
    const { a, b, c, out } = dedupFixture('again');
    const first = await dedupFiles([a, b, c], { outDir: out, near: true, scope: 'cross-source' });
    const second = await dedupFiles([a, b, c], { outDir: out, near: true, scope: 'cross-source' });
    assert.deepEqual(second, first);
  });

  const refusals: Array<[string, (f: ReturnType<typeof dedupFixture>) => [string[], DedupOptions], RegExp]> = [
    ['an unknown group member', (f) => [[f.a, f.b], { outDir: f.out, groups: ['a.jsonl,z.jsonl'] }], /--group "a.jsonl,z.jsonl": "z.jsonl" is not one of the inputs/],
    ['a group of one', (f) => [[f.a, f.b], { outDir: f.out, groups: ['a.jsonl'] }], /expected two or more inputs separated by commas/],
    ['an input in two groups', (f) => [[f.a, f.b, f.c], { outDir: f.out, groups: ['a.jsonl,b.jsonl', 'b.jsonl,c.jsonl'] }], /b\.jsonl is already in --group "a.jsonl,b.jsonl"/],
    ['groups with cross-source', (f) => [[f.a, f.b], { outDir: f.out, scope: 'cross-source', groups: ['a.jsonl,b.jsonl'] }], /--group applies with --scope within-source/],
    ['two inputs with one file name', (f) => [[f.a, file('refuse/other/a.jsonl', '')], { outDir: f.out }], /would both be written to .*a\.jsonl/],
    ['an output over an input', (f) => [[f.a], { outDir: join(f.a, '..') }], /would overwrite an input/],
  ];
  for (const [name, args, message] of refusals) {
    test(`refuses ${name}`, async () => {
      const [paths, options] = args(dedupFixture('refuse'));
      await assert.rejects(dedupFiles(paths, options), hasCode('INVALID_ARGUMENT', message));
    });
  }

  test('--near --threshold 0.6 drops the second row of pairs above it and keeps those below; a threshold outside (0, 1] is refused', async () => {
    const random = rng(4);
    const pairs = [...shinglePairs(random, 30, 0.7).pairs, ...shinglePairs(random, 30, 0.45).pairs];
    const input = file('threshold/in.jsonl', jsonl([...pairs.map(([a]) => textRow(a)), ...pairs.map(([, b]) => textRow(b))]));
    const report = await dedupFiles([input], { outDir: join(dir, 'threshold/out'), near: true, threshold: 0.6 });
    assert.deepEqual([report.rows_out, report.near_removed, report.threshold], [90, 30, 0.6]);
    assert.deepEqual(report.sources[0]!.removed.map((r) => r.line - r.duplicate_of.line), Array(30).fill(60));
    await assert.rejects(dedupFiles([input], { outDir: join(dir, 'threshold/zero'), near: true, threshold: 0 }), hasCode('INVALID_ARGUMENT', /threshold 0: expected/));
    assert.equal(existsSync(join(dir, 'threshold/zero')), false);
    const tool = runTool(findTool('data_dedup'), { files: ['in.jsonl'], outDir: 'zero', near: true, threshold: 0 }, context(join(dir, 'threshold')));
    await assert.rejects(tool, hasCode('INVALID_ARGUMENT', /threshold/));
  });

  test('a cancelled run leaves no output and the previous files as they were', async () => {
    const { a, b, c, out } = dedupFixture('cancel');
    file('cancel/out/a.jsonl', 'previous\n');
    for (const near of [false, true]) {
      const controller = new AbortController();
      const options = { outDir: out, near, signal: controller.signal, onProgress: () => controller.abort() };
      await assert.rejects(dedupFiles([a, b, c], options), hasCode('CANCELLED'));
      assert.deepEqual(readdirSync(out), ['a.jsonl']);
      assert.equal(readFileSync(join(out, 'a.jsonl'), 'utf8'), 'previous\n');
    }
  });

  test('data_dedup through the registry: manifest beside the outputs, progress in bytes', async () => {
    const { out } = dedupFixture('tool');
    const workspace = join(out, '..');
    const progress: Progress[] = [];
    const tool = findTool('data_dedup');
    const args = { files: ['a.jsonl', 'b.jsonl', 'c.jsonl'], outDir: 'out', near: true, group: ['a.jsonl,b.jsonl'] };
    const output = (await runTool(tool, args, context(workspace, (p) => progress.push(p)))) as DedupReport & { manifest: string };
    assert.equal(output.manifest, join('out', 'dedup.manifest.json'));
    const { manifest, ...report } = output;
    assert.deepEqual(JSON.parse(readFileSync(join(out, 'dedup.manifest.json'), 'utf8')), report);
    assert.deepEqual(report.sources.map((s) => [s.path, s.rows_out]), [['a.jsonl', 22], ['b.jsonl', 11], ['c.jsonl', 5]]);
    assert.equal(progress.at(-1)!.unit, 'bytes');
    assert.equal(progress.at(-1)!.done, progress.at(-1)!.total);
    assert.match(tool.summarize(output), /52 rows in, 38 out \(exact duplicates 12, near 2\)/);
  });
  test('data_dedup commits the outputs and the manifest together: a cancel at each progress report leaves both as they were', async () => {
    const { out } = dedupFixture('commit');
    const workspace = join(out, '..');
    const tool = findTool('data_dedup');
    const files = ['a.jsonl', 'b.jsonl', 'c.jsonl'];
    const args = { files, outDir: 'out', near: true, scope: 'cross-source' };
    await runTool(tool, { files, outDir: 'out' }, context(workspace));
    const previous = fileTree(out);
    assert.deepEqual(Object.keys(previous).sort(), [...files, 'dedup.manifest.json']);
    const reports: Progress[] = [];
    await runTool(tool, { ...args, outDir: 'dry-run' }, context(workspace, (p) => reports.push(p)));
    assert.ok(reports.length >= 4, 'progress from both passes');
    await cancelAtEachReport(
      reports.length,
      (onProgress, signal) => runTool(tool, args, context(workspace, onProgress, signal)),
      (why) => assert.deepEqual(fileTree(out), previous, why),
    );
    // Run to the end: the outputs and the manifest are both new, the manifest describing these bytes.
    const finished = new AbortController();
    const output = (await runTool(tool, args, context(workspace, () => {}, finished.signal))) as DedupReport;
    finished.abort();
    const manifest = DedupReport.parse(JSON.parse(readFileSync(join(out, 'dedup.manifest.json'), 'utf8')));
    assert.deepEqual([manifest.scope, manifest.near, manifest.rows_out], ['cross-source', true, output.rows_out]);
    assert.notDeepEqual(fileTree(out), previous);
    for (const source of manifest.sources) {
      assert.equal(source.output_sha256, sha256(join(out, source.output)));
      assert.equal(source.output_sha256, sha256(join(workspace, 'dry-run', source.output)));
    }
    assert.deepEqual(Object.keys(fileTree(out)).sort(), [...files, 'dedup.manifest.json']);
  });

  test('data_dedup: when the manifest cannot be committed, no output is replaced', async () => {
    const { out } = dedupFixture('stuck');
    const workspace = join(out, '..');
    const args = { files: ['a.jsonl', 'b.jsonl', 'c.jsonl'], outDir: 'out' };
    await runTool(findTool('data_dedup'), args, context(workspace));
    // A directory where the manifest goes: the commit fails when it comes to the manifest.
    rmSync(join(out, 'dedup.manifest.json'));
    mkdirSync(join(out, 'dedup.manifest.json'));
    const previous = fileTree(out);
    await assert.rejects(runTool(findTool('data_dedup'), { ...args, scope: 'cross-source' }, context(workspace)));
    assert.deepEqual(fileTree(out), previous);
  });
});

describe('mix planning', () => {
  const apportionCases: Array<[number, number[], number[]]> = [
    [1000, [40, 25, 20, 10, 5], [400, 250, 200, 100, 50]],
    [10, [1, 1, 1], [4, 3, 3]],
    [7, [0.5, 0.3, 0.2], [4, 2, 1]],
    [10, [2, 1, 1], [5, 3, 2]],
    [3, [1, 1, 1, 1], [1, 1, 1, 0]],
  ];
  for (const [total, weights, expected] of apportionCases) {
    test(`apportion(${total}, [${weights}]) = [${expected}]`, () => assert.deepEqual(apportion(total, weights), expected));
  }

  const specs: Array<[string, Partial<MixSourceSpec> | RegExp]> = [
    ['lmsys=data/lmsys.jsonl:40%', { name: 'lmsys', path: 'data/lmsys.jsonl', ratio: '40%', weight: 40, percent: true }],
    ['toefl_synth=C:\\data\\t.jsonl:2.5', { name: 'toefl_synth', path: 'C:\\data\\t.jsonl', weight: 2.5, percent: false }],
    ['lmsys', /--source "lmsys": expected NAME=PATH:RATIO/],
    ['lmsys=data.jsonl', /--source "lmsys=data.jsonl": expected NAME=PATH:RATIO/],
    ['=data.jsonl:1', /expected NAME=PATH:RATIO/],
    ['a=x.jsonl:0', /ratio "0" is not a positive number or percentage/],
    ['a=x.jsonl:-1', /ratio "-1" is not a positive/],
    ['a=x.jsonl:40%%', /ratio "40%%" is not a positive/],
  ];
  for (const [spec, expected] of specs) {
    test(`--source ${spec}`, () => {
      if (expected instanceof RegExp) assert.throws(() => parseMixSource(spec), hasCode('INVALID_ARGUMENT', expected));
      else assert.deepEqual({ ...parseMixSource(spec), ...expected }, parseMixSource(spec));
    });
  }

  test('ratios: percentages must sum to 100, weights are normalised, names unique', () => {
    const parse = (...s: string[]) => checkMixSources(s.map(parseMixSource));
    assert.equal(parse('a=x:60%', 'b=y:40%'), 'percent');
    assert.equal(parse('a=x:3', 'b=y:1'), 'weights');
    assert.throws(() => parse('a=x:60%', 'b=y:35%'), hasCode('INVALID_ARGUMENT', /percentages sum to 95%, expected 100%/));
    assert.throws(() => parse('a=x:60%', 'b=y:1'), hasCode('INVALID_ARGUMENT', /mix percentages and weights/));
    assert.throws(() => parse('a=x:1', 'a=y:1'), hasCode('INVALID_ARGUMENT', /"a" is given twice/));
  });

  const three = [
    { name: 'A', weight: 50, available: 100 },
    { name: 'B', weight: 30, available: 20 },
    { name: 'C', weight: 20, available: 100 },
  ];
  test('stopping rules for a short source', () => {
    const plan = (total: number | 'max', onShort: 'error' | 'scale' | 'fill') => planCounts(three, total, { replacement: false, onShort });
    assert.throws(() => plan(100, 'error'), hasCode('NOT_ENOUGH_ROWS', /--total 100: B has 20 eligible rows, needs 30/));
    assert.deepEqual(plan(100, 'scale'), { requested: [50, 30, 20], counts: [34, 20, 14], short: ['B'] });
    assert.deepEqual(plan('max', 'scale'), { requested: null, counts: [34, 20, 14], short: ['B'] });
    assert.deepEqual(plan(60, 'scale'), { requested: [30, 18, 12], counts: [30, 18, 12], short: [] });
    assert.deepEqual(plan(100, 'fill'), { requested: [50, 30, 20], counts: [57, 20, 23], short: ['B'] });
    assert.throws(() => plan(230, 'fill'), hasCode('NOT_ENOUGH_ROWS', /all sources together have 220 eligible rows/));
    assert.deepEqual(planCounts(three, 100, { replacement: true, onShort: 'error' }).counts, [50, 30, 20]);
  });

  test('fill repeats while the redistribution makes another source short', () => {
    const sources = [
      { name: 'A', weight: 1, available: 100 },
      { name: 'B', weight: 1, available: 10 },
      { name: 'C', weight: 1, available: 30 },
    ];
    assert.deepEqual(planCounts(sources, 90, { replacement: false, onShort: 'fill' }).counts, [50, 10, 30]);
  });

  test('the seeded stream is the same for the same seed, and differs for another', () => {
    const draw = (seed: string) => Array.from({ length: 8 }, ((r) => () => r.below(1000))(seededRandom(seed)));
    assert.deepEqual(draw('stage-1'), draw('stage-1'));
    assert.notDeepEqual(draw('stage-1'), draw('stage-2'));
    assert.ok(draw('x').every((n) => Number.isInteger(n) && n >= 0 && n < 1000));
  });
});

describe('data mix', () => {
  // The seed's stage-1 mix; pilot has 8 eligible rows where 5% of 200 needs 10.
  const AVAILABLE = { lmsys: 100, magpie: 60, toefl: 50, prosocial: 30, pilot: 8 };
  const RATIOS = { lmsys: '40%', magpie: '25%', toefl: '20%', prosocial: '10%', pilot: '5%' };
  let sources: MixSourceSpec[] = [];
  before(() => {
    sources = Object.entries(AVAILABLE).map(([name, rows], i) => {
      const path = file(`mix/${name}.jsonl`, taggedDataset(name, { rows, parseErrors: i + 1, blankLines: 2 }, i + 1));
      return parseMixSource(`${name}=${path}:${RATIOS[name as keyof typeof RATIOS]}`);
    });
  });
  const mix = (out: string, options: Partial<MixOptions> = {}) => mixFiles({ sources, total: 200, seed: 'stage-1', out: join(dir, 'mix', out), ...options });
  const bySource = (path: string) => {
    const counts: Record<string, number> = {};
    for (const line of linesOf(path)) {
      const { source } = JSON.parse(line) as { source: string };
      counts[source] = (counts[source] ?? 0) + 1;
    }
    return counts;
  };
  const achieved = (report: MixReport) => report.sources.map((s) => s.achieved);

  test('--on-short error names the short source and writes nothing', async () => {
    await assert.rejects(mix('error.jsonl'), hasCode('NOT_ENOUGH_ROWS', /pilot has 8 eligible rows, needs 10/));
    assert.equal(existsSync(join(dir, 'mix', 'error.jsonl')), false);
  });

  test('--on-short scale: the largest total every ratio allows; --max finds the same', async () => {
    const report = MixReport.parse(await mix('scale.jsonl', { onShort: 'scale' }));
    assert.deepEqual(achieved(report), [68, 43, 34, 17, 8]);
    assert.deepEqual(report.sources.map((s) => s.requested), [80, 50, 40, 20, 10]);
    assert.deepEqual(bySource(join(dir, 'mix', 'scale.jsonl')), { lmsys: 68, magpie: 43, toefl: 34, prosocial: 17, pilot: 8 });
    assert.deepEqual([report.rows, report.on_short, report.short_sources, report.ratios], [170, 'scale', ['pilot'], 'percent']);
    const max = await mix('max.jsonl', { total: 'max' });
    assert.deepEqual([achieved(max), max.total_requested, max.sha256], [[68, 43, 34, 17, 8], null, report.sha256]);
  });

  test('--on-short fill: all of the short source, the rest spread by ratio', async () => {
    const report = await mix('fill.jsonl', { onShort: 'fill' });
    assert.deepEqual(bySource(join(dir, 'mix', 'fill.jsonl')), { lmsys: 81, magpie: 51, toefl: 40, prosocial: 20, pilot: 8 });
    assert.equal(report.rows, 200);
  });

  test('rows are the eligible lines byte for byte, distinct, shuffled; ineligible lines counted', async () => {
    const report = await mix('rows.jsonl', { onShort: 'fill' });
    const out = linesOf(join(dir, 'mix', 'rows.jsonl'));
    const inputs = new Set(sources.flatMap((s) => linesOf(s.path)));
    assert.ok(out.every((line) => inputs.has(line)));
    assert.equal(new Set(out).size, 200);
    const order = out.map((line) => (JSON.parse(line) as { source: string }).source);
    assert.notDeepEqual(order, [...order].sort((a, b) => Object.keys(AVAILABLE).indexOf(a) - Object.keys(AVAILABLE).indexOf(b)));
    assert.deepEqual(report.sources.map((s) => [s.available, s.ineligible_lines, s.blank_lines]), [[100, 1, 2], [60, 2, 2], [50, 3, 2], [30, 4, 2], [8, 5, 2]]);
    assert.deepEqual(report.sources.map((s) => s.input_sha256), sources.map((s) => sha256(s.path)));
  });

  test('the same inputs and seed give the same bytes; another seed does not', async () => {
    const first = await mix('same-1.jsonl', { onShort: 'fill' });
    const second = await mix('same-2.jsonl', { onShort: 'fill' });
    const other = await mix('other.jsonl', { onShort: 'fill', seed: 'stage-2' });
    assert.equal(first.sha256, sha256(join(dir, 'mix', 'same-1.jsonl')));
    assert.equal(second.sha256, first.sha256);
    assert.notEqual(other.sha256, first.sha256);
  });

  test('--replacement draws the requested counts, repeating rows of a short source', async () => {
    const report = await mix('repl.jsonl', { total: 300, replacement: true });
    assert.deepEqual(bySource(join(dir, 'mix', 'repl.jsonl')), { lmsys: 120, magpie: 75, toefl: 60, prosocial: 30, pilot: 15 });
    const pilot = linesOf(join(dir, 'mix', 'repl.jsonl')).filter((line) => line.includes('"source":"pilot"'));
    assert.ok(new Set(pilot).size <= 8);
    assert.deepEqual([report.on_short, report.short_sources], [null, []]);
  });

  test('weights are normalised and said so', async () => {
    const weighted = sources.slice(0, 3).map((s, i) => ({ ...s, ratio: String([2, 1, 1][i]), weight: [2, 1, 1][i]!, percent: false }));
    const report = await mixFiles({ sources: weighted, total: 10, seed: 's', out: join(dir, 'mix', 'weights.jsonl') });
    assert.deepEqual(achieved(report), [5, 3, 2]);
    assert.deepEqual(report.sources.map((s) => s.share), [0.5, 0.25, 0.25]);
    assert.equal(report.ratios, 'weights');
    assert.match(report.ratio_note, /normalised by their sum \(4\)/);
  });

  const refusals: Array<[string, Partial<MixOptions>, RegExp]> = [
    ['--max with --replacement', { total: 'max', replacement: true }, /--max has no meaning with --replacement/],
    ['--max with --on-short fill', { total: 'max', onShort: 'fill' }, /--on-short fill has no meaning with --max/],
    ['--on-short with --replacement', { replacement: true, onShort: 'scale' }, /--on-short applies to sampling without replacement/],
    ['a fractional total', { total: 2.5 }, /--total 2.5: expected a positive whole number/],
  ];
  for (const [name, options, message] of refusals) {
    test(`refuses ${name}`, async () => await assert.rejects(mix('refused.jsonl', options), hasCode('INVALID_ARGUMENT', message)));
  }

  test('data_mix through the registry: manifest, cancellation, argument errors', async () => {
    const workspace = join(dir, 'mix');
    const tool = findTool('data_mix');
    const args = { source: Object.keys(AVAILABLE).map((name) => `${name}=${name}.jsonl:${RATIOS[name as keyof typeof RATIOS]}`), max: true, seed: '42', out: 'tool/mix.jsonl' };
    const output = (await runTool(tool, args, context(workspace))) as MixReport & { manifest: string };
    const { manifest, ...report } = output;
    assert.equal(manifest, 'tool/mix.jsonl.manifest.json');
    assert.deepEqual(JSON.parse(readFileSync(join(workspace, manifest), 'utf8')), report);
    assert.deepEqual([report.rows, report.seed, report.sources[4]!.path, report.sha256], [170, '42', 'pilot.jsonl', sha256(join(workspace, 'tool/mix.jsonl'))]);
    assert.match(tool.summarize(output), /170 rows -> tool\/mix\.jsonl \(seed 42, on short: scale \(pilot\)\)/);

    const controller = new AbortController();
    const abortInSecondPass = (p: Progress) => p.done > p.total! / 2 && controller.abort();
    const cancelled = { ...args, out: 'cancelled/mix.jsonl' };
    await assert.rejects(runTool(tool, cancelled, context(workspace, abortInSecondPass, controller.signal)), hasCode('CANCELLED'));
    assert.equal(existsSync(join(workspace, 'cancelled')), false);

    await assert.rejects(runTool(tool, { ...args, source: ['lmsys=lmsys.jsonl'] }, context(workspace)), hasCode('INVALID_ARGUMENT', /--source "lmsys=lmsys.jsonl": expected NAME=PATH:RATIO/));
    await assert.rejects(runTool(tool, { ...args, total: 10 }, context(workspace)), (e: unknown) => e instanceof ToolError && /exactly one of --total N and --max/.test(e.message));
    await assert.rejects(runTool(tool, { ...args, source: ['x=../../etc/passwd:1'] }, context(workspace)), hasCode('PATH_OUTSIDE_WORKSPACE'));
  });

  test('data_mix commits OUT and its manifest together: a cancel at each progress report leaves both as they were', async () => {
    const workspace = join(dir, 'mix');
    const folder = join(workspace, 'commit');
    const tool = findTool('data_mix');
    const source = Object.keys(AVAILABLE).map((name) => `${name}=${name}.jsonl:${RATIOS[name as keyof typeof RATIOS]}`);
    const args = { source, total: 100, onShort: 'fill', seed: 'new', out: 'commit/mix.jsonl' };
    await runTool(tool, { ...args, seed: 'old' }, context(workspace));
    const previous = fileTree(folder);
    assert.deepEqual(Object.keys(previous).sort(), ['mix.jsonl', 'mix.jsonl.manifest.json']);
    const reports: Progress[] = [];
    await runTool(tool, { ...args, out: 'commit-dry-run/mix.jsonl' }, context(workspace, (p) => reports.push(p)));
    assert.ok(reports.length >= 4, 'progress from both passes');
    await cancelAtEachReport(
      reports.length,
      (onProgress, signal) => runTool(tool, args, context(workspace, onProgress, signal)),
      (why) => assert.deepEqual(fileTree(folder), previous, why),
    );
    // Run to the end: OUT and the manifest are both new, the manifest describing these bytes.
    const finished = new AbortController();
    await runTool(tool, args, context(workspace, () => {}, finished.signal));
    finished.abort();
    const manifest = MixReport.parse(JSON.parse(readFileSync(join(folder, 'mix.jsonl.manifest.json'), 'utf8')));
    assert.deepEqual([manifest.seed, manifest.rows], ['new', 100]);
    assert.equal(manifest.sha256, sha256(join(folder, 'mix.jsonl')));
    assert.equal(manifest.sha256, sha256(join(workspace, 'commit-dry-run/mix.jsonl')));
    assert.notEqual(manifest.sha256, (JSON.parse(previous['mix.jsonl.manifest.json']!) as MixReport).sha256);
    assert.deepEqual(Object.keys(fileTree(folder)).sort(), ['mix.jsonl', 'mix.jsonl.manifest.json']);
  });

  test('data_mix: when the manifest cannot be committed, OUT is not replaced', async () => {
    const workspace = join(dir, 'mix');
    const folder = join(workspace, 'stuck');
    const args = { source: ['lmsys=lmsys.jsonl:1', 'magpie=magpie.jsonl:1'], total: 20, seed: 'old', out: 'stuck/mix.jsonl' };
    await runTool(findTool('data_mix'), args, context(workspace));
    // A directory where the manifest goes: the commit fails when it comes to the manifest.
    rmSync(join(folder, 'mix.jsonl.manifest.json'));
    mkdirSync(join(folder, 'mix.jsonl.manifest.json'));
    const previous = fileTree(folder);
    await assert.rejects(runTool(findTool('data_mix'), { ...args, seed: 'new' }, context(workspace)));
    assert.deepEqual(fileTree(folder), previous);
  });

  test('the CLI words for both tools', () => {
    const mixArgs = parseToolCommand(TOOLS, ['data', 'mix', '--source', 'a=a.jsonl:60%', '--source', 'b=b.jsonl:40%', '--total', '10', '--seed', '7', '--out', 'm.jsonl', '--on-short', 'fill']);
    assert.deepEqual([mixArgs.tool.name, mixArgs.args], ['data_mix', { source: ['a=a.jsonl:60%', 'b=b.jsonl:40%'], total: 10, seed: '7', out: 'm.jsonl', onShort: 'fill' }]);
    const dedupArgs = parseToolCommand(TOOLS, ['data', 'dedup', 'a.jsonl', 'b.jsonl', '--out-dir', 'out', '--near', '--group', 'a.jsonl,b.jsonl']);
    assert.deepEqual([dedupArgs.tool.name, dedupArgs.args], ['data_dedup', { files: ['a.jsonl', 'b.jsonl'], outDir: 'out', near: true, group: ['a.jsonl,b.jsonl'] }]);
  });
});
