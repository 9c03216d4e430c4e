import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hashUnits, splitPieces } from '../src/pipeline/pretokenize.ts';
import { rng } from './helpers/random.ts';

// The split patterns as tiktoken (and gpt-tokenizer) write them: the hand-written splitter must
// cut every text where these do.
const CONTRACTION = String.raw`'(?:[sS]|[dD]|[mM]|[tT]|[lL][lL]|[vV][eE]|[rR][eE])`;
const PATTERNS = {
  o200k_base: new RegExp(
    String.raw`[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?:${CONTRACTION})?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?:${CONTRACTION})?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
    'gu',
  ),
  cl100k_base: new RegExp(String.raw`${CONTRACTION}|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s+$|\s*[\r\n]|\s+(?!\S)|\s`, 'gu'),
} as const;

// Words of every case and script, marks before and after letters, astral letters and digits
// (upper and lower case), emoji, lone surrogate halves, contractions, every kind of space.
const PIECES = ['a', 'B', 'hello', 'World', 'HELLO', ' the', ' The', "'s", "'S", "'ll", "'Re", "'VE", "'x", "'", ' ', '  ', '\t', '\n', '\r\n', '\r', '123', '4567', '!', '?!', '...', '/', '//', '"', 'é', 'É', 'ß', '中文', 'студент', 'Ответ', 'नमस्ते', 'ǅ', 'ǈa', 'ʰ', 'ʰa', 'Aʰ', '\u0301', '\u0301A', 'A\u0301b', 'x\u0301', '😀', '👍🏽', '\u00a0', '\u3000', '\u2000', '\u2028', '\ufeff', '\ud800', '\udc00', '٣', 'Ⅻ', '½', '𝑎', '𝐀', '𝟏', '\u{10400}', '\u{10428}', '_', 'camelCase', 'XMLHttp', "don't", "DON'T", 'e.g.', ' 1', ' !', '<|', '(see', '中A', 'Aʰ中', 'aʰB', '\tword'];

describe('splitPieces', () => {
  for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
    test(`${encoding}: cuts 20,000 generated texts where the split regex does, and hashes each piece as hashUnits`, () => {
      const random = rng(encoding.length * 31);
      for (let t = 0; t < 20_000; t++) {
        let text = '';
        for (let j = 1 + Math.floor(random() * 10); j > 0; j--) text += PIECES[Math.floor(random() * PIECES.length)];
        const expected = [...text.matchAll(PATTERNS[encoding])].map((m) => m.index + m[0].length);
        const { units, ends, hashes, count } = splitPieces(text, encoding);
        assert.deepEqual([...ends.subarray(0, count)], expected, JSON.stringify(text));
        for (let p = 0; p < count; p++) assert.equal(hashes[p], hashUnits(units, p === 0 ? 0 : ends[p - 1]!, ends[p]!), JSON.stringify(text));
      }
    });
  }
});
