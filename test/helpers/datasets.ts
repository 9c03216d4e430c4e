import { rng } from './random.ts';

export { rng };
/**
 * Generates chat JSONL with planted flaws whose counts are known exactly, so audit tests can
 * assert exact numbers. Every flaw sits on its own row; clean rows have unique words, end in
 * punctuation and carry no PII.
 *
 * The OpenAI cookbook's format errors are planted as its checks define them (Chat_finetuning_data_prep),
 * one flawed message a row, so its per-message counts and the audit's per-row counts agree:
 * `dataType` rows are JSON but not an object (also parse errors: no message list);
 * `messageMissingKey` rows have a user message without `content` (the cookbook then counts
 * `missing_content` as well); `unrecognizedKey` rows have a user message with a `metadata` key;
 * `unrecognizedRole` rows have a `moderator` message between the user and the assistant (no
 * alternation violation). These four are optional (0 when left out), as is `ipv6s`: rows with an
 * IPv6 address in the answer, written in turn in full, compressed, link-local, as loopback
 * and in brackets with a port.
 */
export interface PlantedCounts {
  clean: number;
  parseErrors: number;
  missingMessages: number;
  emptyAssistant: number;
  alternation: number;
  exactDuplicates: number;
  emails: number;
  phones: number;
  ips: number;
  noFinalPunct: number;
  weightOutOfRange: number;
  blankLines: number;
  dataType?: number;
  messageMissingKey?: number;
  unrecognizedKey?: number;
  unrecognizedRole?: number;
  ipv6s?: number;
}

/** A planted dataset: its text, its rows (non-blank lines), and the 1-based lines each kind of row landed on, ascending. */
export interface PlantedDataset {
  text: string;
  rows: number;
  lines: Record<keyof PlantedCounts, number[]>;
}


/** How planted phones are written, in turn: North American with separators, E.164 bare and after `+1 `, international grouped. */
const PHONE_FORMATS: ReadonlyArray<(last4: string) => string> = [
  (last4) => `(555) 123-${last4}`,
  (last4) => `+1555123${last4}`,
  (last4) => `+1 555123${last4}`,
  (last4) => `+44 20 7946 ${last4}`,
];

/** How planted IPv6 addresses are written, in turn (`last` a hex group). */
const IPV6_FORMATS: ReadonlyArray<(last: string) => string> = [
  (last) => `2001:0db8:85a3:0000:0000:8a2e:0370:${last}`,
  (last) => `2001:db8::${last}`,
  (last) => `fe80::1ff:fe23:4567:${last}`,
  () => '::1',
  (last) => `[2001:db8::${last}]:8080`,
];

const WORDS = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa quebec romeo sierra tango uniform victor whiskey xray yankee zulu'.split(' ');

/** A sentence of unique-ish words that ends in a period. */
export function sentence(random: () => number, n: number, tag: string): string {
  const words = Array.from({ length: n }, () => WORDS[Math.floor(random() * WORDS.length)]!);
  return `${tag} ${words.join(' ')}.`;
}

/** A clean OpenAI chat row: user then assistant, both unique, ending in punctuation. */
export function cleanRow(random: () => number, i: number, extra: Record<string, unknown> = {}) {
  return {
    messages: [
      { role: 'system', content: 'You are a helpful tutor.' },
      { role: 'user', content: sentence(random, 12, `Question ${i}:`) },
      { role: 'assistant', content: sentence(random, 30, `Answer ${i}:`) },
    ],
    ...extra,
  };
}

/** Builds a JSONL text with the planted flaws, shuffled deterministically, the exact counts and where each kind landed. */
export function plantedDataset(counts: PlantedCounts, seed = 1, eol = '\n'): PlantedDataset {
  const random = rng(seed);
  const lines: string[] = [];
  const kinds: Array<keyof PlantedCounts> = [];
  const plant = (kind: keyof PlantedCounts, line: string) => {
    lines.push(line);
    kinds.push(kind);
  };
  let i = 0;
  const row = (extra: Record<string, unknown> = {}) => cleanRow(random, i++, extra);
  for (let n = 0; n < counts.clean; n++) plant('clean', JSON.stringify(row({ weight: 1 })));
  for (let n = 0; n < counts.parseErrors; n++) plant('parseErrors', `{"messages": [broken json ${n}`);
  for (let n = 0; n < counts.missingMessages; n++) plant('missingMessages', JSON.stringify({ prompt: `no messages ${n}.` }));
  for (let n = 0; n < counts.emptyAssistant; n++) {
    const r = row();
    r.messages[2]!.content = n % 2 ? '' : '   ';
    plant('emptyAssistant', JSON.stringify(r));
  }
  for (let n = 0; n < counts.alternation; n++) {
    const r = row();
    r.messages.push({ role: 'assistant', content: sentence(random, 5, `Again ${i}.`) });
    plant('alternation', JSON.stringify(r));
  }
  for (let n = 0; n < counts.exactDuplicates; n++) {
    // The same messages with keys in another order: a duplicate of the first clean row.
    const first = JSON.parse(lines[0]!) as { messages: Array<{ role: string; content: string }> };
    plant('exactDuplicates', JSON.stringify({ messages: first.messages.map(({ role, content }) => ({ content, role })) }));
  }
  for (let n = 0; n < counts.emails; n++) {
    const r = row();
    r.messages[1]!.content = `Write to student${n}@example.edu about it.`;
    plant('emails', JSON.stringify(r));
  }
  for (let n = 0; n < counts.phones; n++) {
    const r = row();
    r.messages[2]!.content = `Call ${PHONE_FORMATS[n % PHONE_FORMATS.length]!(`45${String(n % 100).padStart(2, '0')}`)} for help.`;
    plant('phones', JSON.stringify(r));
  }
  for (let n = 0; n < counts.ips; n++) {
    const r = row();
    r.messages[1]!.content = `The server at 10.0.${n % 250}.7 is down.`;
    plant('ips', JSON.stringify(r));
  }
  for (let n = 0; n < (counts.ipv6s ?? 0); n++) {
    const r = row();
    r.messages[2]!.content = `Connect to ${IPV6_FORMATS[n % IPV6_FORMATS.length]!((n % 0xffff).toString(16))} first.`;
    plant('ipv6s', JSON.stringify(r));
  }
  for (let n = 0; n < counts.noFinalPunct; n++) {
    const r = row();
    r.messages[2]!.content = `${sentence(random, 8, `Trailing ${i}`).slice(0, -1)}  `;
    plant('noFinalPunct', JSON.stringify(r));
  }
  for (let n = 0; n < counts.weightOutOfRange; n++) plant('weightOutOfRange', JSON.stringify(row({ weight: n % 2 ? -0.5 : 1.5 })));
  for (let n = 0; n < (counts.dataType ?? 0); n++) {
    // JSON, but not an object: a bare message list (a common slip), a string, a number.
    const { messages } = row();
    plant('dataType', JSON.stringify([messages, `just text ${n}.`, n][n % 3]));
  }
  for (let n = 0; n < (counts.messageMissingKey ?? 0); n++) {
    const r = row();
    const { role } = r.messages[1]!;
    plant('messageMissingKey', JSON.stringify({ messages: [r.messages[0], { role }, r.messages[2]] }));
  }
  for (let n = 0; n < (counts.unrecognizedKey ?? 0); n++) {
    const r = row();
    plant('unrecognizedKey', JSON.stringify({ messages: [r.messages[0], { ...r.messages[1], metadata: { lang: 'en' } }, r.messages[2]] }));
  }
  for (let n = 0; n < (counts.unrecognizedRole ?? 0); n++) {
    const r = row();
    r.messages.splice(2, 0, { role: 'moderator', content: 'A note from the moderator.' });
    plant('unrecognizedRole', JSON.stringify(r));
  }
  for (let n = 0; n < counts.blankLines; n++) plant('blankLines', n % 2 ? '' : '   ');
  // The first clean row stays first (duplicates copy it); the rest are shuffled.
  for (let k = lines.length - 1; k > 1; k--) {
    const j = 1 + Math.floor(random() * k);
    [lines[k], lines[j]] = [lines[j]!, lines[k]!];
    [kinds[k], kinds[j]] = [kinds[j]!, kinds[k]!];
  }
  const where: Record<keyof PlantedCounts, number[]> = {
    clean: [], parseErrors: [], missingMessages: [], emptyAssistant: [], alternation: [], exactDuplicates: [], emails: [], phones: [], ips: [],
    noFinalPunct: [], weightOutOfRange: [], blankLines: [], dataType: [], messageMissingKey: [], unrecognizedKey: [], unrecognizedRole: [], ipv6s: [],
  };
  kinds.forEach((kind, at) => where[kind].push(at + 1));
  return { text: lines.join(eol) + eol, rows: lines.length - counts.blankLines, lines: where };
}

/** JSONL text of the given values, one per line, each line ending in `eol`. */
export function jsonl(values: readonly unknown[], eol = '\n'): string {
  return values.map((v) => `${typeof v === 'string' ? v : JSON.stringify(v)}${eol}`).join('');
}

/** A near duplicate of a clean row: the last word of the answer replaced. */
export function nearCopy<T extends { messages: Array<{ role: string; content: string }> }>(row: T): T {
  const copy = structuredClone(row);
  const answer = copy.messages.at(-1)!;
  answer.content = answer.content.replace(/ (\w+)\.$/, ' changed.');
  return copy;
}

/**
 * A source for mixing: `rows` clean chat rows tagged `{source, id}` (so a mix's lines can be
 * traced back), `parseErrors` unparsable lines and `blankLines` blank ones, shuffled.
 */
export function taggedDataset(source: string, counts: { rows: number; parseErrors: number; blankLines: number }, seed = 1): string {
  const random = rng(seed);
  const lines = Array.from({ length: counts.rows }, (_, id) => JSON.stringify(cleanRow(random, id, { source, id })));
  for (let n = 0; n < counts.parseErrors; n++) lines.push(`{"messages": [broken ${source} ${n}`);
  for (let n = 0; n < counts.blankLines; n++) lines.push('');
  for (let k = lines.length - 1; k > 0; k--) {
    const j = Math.floor(random() * (k + 1));
    [lines[k], lines[j]] = [lines[j]!, lines[k]!];
  }
  return lines.map((line) => `${line}\n`).join('');
}

/**
 * `count` pairs of texts whose word 5-shingle sets have a known Jaccard similarity (the nearest
 * to `similarity` whole shingles allow, returned as `jaccard`). Each text is `words` distinct
 * random words; the second shares the first's first k words and has new ones after, so the two
 * share k - 4 of their `words - 4` shingles each. No word is in two pairs.
 */
export function shinglePairs(random: () => number, count: number, similarity: number, words = 204): { pairs: Array<[string, string]>; jaccard: number } {
  const shingles = words - 4;
  const shared = Math.round((2 * shingles * similarity) / (1 + similarity));
  const word = () => `w${Math.floor(random() * 2 ** 48).toString(36)}`;
  const pairs = Array.from({ length: count }, (): [string, string] => {
    const first = Array.from({ length: words }, word);
    const second = [...first.slice(0, shared + 4), ...Array.from({ length: words - shared - 4 }, word)];
    return [first.join(' '), second.join(' ')];
  });
  return { pairs, jaccard: shared / (2 * shingles - shared) };
}

/** Word 5-shingle Jaccard similarity of two texts of space-separated words (to check `shinglePairs`). */
export function shingleJaccard(a: string, b: string): number {
  const shingles = (text: string) => {
    const words = text.split(' ');
    return new Set(words.slice(4).map((_, i) => words.slice(i, i + 5).join(' ')));
  };
  const [x, y] = [shingles(a), shingles(b)];
  const both = [...x].filter((s) => y.has(s)).length;
  return both / (x.size + y.size - both);
}

/** A chat row holding a text: the first half of its words the user's, the rest the assistant's. */
export function textRow(text: string): { messages: Array<{ role: string; content: string }> } {
  const words = text.split(' ');
  const half = Math.floor(words.length / 2);
  return { messages: [{ role: 'user', content: words.slice(0, half).join(' ') }, { role: 'assistant', content: `${words.slice(half).join(' ')}.` }] };
}

/** Words of several scripts for length fixtures: ASCII, accented, CJK, emoji, punctuation (no digits, `@` or `::`, so no PII). */
const MIXED_WORDS = ['the', 'answer', 'is', 'élève', 'straße', 'студент', '学生', '回答问题', 'مرحبا', '😀', "don't", '¿qué?', 'well,', 'end.', 'x'.repeat(70)];
/** White space a plain `split(/\s+/)` cuts at and the audit counts words between: ASCII only. */
const MIXED_SPACES = [' ', ' ', ' ', '  ', '\n', '\t', ' \n '];
/** Word counts a fixture text has, in turn: every word histogram bin up to 500. */
const TEXT_WORDS = [0, 1, 3, 7, 12, 30, 60, 130, 300];

/** A text of `n` words of MIXED_WORDS, white space between, sometimes before and after. */
export function mixedText(random: () => number, n: number): string {
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const words = Array.from({ length: n }, () => pick(MIXED_WORDS));
  const around = () => (random() < 0.2 ? pick(MIXED_SPACES) : '');
  return n === 0 ? around() : around() + words.map((w, i) => (i ? pick(MIXED_SPACES) : '') + w).join('') + around();
}

/**
 * Rows of every format whose lengths, weights and metadata a test can measure itself: OpenAI
 * rows of 1 to 10 messages (a system message in some), Unsloth rows with a row weight (2 of 30
 * at 1.0, the rest 0.2 to 0.8: the seed's "6.7% native, 93.3% cross-agent"), ShareGPT and
 * Alpaca rows; `difficulty` and `topic` set to strings, a number, an object, null or left out.
 */
export function lengthRows(seed: number): Array<Record<string, unknown>> {
  const random = rng(seed);
  const pick = <T>(items: readonly T[]) => items[Math.floor(random() * items.length)]!;
  const text = () => mixedText(random, pick(TEXT_WORDS));
  const meta = () => {
    const out: Record<string, unknown> = {};
    const difficulty = pick<unknown>(['easy', 'easy', 'medium', 'hard', 'très dur', 3, { level: 'hard' }, null, undefined]);
    if (difficulty !== undefined) out.difficulty = difficulty;
    if (random() < 0.7) out.topic = pick(['grammar', 'essay', 'speaking']);
    return out;
  };
  const chat = (turns: number) => {
    const system = random() < 0.3;
    return Array.from({ length: turns }, (_, i) => ({ role: system && i === 0 ? 'system' : (i - (system ? 1 : 0)) % 2 ? 'assistant' : 'user', content: text() }));
  };
  const rows: Array<Record<string, unknown>> = [];
  for (let i = 0; i < 30; i++) rows.push({ messages: chat(1 + (i % 10)) });
  for (let i = 0; i < 30; i++) rows.push({ messages: chat(2 + (i % 4)), weight: i < 2 ? 1 : pick([0.2, 0.4, 0.6, 0.8]), ...meta() });
  for (let i = 0; i < 8; i++) {
    rows.push({ conversations: [{ from: 'human', value: text() }, { from: 'gpt', value: text() }], ...(i % 2 ? { system: text() } : {}), ...meta() });
  }
  for (let i = 0; i < 8; i++) rows.push({ instruction: text(), input: i % 2 ? text() : '', output: text(), ...meta() });
  for (let k = rows.length - 1; k > 0; k--) {
    const j = Math.floor(random() * (k + 1));
    [rows[k], rows[j]] = [rows[j]!, rows[k]!];
  }
  return rows;
}
