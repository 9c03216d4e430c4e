/**
 * Token counting throughput (not a test): `node --import tsx bench/tokens.ts [MB]`.
 * Generates mixed chat text (English, Spanish, Chinese, Russian, code, URLs) and counts it with
 * gpt-tokenizer's countTokens (the baseline) and with TokenCounter, for both encodings,
 * checking that the totals are equal.
 */
import { countTokens as cl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as o200k } from 'gpt-tokenizer/encoding/o200k_base';
import { TokenCounter } from '../src/pipeline/index.ts';
import { rng } from '../test/helpers/random.ts';

const MB = Number(process.argv[2] ?? 20);
const VOCAB = [
  ...'the a of to and in is it that for on with as this be are was by learner answer question grammar sentence vocabulary essay paragraph explain example because however therefore'.split(' '),
  ...'estudiante respuesta pregunta gramática ejemplo porque'.split(' '),
  ...'学生 回答 问题 语法 例子'.split(' '),
  ...'студент ответ вопрос грамматика пример'.split(' '),
  'Hello,', 'world.', "don't", "It's", '42', '3.14', '(see', 'below)', '\n\n', 'x = f(y);', 'https://example.com/a?b=c', '😀',
];

const random = rng(11);
const texts: string[] = [];
let bytes = 0;
while (bytes < MB * 1e6) {
  const text = Array.from({ length: 50 + Math.floor(random() * 400) }, () => VOCAB[Math.floor(random() * VOCAB.length)]).join(' ');
  texts.push(text);
  bytes += Buffer.byteLength(text);
}
const mbps = (ms: number) => (bytes / 1e6 / (ms / 1000)).toFixed(1).padStart(6);
for (const [encoding, reference] of [['o200k_base', o200k], ['cl100k_base', cl100k]] as const) {
  let started = performance.now();
  let expected = 0;
  for (const text of texts) expected += reference(text);
  const base = performance.now() - started;
  const counter = new TokenCounter(encoding);
  started = performance.now();
  let got = 0;
  for (const text of texts) got += counter.count(text);
  const ours = performance.now() - started;
  console.log(`${encoding.padEnd(12)} gpt-tokenizer ${mbps(base)} MB/s   TokenCounter ${mbps(ours)} MB/s   x${(base / ours).toFixed(1)}   totals ${got === expected ? 'equal' : `DIFFER ${got} vs ${expected}`}`);
  if (got !== expected) process.exitCode = 1;
}
