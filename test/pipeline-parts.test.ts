import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { countTokens } from 'gpt-tokenizer/encoding/cl100k_base';
import { findPii, hashString, hashValue, HashIndex, NearDupIndex, readJsonl, scanPii, Scrubber, TokenCounter } from '../src/pipeline/index.ts';
import { bandingFor, candidateChance, wordHashes } from '../src/pipeline/minhash.ts';
import { isBlankUtf8, lastNonSpaceUtf8 } from '../src/pipeline/utf8.ts';
import type { PiiKind } from '../src/pipeline/index.ts';
import { rng, sentence, shingleJaccard, shinglePairs } from './helpers/datasets.ts';

describe('PII', () => {
  const cases: Array<[string, PiiKind[]]> = [
    ['mail jane.doe+tag@example.co.uk today', ['email']],
    ['call (555) 123-4567 now', ['phone']],
    ['call +1 555.123.4567', ['phone']],
    ['call 555-123-4567.', ['phone']],
    ['ring +44 20 7946 0958', ['phone']],
    ['server 192.168.1.20 is down', ['ip']],
    ['v6 2001:db8::8a2e:370:7334 here', ['ip']],
    ['ask @Petrarch about it', []],
    ['version 1.2.3 and 999.1.1.1', []],
    ['on 2024-01-05 it cost $1,234.56', []],
    ['order 5551234567 shipped', []],
    ['plain words only', []],
    ['[EMAIL] and [PHONE_2] and [IP]', []],
  ];
  for (const [text, kinds] of cases) {
    test(JSON.stringify(text), () => {
      assert.deepEqual(findPii(text).map((m) => m.kind), kinds);
      const found = scanPii(text);
      assert.deepEqual((['email', 'phone', 'ip'] as const).filter((k) => found[k]), [...new Set(kinds)].sort((a, b) => ['email', 'phone', 'ip'].indexOf(a) - ['email', 'phone', 'ip'].indexOf(b)));
    });
  }

  // Phones: each text and exactly the values found in it (an empty list: nothing is a phone).
  const phones: Array<[string, string[]]> = [
    ['call +15551234567 today', ['+15551234567']],
    ['call +1 5551234567.', ['+1 5551234567']],
    ['fax +1-5551234567, or +1 555-123-4567', ['+1-5551234567', '+1 555-123-4567']],
    ['(+12025550123)', ['+12025550123']],
    ['tel:+447911123456', ['+447911123456']],
    ['+4915112345678 and +861012345678', ['+4915112345678', '+861012345678']],
    ['+33 1 23 45 67 89', ['+33 1 23 45 67 89']],
    ['in 1999 and 2024 it cost $1234567890 or 12.50', []],
    ['order 5551234567 shipped; id 123456789012345', []],
    ['we counted 1234567890 people in 1 5551234567 ways', []],
    ['on 2024-01-05 at 12:30, then 05/01/2024', []],
    ['version 1.5551234567 and v15.5.1234', []],
    ['server 192.168.100.200 is up', []],
    ['views went +10000000, then +12345678 and +1234567890', []],
    ['+15551234567.5 is a decimal, +155512345678 and +1234567890123456 too long', []],
    ['2+15551234567 and x+15551234567 are not phones', []],
    ['score +1 2024 and +1 2024-01-05', []],
  ];
  for (const [text, values] of phones) {
    test(`phones in ${JSON.stringify(text)}`, () => {
      assert.deepEqual(findPii(text).filter((m) => m.kind === 'phone').map((m) => m.value), values);
      assert.equal(scanPii(text).phone, values.length > 0);
      const scrubbed = new Scrubber({ kinds: ['phone'] }).scrub(text);
      assert.equal(scanPii(scrubbed).phone, false, scrubbed);
    });
  }

  test('scrub replaces with typed placeholders, consistently when asked, and leaves nothing to find', () => {
    const scrubber = new Scrubber({ consistent: true });
    const out = scrubber.scrub('a@b.io, c@d.io, a@b.io, 10.0.0.1, (555) 123-4567');
    assert.equal(out, '[EMAIL_1], [EMAIL_2], [EMAIL_1], [IP_1], [PHONE_1]');
    assert.deepEqual(scrubber.counts, { email: 3, phone: 1, ip: 1 });
    const random = rng(9);
    const plain = new Scrubber();
    for (let i = 0; i < 2000; i++) {
      const text = `${sentence(random, 5, 'x')} u${i}@ex${i % 7}.org ${Math.floor(random() * 256)}.1.2.3 (${200 + (i % 700)}) 555-${String(i % 10000).padStart(4, '0')}`;
      const scrubbed = plain.scrub(text);
      assert.deepEqual(scanPii(scrubbed), { email: false, phone: false, ip: false }, scrubbed);
      assert.equal(plain.scrub(scrubbed), scrubbed);
    }
  });
});

describe('duplicate indexes', () => {
  test('the value hash ignores key order and nothing else', () => {
    assert.deepEqual(hashValue({ role: 'user', content: 'x' }), hashValue({ content: 'x', role: 'user' }));
    assert.deepEqual(hashValue([{ a: 1, b: [true, null] }]), hashValue([{ b: [true, null], a: 1.0 }]));
    const distinct = [
      { role: 'user', content: 'x' },
      { role: 'user', content: 'y' },
      [1, 2],
      [2, 1],
      ['ab', 'c'],
      ['a', 'bc'],
      ['1'],
      [1],
      [[]],
      [],
      { a: 'b' },
      { ab: '' },
      [null],
      ['null'],
      { content: 'x', role: 'user', name: 'z' },
    ];
    const hashes = new Set(distinct.map((v) => hashValue(v).join(':')));
    assert.equal(hashes.size, distinct.length);
  });

  test('HashIndex agrees with a Set over 200,000 keys, through growth', () => {
    const index = new HashIndex();
    const seen = new Map<string, number>();
    const random = rng(5);
    for (let row = 0; row < 200_000; row++) {
      const key = `k${Math.floor(random() * 150_000)}`;
      const [hi, lo] = hashString(key);
      const first = index.add(hi, lo, row);
      const expected = seen.get(key);
      assert.equal(first, expected ?? -1);
      if (expected === undefined) seen.set(key, row);
    }
    assert.equal(index.size, seen.size);
    assert.ok(index.bytes / seen.size <= 32, `${index.bytes / seen.size} bytes a row`);
  });

  test('wordHashes finds the words /[\\p{L}\\p{N}]+/ finds after NFKC and lowercasing, equal words equal hashes', () => {
    const random = rng(8);
    const pieces = ['Hello', ' ', 'world', '!', 'ÉCOLE', 'ﬁne', '½', '٣', 'x\u0301y', '😀', '𝐀𝐁', '中文', ' 123 ', "don't", '\n', 'Straße', 'İstanbul'];
    for (let t = 0; t < 3000; t++) {
      let text = '';
      for (let j = 0; j < 8; j++) text += pieces[Math.floor(random() * pieces.length)];
      const words = text.normalize('NFKC').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
      const hashes = wordHashes(text);
      assert.equal(hashes.length, words.length, JSON.stringify(text));
      words.forEach((word, i) => words.forEach((other, k) => assert.equal(hashes[i] === hashes[k], word === other, `${word} / ${other}`)));
    }
  });

  test('NearDupIndex finds planted near duplicates and few decoys', () => {
    const random = rng(21);
    const index = new NearDupIndex({ threshold: 0.8 });
    const words = () => Array.from({ length: 120 }, () => `w${Math.floor(random() * 5000)}`);
    const planted: Array<[number, number]> = [];
    let row = 0;
    for (let i = 0; i < 100; i++) {
      const base = words();
      index.add(row, base.join(' '));
      const near = [...base];
      near[60] = 'changed';
      index.add(row + 1, near.join(' '));
      planted.push([row, row + 1]);
      const decoy = [...base.slice(0, 60), ...words().slice(0, 60)];
      index.add(row + 2, decoy.join(' '));
      row += 3;
    }
    const clusters = index.clusters();
    const found = planted.filter(([a, b]) => clusters.some((c) => c.rows.includes(a) && c.rows.includes(b)));
    assert.ok(found.length >= 95, `found ${found.length} of 100 planted pairs`);
    const decoys = clusters.filter((c) => c.rows.some((r) => r % 3 === 2));
    assert.ok(decoys.length <= 2, `${decoys.length} decoys clustered`);
  });

  test('the banding follows the threshold: 16 x 8 at 0.8, and a pair at any threshold a candidate with probability 0.94 or more', () => {
    assert.deepEqual([0.6, 0.8, 0.9].map(bandingFor), [{ bands: 32, rows: 4 }, { bands: 16, rows: 8 }, { bands: 16, rows: 8 }]);
    for (let t = 0.05; t <= 1; t += 0.01) {
      const banding = bandingFor(t);
      assert.equal(banding.bands * banding.rows, 128);
      assert.ok(candidateChance(t, banding) >= 0.94, `${t.toFixed(2)}: ${JSON.stringify(banding)}`);
    }
    for (const threshold of [0, -0.1, 1.01, Number.NaN]) {
      assert.throws(() => new NearDupIndex({ threshold }), { code: 'INVALID_ARGUMENT', message: /above 0 and at most 1/ });
    }
  });

  // Pairs at known word-shingle similarities, interleaved in one index: at the threshold's
  // banding, those above it cluster and those below do not. Pairs just above (0.65 at 0.6) are
  // found as often as 128 values estimate them at or above it (about 90%); 16 x 8 bands made only
  // about a third of them candidates.
  const nearCases: Array<{ threshold: number; found: Array<[similarity: number, pairs: number]> }> = [
    { threshold: 0.6, found: [[0.7, 100], [0.65, 93], [0.45, 0]] },
    { threshold: 0.9, found: [[0.95, 99], [0.8, 0]] },
  ];
  for (const { threshold, found } of nearCases) {
    test(`NearDupIndex at threshold ${threshold}: ${found.map(([s, n]) => `${n} of 100 pairs at ${s}`).join(', ')}`, () => {
      const random = rng(1);
      const sets = found.map(([similarity]) => shinglePairs(random, 100, similarity));
      for (const [i, set] of sets.entries()) assert.ok(Math.abs(shingleJaccard(...set.pairs[0]!) - found[i]![0]) < 0.005);
      const index = new NearDupIndex({ threshold });
      // Row 2k and 2k + 1 are a pair; pairs of each similarity take turns.
      const pairs = sets[0]!.pairs.flatMap((_, k) => sets.map((set) => set.pairs[k]!));
      pairs.forEach(([a, b], i) => {
        index.add(2 * i, a);
        index.add(2 * i + 1, b);
      });
      const clustered = new Set(index.clusters().map((c) => (assert.equal(c.rows.length, 2), c.rows[0]! / 2)));
      const counts = sets.map((_, s) => pairs.filter((_, i) => i % sets.length === s && clustered.has(i)).length);
      assert.deepEqual(counts, found.map(([, n]) => n));
    });
  }

  test('NearDupIndex pairs rows thousands apart (its signatures are kept in blocks of rows)', () => {
    const random = rng(5);
    const index = new NearDupIndex({ threshold: 0.8 });
    const texts = Array.from({ length: 10_000 }, () => Array.from({ length: 40 }, () => `w${Math.floor(random() * 1e6)}`));
    texts.forEach((words, row) => index.add(row, words.join(' ')));
    // A copy of row 7 (in the first block) and of row 4100 (the second) with one word changed.
    for (const [row, of] of [[10_000, 7], [10_001, 4100]] as const) index.add(row, [...texts[of]!.slice(0, 39), 'changed'].join(' '));
    assert.deepEqual(index.clusters().map((c) => c.rows), [[7, 10_000], [4100, 10_001]]);
  });
});

describe('reading JSONL', () => {
  test('lines longer than the read size, blank lines and numbering', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quimbot-jsonl-'));
    try {
      const long = JSON.stringify({ text: 'x'.repeat(10_000) });
      const path = join(dir, 'long.jsonl');
      writeFileSync(path, `${long}\r\n\n  \n${long}\n`);
      const lines = [];
      for await (const batch of readJsonl(path, { bufferSize: 1024 })) lines.push(...batch);
      assert.deepEqual(lines.map((l) => [l.line, l.issue, l.text.length]), [[1, null, long.length], [2, 'blank', 0], [3, 'blank', 2], [4, null, long.length]]);
      assert.deepEqual(lines.map((l) => l.offset), [0, long.length + 2, long.length + 3, long.length + 6]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a line of many reads is joined once: 16 MB in reads of 4 kB, its end and the next line exact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quimbot-jsonl-'));
    try {
      const long = JSON.stringify({ text: 'y'.repeat(16 << 20) });
      const path = join(dir, 'longest.jsonl');
      writeFileSync(path, `{"a": 1}\n${long}\n{"b": 2}\n${long}`);
      const started = performance.now();
      const lines = [];
      for await (const batch of readJsonl(path, { bufferSize: 4096 })) lines.push(...batch);
      // Joined at every read, as it was, the 4,096 reads of each long line copied 34 GB (and searched it again).
      assert.ok(performance.now() - started < 10_000, `${performance.now() - started} ms`);
      assert.deepEqual(lines.map((l) => [l.line, l.offset, l.issue, l.text.length]), [[1, 0, null, 8], [2, 9, null, long.length], [3, long.length + 10, null, 8], [4, long.length + 19, null, long.length]]);
      assert.equal(lines[1]!.text, long);
      assert.equal(lines[3]!.text, long);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('lines as their bytes (latin1): valid UTF-8 undecoded, blank beyond ASCII white space, invalid UTF-8 decoded as before', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'quimbot-jsonl-'));
    try {
      const path = join(dir, 'bytes.jsonl');
      const lines = ['{"a": "élève 学生"}', '\u00a0\u3000 ', '\u00a0x', '{"plain": 1}'];
      writeFileSync(path, Buffer.concat([Buffer.from(`\ufeff${lines.join('\n')}\n`), Buffer.from([0x7b, 0xff, 0x7d])]));
      const read = [];
      for await (const batch of readJsonl(path, { latin1: true })) read.push(...batch);
      const expected = [...lines.map((line) => Buffer.from(line).toString('latin1')), '{\ufffd}'];
      assert.deepEqual(read.map((l) => [l.text, l.issue, l.latin1]), expected.map((text, i) => [text, [null, 'blank', null, null, 'invalid_utf8'][i], i < 4]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

test('text held as UTF-8 bytes: blank and last character as trim and trimEnd see them', () => {
  const texts = ['', ' ', 'a', ' a ', '\u00a0', '\u3000\n', 'x\u3000', '学生。', '学生。\u2028 ', 'end😀', '😀\u00a0\t', '\ufeff', '\u1680x', 'ж', 'a\u0085'];
  for (const text of texts) {
    const bytes = Buffer.from(text).toString('latin1');
    assert.equal(isBlankUtf8(bytes), text.trim() === '', JSON.stringify(text));
    const trimmed = text.trimEnd();
    assert.equal(lastNonSpaceUtf8(bytes).at(-1), trimmed.at(-1), JSON.stringify(text));
  }
});

test('token counts are exact', () => {
  const counter = new TokenCounter('cl100k_base');
  for (const text of ['user', 'Hello, world!', 'x'.repeat(1000), 'élève 日本語 👍🏽', '']) assert.equal(counter.count(text), countTokens(text));
});
