import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { silentLogger } from '../src/log.ts';
import { findTool, runTool, workspaceResolver } from '../src/tools/index.ts';
import { cleanRow, plantedDataset, rng } from './helpers/datasets.ts';
import { fileTree } from './helpers/files.ts';
import { workspace } from './helpers/workspace.ts';
import type { Progress } from '../src/tools/index.ts';
import { cancelAtEachReport } from './helpers/cancel.ts';

const TOEFL = plantedDataset({ clean: 30, parseErrors: 2, missingMessages: 0, emptyAssistant: 3, alternation: 1, exactDuplicates: 2, emails: 2, phones: 0, ips: 0, noFinalPunct: 0, weightOutOfRange: 0, blankLines: 1 }).text;
const random = rng(77);
const PILOT = `${Array.from({ length: 20 }, (_, i) => JSON.stringify(cleanRow(random, 500 + i))).join('\n')}\n${TOEFL.split('\n')[0]}\n`;

const recipe = (expectSuperset: number) => `
recipe: stage1
out: build
seed: 7
sources:
  toefl: data/toefl.jsonl
  pilot: { path: data/pilot.jsonl, expect: 21 }
steps:
  - name: toefl-clean
    kind: clean
    inputs: [toefl]
    expect: 34
  - name: toefl-scrubbed
    kind: scrub
    input: toefl-clean
  - name: toefl-openai
    kind: convert
    input: toefl-scrubbed
    to: openai
  - name: superset
    kind: dedup
    inputs: [toefl-openai, pilot]
    scope: cross-source
    expect: { rows: ${expectSuperset}, tolerance: 0 }
  - name: stage1-mix
    kind: mix
    sources: { superset: 70%, pilot: 30% }
    total: 20
    expect: 20
`;

// Two more steps, appended to the recipe's steps: one per tier they write to.
const OLD_STEPS = `
  - name: old-mix
    kind: mix
    sources: { pilot: 1 }
    total: 5
  - name: old-clean
    kind: clean
    inputs: [pilot]
`;

interface Built {
  steps: Array<{ name: string; rows: number; tier: string; output: string; sha256: string }>;
  manifest: string;
  seed: string;
  removed: string[];
  left: string[];
}

function setUp(t: TestContext, text = recipe(52)) {
  const ws = workspace(t);
  ws.write('data/toefl.jsonl', TOEFL);
  ws.write('data/pilot.jsonl', PILOT);
  ws.write('recipe.yaml', text);
  const context = (progress: (p: Progress) => void = () => {}, signal = new AbortController().signal) => ({
    workspace: ws.dir,
    resolvePath: workspaceResolver(ws.dir, true),
    signal,
    progress,
    log: silentLogger,
  });
  return {
    ws,
    run: (tool: string, recipePath = 'recipe.yaml', progress?: (p: Progress) => void, signal?: AbortSignal) => runTool(findTool(tool), { recipe: recipePath }, context(progress, signal)),
  };
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('data recipe', () => {
  test('build writes the three tiers with the expected counts and a manifest with sha256, seed and version', async (t) => {
    const { ws, run } = setUp(t);
    const built = (await run('data_recipe_build')) as { steps: Array<{ name: string; rows: number; tier: string; output: string }>; manifest: string; seed: string };
    assert.deepEqual(
      built.steps.map((s) => [s.name, s.tier, s.rows]),
      [
        ['toefl-clean', 'sources', 34],
        ['toefl-scrubbed', 'sources', 34],
        ['toefl-openai', 'sources', 34],
        ['superset', 'combined', 52],
        ['stage1-mix', 'mixes', 20],
      ],
    );
    assert.equal(readFileSync(join(ws.dir, 'build/mixes/stage1-mix.jsonl'), 'utf8').trim().split('\n').length, 20);
    assert.doesNotMatch(readFileSync(join(ws.dir, 'build/sources/toefl-openai.jsonl'), 'utf8'), /"weight"|@example/);
    const manifest = JSON.parse(ws.read('build/manifest.json')) as { seed: string; tool_version: string; inputs: Array<{ name: string; rows: number; sha256: string }> };
    assert.equal(manifest.seed, '7');
    assert.match(manifest.tool_version, /^\d+\.\d+\.\d+/);
    assert.deepEqual(manifest.inputs.map((i) => [i.name, i.rows, i.sha256.length]), [['toefl', 40, 64], ['pilot', 21, 64]]);
    assert.deepEqual(readdirSync(join(ws.dir, 'build')).filter((n) => n.startsWith('.staging')), []);
  });

  test('a count that is off fails loudly and keeps the previous outputs', async (t) => {
    const { ws, run } = setUp(t);
    await run('data_recipe_build');
    const before = ws.read('build/combined/superset.jsonl');
    const manifest = ws.read('build/manifest.json');
    ws.write('recipe.yaml', recipe(50));
    ws.write('data/pilot.jsonl', PILOT.replace(/\n$/, `\n${JSON.stringify(cleanRow(random, 999))}\n`).split('\n').slice(1).join('\n'));
    await assert.rejects(run('data_recipe_build'), (error: { code?: string; message: string }) => {
      assert.equal(error.code, 'COUNT_MISMATCH');
      assert.match(error.message, /step "superset": expected 50 rows, got 52; nothing was replaced/);
      return true;
    });
    assert.equal(ws.read('build/combined/superset.jsonl'), before);
    assert.equal(ws.read('build/manifest.json'), manifest);
    assert.deepEqual(readdirSync(join(ws.dir, 'build')).filter((n) => n.startsWith('.staging')), []);
  });

  test('the outputs and the manifest are committed together: a cancel at each progress report leaves the out directory as it was', async (t) => {
    const { ws, run } = setUp(t, recipe(52) + OLD_STEPS);
    await run('data_recipe_build');
    const build = join(ws.dir, 'build');
    const previous = fileTree(build);
    assert.ok('mixes/old-mix.jsonl' in previous && 'sources/old-clean.jsonl' in previous);
    // The next build: another seed (another mix), and the two old steps gone.
    const next = recipe(52).replace('seed: 7', 'seed: 8');
    ws.write('dry-run.yaml', next.replace('out: build', 'out: dry-run'));
    const reports: Progress[] = [];
    await run('data_recipe_build', 'dry-run.yaml', (p) => reports.push(p));
    assert.deepEqual(
      reports.map((p) => [p.done, p.message]),
      [[0, 'toefl-clean'], [1, 'toefl-scrubbed'], [2, 'toefl-openai'], [3, 'superset'], [4, 'stage1-mix'], [5, 'all steps done']],
    );
    ws.write('recipe.yaml', next);
    await cancelAtEachReport(
      reports.length,
      (onProgress, signal) => run('data_recipe_build', 'recipe.yaml', onProgress, signal),
      (why) => assert.deepEqual(fileTree(build), previous, why),
    );
    // Run to the end: every output and the manifest new, the manifest describing these bytes, the old steps' outputs gone.
    const finished = new AbortController();
    const built = (await run('data_recipe_build', 'recipe.yaml', () => {}, finished.signal)) as Built;
    finished.abort();
    const manifest = JSON.parse(ws.read('build/manifest.json')) as Built;
    assert.equal(manifest.seed, '8');
    assert.deepEqual(Object.keys(fileTree(build)).filter((name) => !name.endsWith('/')).sort(), ['manifest.json', ...manifest.steps.map((s) => `${s.tier}/${s.name}.jsonl`)].sort());
    for (const step of manifest.steps) {
      assert.equal(step.sha256, sha256(step.output), step.name);
      assert.equal(step.sha256, sha256(join(ws.dir, 'dry-run', step.tier, `${step.name}.jsonl`)), step.name);
    }
    assert.notEqual(ws.read('build/mixes/stage1-mix.jsonl'), previous['mixes/stage1-mix.jsonl']);
    assert.deepEqual([built.removed, built.left], [[join(build, 'mixes/old-mix.jsonl'), join(build, 'sources/old-clean.jsonl')], []]);
  });

  test('a build removes only what the previous manifest listed, and only while it holds the bytes that build wrote', async (t) => {
    const { ws, run } = setUp(t, recipe(52) + OLD_STEPS);
    await run('data_recipe_build');
    const build = join(ws.dir, 'build');
    // Files the build did not write: one beside the outputs, one that an old step wrote and a person changed since.
    ws.write('build/mixes/mine.jsonl', '{"by":"hand"}\n');
    ws.write('build/sources/old-clean.jsonl', `${ws.read('build/sources/old-clean.jsonl')}{"by":"hand"}\n`);
    // A manifest that names a file outside the layout (as a hand edit could): its bytes match, it still stays.
    const previous = JSON.parse(ws.read('build/manifest.json')) as { steps: Array<Record<string, unknown>> };
    previous.steps.push({ name: 'pilot', kind: 'clean', tier: 'sources', output: join(ws.dir, 'data/pilot.jsonl'), rows: 21, sha256: sha256(join(ws.dir, 'data/pilot.jsonl')), expected: null });
    ws.write('build/manifest.json', JSON.stringify(previous));
    ws.write('recipe.yaml', recipe(52));
    const built = (await run('data_recipe_build')) as Built;
    assert.deepEqual(built.removed, [join(build, 'mixes/old-mix.jsonl')]);
    assert.deepEqual(built.left, [join(build, 'sources/old-clean.jsonl')]);
    assert.equal(existsSync(join(build, 'mixes/old-mix.jsonl')), false);
    assert.equal(ws.read('build/mixes/mine.jsonl'), '{"by":"hand"}\n');
    assert.match(ws.read('build/sources/old-clean.jsonl'), /"by":"hand"/);
    assert.equal(ws.read('data/pilot.jsonl'), PILOT);
    assert.match(findTool('data_recipe_build').summarize!(built as never), /removed .*old-mix\.jsonl[^]*left .*old-clean\.jsonl: the recipe no longer has its step, but it changed/);
    // Built again: nothing is stale any more.
    const again = (await run('data_recipe_build')) as Built;
    assert.deepEqual([again.removed, again.left], [[], []]);
  });

  test('when the manifest cannot be committed, no output is replaced', async (t) => {
    const { ws, run } = setUp(t, recipe(52) + OLD_STEPS);
    await run('data_recipe_build');
    // A directory where the manifest goes: the commit fails when it comes to the manifest.
    rmSync(join(ws.dir, 'build/manifest.json'));
    mkdirSync(join(ws.dir, 'build/manifest.json'));
    const previous = fileTree(join(ws.dir, 'build'));
    ws.write('recipe.yaml', recipe(52).replace('seed: 7', 'seed: 8'));
    await assert.rejects(run('data_recipe_build'));
    assert.deepEqual(fileTree(join(ws.dir, 'build')), previous);
  });

  // a: ten rows; b: five of them and five more; c: a copy of b.
  const groupRecipe = (dedup: string) => `
recipe: groups
out: build
sources: { a: a.jsonl, b: b.jsonl, c: c.jsonl }
steps:
  - { name: deduped, kind: dedup, inputs: [a, b, c]${dedup} }
`;
  const groupCases: Array<[string, string, number]> = [
    ['no scope and no groups: cross-source', '', 15],
    ['scope within-source', ', scope: within-source', 30],
    ['groups [[a, b]]: a and b together, c against itself', ', groups: [[a, b]]', 25],
    ['groups [[b, c]] with scope within-source', ', scope: within-source, groups: [[b, c]]', 20],
  ];
  for (const [name, dedup, rows] of groupCases) {
    test(`a dedup step's groups: ${name}`, async (t) => {
      const { ws, run } = setUp(t, groupRecipe(dedup));
      const random = rng(3);
      const rowsOf = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => JSON.stringify(cleanRow(random, from + i)));
      const a = rowsOf(0, 10);
      const b = [...a.slice(5), ...rowsOf(10, 15)];
      ws.write('a.jsonl', `${a.join('\n')}\n`);
      ws.write('b.jsonl', `${b.join('\n')}\n`);
      ws.write('c.jsonl', `${b.join('\n')}\n`);
      const built = (await run('data_recipe_build')) as Built;
      assert.equal(built.steps[0]!.rows, rows);
    });
  }

  const groupErrors: Array<[string, string, RegExp]> = [
    ['names an unknown input', ', groups: [[a, z]]', /recipe\.yaml: steps\.0\.groups\.0\.1: "z" is not one of this step's inputs \(a, b, c\)$/],
    ['has one input', ', groups: [[a, a]]', /steps\.0\.groups\.0: expected two or more of the step's inputs/],
    ['shares an input with another', ', groups: [[a, b], [b, c]]', /steps\.0\.groups\.1\.0: "b" is already in group 0; an input may be in one group only$/],
    ['comes with scope cross-source', ', scope: cross-source, groups: [[a, b]]', /steps\.0\.groups: groups apply with scope within-source/],
  ];
  for (const [name, dedup, message] of groupErrors) {
    test(`a dedup group that ${name} is a recipe error naming the field`, async (t) => {
      const { ws, run } = setUp(t, groupRecipe(dedup));
      for (const file of ['a.jsonl', 'b.jsonl', 'c.jsonl']) ws.write(file, '');
      for (const tool of ['data_recipe_plan', 'data_recipe_build']) await assert.rejects(run(tool), { code: 'INVALID_RECIPE', message });
      assert.equal(existsSync(join(ws.dir, 'build')), false);
    });
  }

  test('plan lists what a build would write, and missing inputs and unknown names as problems', async (t) => {
    const { ws, run } = setUp(t, recipe(52).replace('data/pilot.jsonl', 'data/nope.jsonl').replace('input: toefl-clean', 'input: toefl-cleaned'));
    const plan = (await run('data_recipe_plan')) as { steps: Array<{ output: string }>; problems: string[] };
    assert.equal(plan.steps[3]!.output, join(ws.dir, 'build/combined/superset.jsonl'));
    assert.deepEqual(plan.problems, [
      `source "pilot": ${join(ws.dir, 'data/nope.jsonl')} does not exist`,
      'step "toefl-scrubbed" reads "toefl-cleaned", which is no source or earlier step',
    ]);
    assert.equal(findTool('data_recipe_plan').exitCode!(plan as never), 1);
    assert.equal(existsSync(join(ws.dir, 'build')), false);
  });

  test('a recipe that does not fit the schema names the file and each field', async (t) => {
    const { run } = setUp(t, 'recipe: x\nout: build\nsources: {a: a.jsonl}\nsteps:\n  - name: s\n    kind: blend\n    inputs: [a]\n  - name: t\n    kind: mix\n    sources: {a: lots}\n    total: 5\n');
    await assert.rejects(run('data_recipe_plan'), (error: { code?: string; message: string }) => {
      assert.equal(error.code, 'INVALID_RECIPE');
      assert.match(error.message, /recipe\.yaml: steps\.0\.kind: .*; steps\.1\.sources\.a: /);
      return true;
    });
  });
});
