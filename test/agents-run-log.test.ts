import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { RunLog } from '../src/agents/run-log.ts';

const dir = mkdtempSync(join(tmpdir(), 'quimbot-run-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('a run log', () => {
  test('holds every line in order once closed', async () => {
    const log = new RunLog(join(dir, 'a.log'));
    for (let i = 0; i < 1000; i++) log.write(`line ${i}\n`);
    await log.close();
    assert.deepEqual(readFileSync(log.path, 'utf8').split('\n').slice(0, -1), Array.from({ length: 1000 }, (_, i) => `line ${i}`));
  });

  test('stops at 1 MB with a note saying so', async () => {
    const log = new RunLog(join(dir, 'b.log'));
    const line = `${'x'.repeat(999)}\n`;
    for (let i = 0; i < 1100; i++) log.write(line);
    await log.close();
    const text = readFileSync(log.path, 'utf8');
    assert.equal(text.length, (1 << 20) + '\n[log truncated at 1 MB]\n'.length);
    assert.ok(text.endsWith('\n[log truncated at 1 MB]\n'));
  });

  test('a log that cannot be written does not fail the run', async () => {
    const log = new RunLog(join(dir, 'missing', 'c.log'));
    log.write('lost\n');
    await log.close();
  });
});
