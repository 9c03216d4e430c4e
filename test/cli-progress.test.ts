import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { terminalProgress } from '../src/cli/progress.ts';

const BIN = fileURLToPath(new URL('../bin/quimbot.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'quimbot-progress-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const row = (i: number) => `${JSON.stringify({ messages: [{ role: 'user', content: `Question ${i}?` }, { role: 'assistant', content: `Answer ${i}, mail a${i}@example.com.` }] })}\n`;

describe('progress on a terminal', () => {
  test('nothing in the first second, then done and total, MB/s, ETA and rows, at most ten times a second; a new pass counts its rate afresh; phases as lines; done clears', () => {
    const written: string[] = [];
    let now = 0;
    const progress = terminalProgress({ write: (text: string) => written.push(text) > 0 }, true, true, () => now);
    const report = (done: number) => progress.report({ done, total: 100e6, unit: 'bytes', message: `${done / 1000} rows` });
    now = 900;
    report(30e6);
    assert.deepEqual(written, [], 'quiet for the first second');
    now = 2000;
    report(50e6);
    assert.deepEqual(written, ['\r\x1b[2K50.0 MB / 100.0 MB · 25.0 MB/s · ETA 2s · 50000 rows']);
    now = 2050;
    report(51e6);
    assert.equal(written.length, 1, 'at most ten redraws a second');
    progress.report({ done: 51e6, phase: 'validating_files' });
    assert.deepEqual(written.slice(1), ['\r\x1b[2Kvalidating_files\n']);
    now = 3000;
    report(60e6);
    assert.deepEqual(written.slice(2), ['\r\x1b[2K60.0 MB / 100.0 MB · 20.0 MB/s · ETA 2s · 60000 rows']);
    // Another pass over the data (clean's after-audit) starts from zero.
    now = 3100;
    report(1e6);
    now = 4100;
    report(10e6);
    progress.done();
    assert.deepEqual(written.slice(3), ['\r\x1b[2K10.0 MB / 100.0 MB · 10.0 MB/s · ETA 9s · 10000 rows', '\r\x1b[2K']);
    now = 5000;
    report(70e6);
    assert.equal(written.length, 5, 'nothing after done');
  });

  test('off a terminal (or with --json) no progress line is drawn, only phases when asked', () => {
    const written: string[] = [];
    let now = 0;
    const progress = terminalProgress({ write: (text: string) => written.push(text) > 0 }, false, true, () => now);
    now = 5000;
    progress.report({ done: 1, total: 2 });
    progress.report({ done: 1, phase: 'running' });
    progress.done();
    assert.deepEqual(written, ['running\n']);
  });
});

/** A named pipe in the test directory, and a writer for it; `reading` resolves once a reader has opened it. */
function pipe(name: string): { path: string; writer: WriteStream; reading: Promise<void> } {
  const path = join(dir, name);
  assert.equal(spawnSync('mkfifo', [path]).status, 0, 'mkfifo');
  const writer = createWriteStream(path);
  writer.on('error', () => {}); // the reader may be gone
  return { path, writer, reading: new Promise((resolve) => writer.once('open', () => resolve())) };
}

function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

const hasScript = spawnSync('script', ['--version']).status === 0;

describe('the CLI on a pipe', () => {
  test('audit reads a pipe as it streams, drawing progress on a terminal after a second, none with --json or off a terminal', { skip: !hasScript && 'script(1) is needed for a terminal' }, async () => {
    const run = async (args: string, terminal: boolean) => {
      const { path, writer, reading } = pipe(`in-${terminal}-${args.length}.jsonl`);
      const command = `${process.execPath} ${BIN} data audit ${path} --no-near ${args}`;
      const child = terminal ? spawn('script', ['-qfec', command, '/dev/null'], { cwd: dir }) : spawn(process.execPath, [BIN, 'data', 'audit', path, '--no-near', ...args.split(' ').filter(Boolean)], { cwd: dir });
      let output = '';
      child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const code = exited(child);
      await reading;
      // Rows arrive for a second and a half, so a progress line is due.
      for (let i = 0; i < 16; i++) {
        writer.write(Array.from({ length: 50 }, (_, j) => row(i * 50 + j)).join(''));
        await sleep(100);
      }
      writer.end();
      assert.equal(await code, 0, output);
      return output;
    };
    const drawn = await run('', true);
    assert.match(drawn, /\x1b\[2K[\d.]+ KB · [\d.]+ KB\/s · [\d,]+ rows/);
    assert.match(drawn, /800 rows in 1 file/);
    assert.match(drawn, /rows with email +800/);
    const json = await run('--json', true);
    assert.doesNotMatch(json, /\x1b\[2K/);
    assert.match(json, /"rows": 800/);
    assert.doesNotMatch(await run('', false), /\x1b\[2K/);
  });

  test('Ctrl-C stops a run at once, even one waiting on a pipe: exit 130, the previous output untouched, no temp file left', { timeout: 20_000 }, async () => {
    writeFileSync(join(dir, 'out.jsonl'), 'the previous output\n');
    const before = readdirSync(dir);
    const { path, writer, reading } = pipe('slow.jsonl');
    const child = spawn(process.execPath, [BIN, 'data', 'scrub', path, '--out', 'out.jsonl'], { cwd: dir });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = exited(child);
    try {
      await reading;
      writer.write(Array.from({ length: 200 }, (_, i) => row(i)).join(''));
      await sleep(300);
      child.kill('SIGINT');
      // The run stops while the pipe's writer is still there, silent...
      const deadline = Date.now() + 5000;
      while (!/cancelled/.test(stderr) && Date.now() < deadline) await sleep(20);
      assert.match(stderr, /cancelled/);
    } finally {
      // ...then the writer goes too (a terminal's Ctrl-C reaches the whole job), and the process exits.
      writer.destroy();
    }
    assert.equal(await code, 130, stderr);
    assert.equal(readFileSync(join(dir, 'out.jsonl'), 'utf8'), 'the previous output\n');
    assert.deepEqual(readdirSync(dir).sort(), [...before, 'slow.jsonl'].sort());
  });
});
