import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError, describeConfig, loadConfig } from '../src/config.ts';

const dir = mkdtempSync(join(tmpdir(), 'quimbot-config-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
/** A workspace directory holding one config file. */
function withFile(name: string, text: string): string {
  const sub = join(dir, String(n++));
  mkdirSync(sub, { recursive: true });
  writeFileSync(join(sub, name), text);
  return sub;
}

describe('config', () => {
  test('no file: every value is a default and the team works offline', () => {
    const config = loadConfig({ workspace: dir, env: {} });
    assert.equal(config.file, null);
    assert.equal(config.board, 'kanban/KANBAN.md');
    assert.deepEqual(config.agents.map((a) => [a.name, a.role, a.backend]), [
      ['Claude', 'lead', 'pipeline'],
      ['Codex', 'quality', 'pipeline'],
      ['Cursor', 'execution', 'pipeline'],
    ]);
  });

  test('a key in the environment turns an auto agent into its model backend; the key is never printed', () => {
    const env = { ANTHROPIC_API_KEY: 'sk-ant-secret', OPENAI_API_KEY: '' };
    const config = loadConfig({ workspace: dir, env });
    assert.deepEqual(config.agents.map((a) => a.backend), ['anthropic', 'pipeline', 'pipeline']);
    const text = JSON.stringify(describeConfig(config, env));
    assert.doesNotMatch(text, /sk-ant-secret/);
    assert.match(text, /set in ANTHROPIC_API_KEY/);
  });

  test('each peer is an agent on the a2a backend, delegating at most its concurrency at once (16 unless set)', () => {
    const ws = withFile('quimbot.config.json', JSON.stringify({ peers: [{ name: 'Petrarch', url: 'http://127.0.0.1:8788' }, { name: 'Laura', url: 'http://127.0.0.1:8789', concurrency: 64 }] }));
    const peers = loadConfig({ workspace: ws, env: {} }).agents.filter((a) => a.backend === 'a2a');
    assert.deepEqual(peers.map((a) => [a.name, a.baseURL, a.concurrency]), [
      ['Petrarch', 'http://127.0.0.1:8788', 16],
      ['Laura', 'http://127.0.0.1:8789', 64],
    ]);
    const bad = withFile('quimbot.config.json', JSON.stringify({ peers: [{ name: 'Petrarch', url: 'http://127.0.0.1:8788', concurrency: 0 }] }));
    assert.throws(() => loadConfig({ workspace: bad, env: {} }), (error: unknown) => error instanceof ConfigError && /peers\.0\.concurrency/.test(error.message));
  });

  test("fineTune's vision says whether a model takes images (validate); it is a boolean", () => {
    const ws = withFile('quimbot.config.yaml', 'fineTune:\n  gpt-4.1: { vision: true }\n');
    assert.deepEqual(loadConfig({ workspace: ws, env: {} }).fineTune, { 'gpt-4.1': { vision: true } });
    const bad = withFile('quimbot.config.yaml', 'fineTune:\n  gpt-4.1: { vision: yes please }\n');
    assert.throws(() => loadConfig({ workspace: bad, env: {} }), (error: unknown) => error instanceof ConfigError && /fineTune\.gpt-4\.1\.vision/.test(error.message));
  });

  test('YAML is read, and every error is reported with its path', () => {
    const ws = withFile('quimbot.config.yaml', 'agents:\n  - name: X\n    role: boss\n  - name: Y\n    role: lead\n    backend: cli\nscheduler:\n  pollMs: 5\nlisten: {port: 99999}\n');
    assert.throws(
      () => loadConfig({ workspace: ws, env: {} }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.code, 'INVALID_CONFIG');
        assert.deepEqual(error.problems.map((p) => p.path), ['agents.0.role', 'agents.1.command', 'scheduler.pollMs', 'listen.port']);
        assert.match(error.message, /quimbot\.config\.yaml: agents\.0\.role: /);
        return true;
      },
    );
  });

  test('JSON wins over YAML; unknown keys and duplicate agent names are errors', () => {
    const ws = withFile('quimbot.config.json', JSON.stringify({ agents: [{ name: 'A', role: 'lead' }, { name: 'a', role: 'quality' }], colour: 'blue' }));
    writeFileSync(join(ws, 'quimbot.config.yaml'), 'board: other.md\n');
    assert.throws(() => loadConfig({ workspace: ws, env: {} }), /Unrecognized key.*colour|colour/);
    const ok = withFile('quimbot.config.json', JSON.stringify({ board: 'b.md', agents: [{ name: 'Solo', role: 'execution', concurrency: 4 }] }));
    const config = loadConfig({ workspace: ok, env: {} });
    assert.equal(config.board, 'b.md');
    assert.equal(config.agents[0]!.concurrency, 4);
    assert.equal(config.scheduler.maxAttempts, 3);
    const dup = withFile('quimbot.config.json', JSON.stringify({ agents: [{ name: 'A', role: 'lead' }, { name: 'a', role: 'quality' }] }));
    assert.throws(() => loadConfig({ workspace: dup, env: {} }), /agents\.1\.name: "a" is used twice/);
  });

  test('a file that is not JSON says so', () => {
    const ws = withFile('quimbot.config.json', '{ nope');
    assert.throws(() => loadConfig({ workspace: ws, env: {} }), /quimbot\.config\.json: not valid JSON/);
  });
});
