import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { TokenCounter } from '../src/pipeline/index.ts';
import { rng } from './helpers/random.ts';

// Pieces that exercise every branch of the split patterns: case runs, contractions in any case,
// digit runs, punctuation runs with newlines and slashes, every kind of space, marks, scripts
// without case, emoji with joiners and modifiers, surrogate pairs and lone halves.
const PIECES = ['a', 'B', 'hello', 'World', 'HELLO', "'s", "'S", "'ll", "'Re", "'VE", "'x", "'", ' ', '  ', '\t', '\n', '\r\n', '\n\n', '\r', '123', '4567', '1', '!', '?!', '...', '/', '//', '-', '"', 'é', 'É', 'ñ', 'ß', '中文', '学生', 'студент', 'Ответ', 'नमस्ते', 'مرحبا', 'ǅ', 'ǈa', 'ʰ', '\u0301', 'x\u0301', '😀', '👩‍💻', '👍🏽', '\u00a0', '\u3000', '\u2028', '\ud800', '\udc00', '٣', 'Ⅻ', '½', '$', '€', ' /', '_', '__init__', 'camelCase', 'XMLHttp', "don't", "DON'T", 'a.b', 'e.g.', ' a', ' 1', ' !', '<|endoftext|>'.slice(0, 5)];

const REFERENCE = { o200k_base: o200k, cl100k_base: cl100k } as const;

describe('TokenCounter', () => {
  for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
    test(`${encoding}: equal to gpt-tokenizer on 4,000 generated strings of tricky pieces`, () => {
      const random = rng(encoding.length);
      const counter = new TokenCounter(encoding);
      for (let t = 0; t < 4000; t++) {
        let text = '';
        for (let j = 1 + Math.floor(random() * 14); j > 0; j--) text += PIECES[Math.floor(random() * PIECES.length)];
        assert.equal(counter.count(text), REFERENCE[encoding](text), JSON.stringify(text));
      }
    });

    test(`${encoding}: equal to gpt-tokenizer on random code points from every plane`, () => {
      const random = rng(99);
      const counter = new TokenCounter(encoding);
      for (let t = 0; t < 400; t++) {
        let text = '';
        for (let j = 0; j < 40; j++) {
          const r = random();
          const cp = r < 0.5 ? 32 + Math.floor(random() * 95) : r < 0.9 ? Math.floor(random() * 0xd800) : r < 0.95 ? 0x1f300 + Math.floor(random() * 0x300) : 0xe000 + Math.floor(random() * 0x1fff);
          text += String.fromCodePoint(cp);
        }
        assert.equal(counter.count(text), REFERENCE[encoding](text), JSON.stringify(text));
      }
    });
  }

  // What measure's words and PII hint mean, written the plain way: runs of non-space, and `@`, a digit or `::` anywhere.
  const SPACES = /[\t\n\v\f\r \u00a0\u3000]+/;
  const words = (text: string) => text.split(SPACES).filter(Boolean).length;
  const maybePii = (text: string) => /[@0-9]|::/.test(text);

  for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
    test(`${encoding}: measure gives the tokens, words and PII hint of 4,000 generated strings, pieces cached or not`, () => {
      const random = rng(encoding.length + 7);
      const counter = new TokenCounter(encoding);
      // Colons, at signs and digits at piece edges; spaces of every kind; pieces longer than the cache takes.
      const more = [...PIECES, ':', '::', 'a:', ':b', '@', 'x@y', '5', ' 7 ', '\u00a0', '\u3000', '\v', '\f', 'a'.repeat(70), ' '.repeat(80), 'w '.repeat(40), '!\n/'.repeat(30)];
      for (let t = 0; t < 4000; t++) {
        let text = '';
        for (let j = 1 + Math.floor(random() * 14); j > 0; j--) text += more[Math.floor(random() * more.length)];
        const measured = { ...counter.measure(text) };
        assert.deepEqual(measured, { tokens: REFERENCE[encoding](text), words: words(text), maybePii: maybePii(text) }, JSON.stringify(text));
      }
    });
  }

  for (const encoding of ['o200k_base', 'cl100k_base'] as const) {
    test(`${encoding}: measureUtf8 of a text's UTF-8 bytes (read as Latin-1) equals measure of the text`, () => {
      const random = rng(encoding.length + 13);
      const counter = new TokenCounter(encoding);
      const bytes = new TokenCounter(encoding);
      // A space between words is where texts are cut into cached segments: beside every kind of
      // white space (beyond ASCII too) and every script, at the start and the end.
      const more = [...PIECES, ' ', ' ', ' ', 'word', ' word', 'wörd', '\u1680', '\u2003', '\u202f', '\u205f', '\ufeff', '\u2029', '\u0085', '\u00a0x', 'x\u3000', 'a'.repeat(70), 'ж'.repeat(40), ' 中文 ', '😀 😀'];
      for (let t = 0; t < 4000; t++) {
        let text = '';
        for (let j = 1 + Math.floor(random() * 20); j > 0; j--) text += more[Math.floor(random() * more.length)];
        const expected = { ...counter.measure(text) };
        assert.equal(expected.tokens, REFERENCE[encoding](text), JSON.stringify(text));
        assert.deepEqual({ ...bytes.measureUtf8(Buffer.from(text, 'utf8').toString('latin1')) }, expected, JSON.stringify(text));
      }
    });
  }

  test('text that looks like a special token is counted as text, not refused', () => {
    const counter = new TokenCounter('o200k_base');
    assert.throws(() => o200k('a <|endoftext|> b'));
    assert.equal(counter.count('a <|endoftext|> b'), o200k('a <|') + o200k('endoftext') + o200k('|> b'));
  });
});
