import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import { silentLogger } from '../src/log.ts';
import { findTool, runTool, workspaceResolver } from '../src/tools/index.ts';
import { cleanRow, plantedDataset, rng } from './helpers/datasets.ts';
import { workspace } from './helpers/workspace.ts';

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

function setUp(t: TestContext, text = recipe(52)) {
  const ws = workspace(t);
  ws.write('data/toefl.jsonl', TOEFL);
  ws.write('data/pilot.jsonl', PILOT);
  ws.write('recipe.yaml', text);
  const context = { workspace: ws.dir, resolvePath: workspaceResolver(ws.dir, true), signal: new AbortController().signal, progress: () => {}, log: silentLogger };
  return { ws, run: (tool: string, recipePath = 'recipe.yaml') => runTool(findTool(tool), { recipe: recipePath }, context) };
}

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
