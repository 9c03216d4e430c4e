import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { isWhiteSpace, Segments } from '../src/pipeline/segments.ts';
import type { TextMeasure } from '../src/pipeline/segments.ts';
import { TokenCounter } from '../src/pipeline/tokens.ts';

test('isWhiteSpace is the split patterns\' \\s for every code point of the BMP and beyond', () => {
  for (let c = 0; c < 0x10000; c++) assert.equal(isWhiteSpace(c), /\s/u.test(String.fromCharCode(c)), c.toString(16));
  for (const c of [0x10000, 0x1f600, 0xe0020, 0x10ffff]) assert.equal(isWhiteSpace(c), false);
});

// The cache's life, through a scan whose every miss is counted (a miss is a segment the host
// measures: decoded and pre-tokenized; a hit costs nothing), measured by the real counter or by
// one whose measures are easy to add up: a segment's bytes as its tokens, one word.
function countingSegments(measureText: (text: string) => TextMeasure = (text) => new TokenCounter('o200k_base').measure(text)): { segments: Segments; misses: () => number } {
  let misses = 0;
  const segments = new Segments((text) => {
    misses++;
    return measureText(text);
  });
  return { segments, misses: () => misses };
}
const byBytes = (text: string): TextMeasure => ({ tokens: Buffer.byteLength(text), words: 1, maybePii: text.includes('@') });

test('a segment seen before is a hit; an empty text measures nothing and caches nothing', () => {
  const counter = new TokenCounter('o200k_base');
  const { segments, misses } = countingSegments((text) => ({ ...counter.measure(text) }));
  assert.deepEqual({ ...segments.measure('') }, { tokens: 0, words: 0, maybePii: false });
  assert.equal(segments.size, 0);
  const text = 'the cat sat on the mat, the cat';
  assert.deepEqual({ ...segments.measure(text) }, { tokens: o200k(text), words: 8, maybePii: false });
  // "the", " cat", " sat", " on", " the", " mat,": the rest were seen in this text.
  assert.equal(misses(), 6);
  segments.measure(text);
  assert.equal(misses(), 6);
  assert.equal(segments.size, 6);
});

test('a full cache is cleared and measures stay exact: 70,000 distinct short segments, and long ones that fill the pool', () => {
  const { segments, misses } = countingSegments(byBytes);
  const measureAll = (words: string[]) => {
    for (let i = 0; i < words.length; i += 100) {
      const text = words.slice(i, i + 100).join(' ');
      assert.deepEqual({ ...segments.measure(text) }, { tokens: text.length, words: Math.min(100, words.length - i), maybePii: false });
    }
  };
  // More segments than the slots take (2^16): the cache is cleared once.
  measureAll(Array.from({ length: 70_000 }, (_, i) => `w${i.toString(36)}`));
  assert.equal(misses(), 70_000);
  assert.equal(segments.size, 70_000 - (1 << 16));
  // Segments of 40 bytes keep 24 each in the pool: 50,000 overfill its 1 MB before the slots fill.
  const long = Array.from({ length: 50_000 }, (_, i) => `${'x'.repeat(30)}${i.toString().padStart(9, '0')}`);
  measureAll(long);
  assert.equal(misses(), 120_000);
  assert.ok(segments.size < 50_000, `${segments.size} cached: the pool was never cleared`);
  // What is cached is found again, its bytes past the first 16 compared: a segment that differs
  // from a cached one only there is a miss.
  const last = ` ${long.slice(-10).join(' ')}`;
  segments.measure(last);
  assert.equal(misses(), 120_000);
  segments.measure(` ${long.slice(-10).map((w) => `${w.slice(0, 25)}y${w.slice(26)}`).join(' ')}`);
  assert.equal(misses(), 120_010);
});

test('a text larger than the memory grows it, and the memory shrinks back after it; measures before and after agree', () => {
  const { segments, misses } = countingSegments();
  const small = 'grammar question: why is this sentence wrong?';
  const first = { ...segments.measure(small) };
  const usual = segments.memoryBytes;
  const big = Array(200_000).fill(small).join(' '); // 9 MB of UTF-8
  assert.deepEqual({ ...segments.measure(big) }, { tokens: o200k(small) + 199_999 * o200k(` ${small}`), words: first.words * 200_000, maybePii: false });
  // The memory is back to its usual size after so big a text, its cached segments kept.
  assert.ok(segments.memoryBytes <= usual, `${segments.memoryBytes} bytes`);
  const missed = misses();
  assert.equal(segments.size, missed);
  assert.deepEqual({ ...segments.measure(big) }, { tokens: o200k(small) + 199_999 * o200k(` ${small}`), words: first.words * 200_000, maybePii: false });
  assert.equal(misses(), missed);
  // One long segment (no space in it: 400 kB of UTF-8), measured as the string given.
  const wide = `${'ж'.repeat(40)}\n`.repeat(5_000);
  assert.equal(segments.measure(wide).tokens, o200k(wide));
  assert.deepEqual({ ...segments.measure(small) }, first);
});

test("a snapshot warms another thread's cache: its segments are hits there", () => {
  const from = countingSegments();
  const text = 'estudiante respuesta pregunta gramática ejemplo 学生 回答 студент ответ, a segment longer than sixteen bytes';
  const measured = { ...from.segments.measure(text) };
  const to = countingSegments();
  to.segments.warm(structuredClone(from.segments.snapshot()));
  assert.equal(to.segments.size, from.segments.size);
  assert.deepEqual({ ...to.segments.measure(text) }, measured);
  assert.equal(to.misses(), 0);
  // A cache that has segments keeps its own.
  const other = countingSegments();
  other.segments.measure('something else');
  other.segments.warm(from.segments.snapshot());
  assert.equal(other.segments.size, 2);
});

test('the committed segment-scan.wasm is what its source compiles to (npm run build:wasm)', async () => {
  const { main } = await import('assemblyscript/asc');
  const dir = mkdtempSync(join(tmpdir(), 'quimbot-wasm-'));
  try {
    const out = join(dir, 'segment-scan.wasm');
    const root = fileURLToPath(new URL('..', import.meta.url));
    const { error, stderr } = await main(['src/pipeline/wasm/segment-scan.ts', '--config', 'src/pipeline/wasm/asconfig.json', '--target', 'release', '--baseDir', root, '-o', out]);
    assert.equal(error, null, String(stderr));
    assert.ok(readFileSync(out).equals(readFileSync(join(root, 'src/pipeline/wasm/segment-scan.wasm'))), 'segment-scan.wasm is stale: run npm run build:wasm');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
