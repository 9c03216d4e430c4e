import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { dedupFiles, mixFiles, readJsonl, readRows, sha256File, withOutputs } from '../src/pipeline/index.ts';
import { fileTree } from './helpers/files.ts';

const dir = mkdtempSync(join(tmpdir(), 'quimbot-io-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('withOutputs', () => {
  test('commits every output with its rows, bytes and sha256', async () => {
    const path = join(dir, 'out', 'a.jsonl');
    const { result, outputs } = await withOutputs(async ({ open }) => {
      const out = open(path);
      out.write('{"a":1}');
      out.write('{"b":"é"}');
      return 'done';
    });
    const text = '{"a":1}\n{"b":"é"}\n';
    assert.equal(result, 'done');
    assert.equal(readFileSync(path, 'utf8'), text);
    assert.deepEqual(outputs, [{ path, rows: 2, bytes: Buffer.byteLength(text), sha256: createHash('sha256').update(text).digest('hex') }]);
    assert.equal(await sha256File(path), outputs[0]!.sha256);
  });

  test('an error leaves the previous file and no temp file behind', async () => {
    const path = join(dir, 'keep.jsonl');
    writeFileSync(path, 'previous\n');
    await assert.rejects(
      withOutputs(async ({ open }) => {
        open(path).write('partial');
        throw new Error('cancelled');
      }),
      /cancelled/,
    );
    assert.equal(readFileSync(path, 'utf8'), 'previous\n');
    assert.deepEqual(readdirSync(dir).filter((name) => name.endsWith('.tmp')), []);
  });

  test('a cancel before the commit point leaves every previous file; the body may read and describe its sealed output', async () => {
    const sub = join(dir, 'commit');
    const [out, manifest] = [join(sub, 'out.jsonl'), join(sub, 'out.manifest.json')];
    const previous = () => [readFileSync(out, 'utf8'), readFileSync(manifest, 'utf8')];
    const run = (signal: AbortSignal, rows: string[], abortAt: 'body' | 'never') =>
      withOutputs(
        async ({ open, attach }) => {
          const output = open(out);
          for (const row of rows) output.write(row);
          const sealed = output.seal();
          // The output is complete before it is in place: it can be read back (an after-audit).
          assert.equal(readFileSync(output.stagedPath, 'utf8'), rows.map((r) => `${r}\n`).join(''));
          attach(manifest, JSON.stringify(sealed));
          if (abortAt === 'body') controller.abort();
          return sealed;
        },
        { signal },
      );
    let controller = new AbortController();
    const first = await run(controller.signal, ['{"a":1}'], 'never');
    assert.deepEqual(previous(), ['{"a":1}\n', JSON.stringify(first.result)]);
    controller = new AbortController();
    await assert.rejects(run(controller.signal, ['{"b":2}', '{"c":3}'], 'body'), { code: 'CANCELLED', message: /out\.jsonl: cancelled; nothing was replaced/ });
    assert.deepEqual(previous(), ['{"a":1}\n', JSON.stringify(first.result)]);
    assert.deepEqual(readdirSync(sub).sort(), ['out.jsonl', 'out.manifest.json']);
    // A cancel once the run returned changes nothing: the commit is done.
    controller = new AbortController();
    const second = await run(controller.signal, ['{"b":2}'], 'never');
    controller.abort();
    assert.deepEqual(previous(), ['{"b":2}\n', JSON.stringify(second.result)]);
    assert.equal(second.outputs[0]!.sha256, await sha256File(out));
  });

  test('an attached file is written only when the outputs are: a failing body leaves none, and the previous one stays', async () => {
    const sub = join(dir, 'attach');
    const manifest = join(sub, 'm.json');
    await withOutputs(async ({ attach }) => attach(manifest, 'first'));
    assert.equal(readFileSync(manifest, 'utf8'), 'first');
    await assert.rejects(
      withOutputs(async ({ open, attach }) => {
        open(join(sub, 'x.jsonl')).write('{}');
        attach(manifest, 'second');
        throw new Error('disk on fire');
      }),
      /disk on fire/,
    );
    assert.deepEqual(readdirSync(sub), ['m.json']);
    assert.equal(readFileSync(manifest, 'utf8'), 'first');
  });

  test('placed files and removals are part of the commit: a cancel or a failing removal changes nothing; a commit does all of it', async () => {
    const sub = join(dir, 'place');
    const staging = join(sub, '.staging');
    mkdirSync(staging, { recursive: true });
    writeFileSync(join(sub, 'old.jsonl'), 'old\n');
    writeFileSync(join(sub, 'kept.jsonl'), 'kept 1\n');
    writeFileSync(join(sub, 'manifest.json'), 'lists old, kept 1');
    const previous = fileTree(sub);
    const run = (signal: AbortSignal, abort: () => void, gone = join(sub, 'old.jsonl')) =>
      withOutputs(
        async ({ place, remove, attach }) => {
          writeFileSync(join(staging, 'kept.jsonl'), 'kept 2\n');
          writeFileSync(join(staging, 'new.jsonl'), 'new\n');
          place(join(staging, 'kept.jsonl'), join(sub, 'kept.jsonl'));
          place(join(staging, 'new.jsonl'), join(sub, 'tier', 'new.jsonl'));
          remove(gone);
          attach(join(sub, 'manifest.json'), 'lists kept 2, new');
          abort();
        },
        { signal },
      );
    const staged = { '.staging/': '', '.staging/kept.jsonl': 'kept 2\n', '.staging/new.jsonl': 'new\n' };
    const controller = new AbortController();
    await assert.rejects(run(controller.signal, () => controller.abort()), { code: 'CANCELLED', message: /kept\.jsonl: cancelled; nothing was replaced/ });
    assert.deepEqual(fileTree(sub), { ...previous, ...staged });
    // A removal that fails comes before the previous manifest goes or anything is renamed.
    mkdirSync(join(sub, 'a-directory'));
    await assert.rejects(run(new AbortController().signal, () => {}, join(sub, 'a-directory')));
    assert.deepEqual(fileTree(sub), { ...previous, ...staged, 'a-directory/': '' });
    rmSync(join(sub, 'a-directory'), { recursive: true });
    await run(new AbortController().signal, () => {});
    assert.deepEqual(fileTree(sub), { '.staging/': '', 'kept.jsonl': 'kept 2\n', 'manifest.json': 'lists kept 2, new', 'tier/': '', 'tier/new.jsonl': 'new\n' });
  });

  test('a large output is flushed in chunks and hashed whole', async () => {
    const path = join(dir, 'big.jsonl');
    const line = JSON.stringify({ text: 'x'.repeat(1000) });
    const { outputs } = await withOutputs(async ({ open }) => {
      const out = open(path);
      for (let i = 0; i < 3000; i++) out.write(line);
    });
    assert.equal(outputs[0]!.rows, 3000);
    assert.equal(outputs[0]!.bytes, 3000 * (line.length + 1));
    assert.equal(outputs[0]!.sha256, await sha256File(path));
  });
});

describe('readRows', () => {
  test('tags each line with its source and line number and parses what it can', async () => {
    const a = join(dir, 'rows-a.jsonl');
    const b = join(dir, 'rows-b.jsonl');
    writeFileSync(a, '{"messages":[{"role":"user","content":"hi"}]}\n\nnot json\n');
    writeFileSync(b, '{"instruction":"x","output":"y"}\r\n{"prompt":1}');
    const rows = [];
    for await (const row of readRows([a, b])) rows.push(row);
    assert.deepEqual(
      rows.map((r) => [r.source, r.line, r.issue, r.value === undefined, r.chat?.format ?? null]),
      [
        [0, 1, null, false, 'openai'],
        [0, 2, 'blank', true, null],
        [0, 3, null, true, null],
        [1, 1, null, false, 'alpaca'],
        [1, 2, null, false, null],
      ],
    );
  });

  test('a missing source is FILE_NOT_FOUND before anything is read', async () => {
    await assert.rejects(readRows([join(dir, 'nope.jsonl')]).next(), (e: { code?: string }) => e.code === 'FILE_NOT_FOUND');
    assert.equal(existsSync(join(dir, 'nope.jsonl')), false);
  });
});

describe('reading a pipe', () => {
  test('a pipe streams (gzip told from its first bytes), each source hashed in the same pass', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ messages: [{ role: 'user', content: `q ${i} ${'x'.repeat(500)}?` }] })).join('\n') + '\n';
    const plain = join(dir, 'plain.jsonl');
    writeFileSync(plain, rows);
    const gz = join(dir, 'rows.jsonl.gz');
    writeFileSync(gz, gzipSync(rows));
    assert.ok(rows.length > 1 << 20, 'more than one read of the pipe');
    for (const file of [plain, gz]) {
      const fifo = join(dir, `fifo-${createHash('sha1').update(file).digest('hex').slice(0, 6)}`);
      spawnSync('mkfifo', [fifo]);
      const writer = createWriteStream(fifo);
      writer.end(readFileSync(file));
      const hashes: string[] = [];
      let count = 0;
      for await (const row of readRows([fifo], { onSha256: (_, sha256) => hashes.push(sha256) })) if (row.chat) count++;
      assert.equal(count, 3000);
      // The bytes as they came, compressed or not.
      assert.deepEqual(hashes, [createHash('sha256').update(readFileSync(file)).digest('hex')]);
    }
  });

  test('a tool that reads its inputs twice refuses a pipe by name; one that reads them once takes it', async () => {
    const fifo = join(dir, 'twice');
    spawnSync('mkfifo', [fifo]);
    // Refused before any read (a device stands in for the pipe: reading it would not wait, were it read).
    await assert.rejects(dedupFiles(['/dev/null'], { outDir: join(dir, 'dedup-near'), near: true }), { code: 'INVALID_ARGUMENT', message: /^\/dev\/null: not a regular file \(a pipe\?\): near-duplicate dedup reads its inputs twice/ });
    const source = { name: 'a', path: '/dev/null', ratio: '100%', weight: 100, percent: true };
    await assert.rejects(mixFiles({ sources: [source], total: 1, seed: 's', out: join(dir, 'mix.jsonl') }), { code: 'INVALID_ARGUMENT', message: /mix reads its sources twice/ });
    const writer = createWriteStream(fifo);
    writer.end('{"messages":[{"role":"user","content":"hi"}]}\n{"messages":[{"role":"user","content":"hi"}]}\n');
    const report = await dedupFiles([fifo], { outDir: join(dir, 'dedup-exact') });
    assert.equal(readFileSync(join(dir, 'dedup-exact', 'twice'), 'utf8'), '{"messages":[{"role":"user","content":"hi"}]}\n');
    assert.equal(report.sources[0]?.input_sha256, createHash('sha256').update('{"messages":[{"role":"user","content":"hi"}]}\n'.repeat(2)).digest('hex'));
  });

  test('a cancel ends the read at once, even one waiting on a pipe nobody writes', { timeout: 5000 }, async () => {
    const fifo = join(dir, 'silent');
    spawnSync('mkfifo', [fifo]);
    const writer = createWriteStream(fifo);
    writer.write('{"messages":[]}\n');
    const controller = new AbortController();
    const started = performance.now();
    const read = (async () => {
      for await (const batch of readJsonl(fifo, { signal: controller.signal })) if (batch.length) setTimeout(() => controller.abort(), 50);
    })();
    await assert.rejects(read, (error: Error & { code?: string }) => error.code === 'CANCELLED');
    assert.ok(performance.now() - started < 2000, 'not waiting for the writer');
    writer.destroy(); // releases the read left waiting in the thread pool
  });
});
