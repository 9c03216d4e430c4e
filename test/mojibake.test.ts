import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { findMojibake, repairMojibake, type MojibakeEncoding } from '../src/board/mojibake.ts';

const seed = (name: string) => readFileSync(new URL(`../../shared/fixtures/seeds/${name}`, import.meta.url), 'utf8');

// Real mojibake: the UTF-8 bytes of `text` read through a single-byte code page.
const mangle = (text: string, encoding: 'windows1252' | 'windows1254' | 'macintosh' | 'latin1') => {
  const result = iconv.decode(Buffer.from(text, 'utf8'), encoding);
  assert.ok(!result.includes('\uFFFD'), `test input ${JSON.stringify(text)} hits a byte ${encoding} leaves undefined`);
  return result;
};
// iconv-lite writes U+FFFD for undefined bytes; other decoders drop them, or write the C1 control or Apple logo.
const mangleLike = (text: string, encoding: 'windows1252' | 'windows1254' | 'macintosh', replacement: string) =>
  iconv.decode(Buffer.from(text, 'utf8'), encoding).replaceAll('\uFFFD', replacement);

test('KANBAN.seed.md repairs to KANBAN.clean.md except line 37, which is reported and left as is', () => {
  const before = seed('KANBAN.seed.md');
  const clean = seed('KANBAN.clean.md');
  const { text, findings } = repairMojibake(before);
  const seedLines = before.split('\n');
  const cleanLines = clean.split('\n');
  const outLines = text.split('\n');
  assert.equal(outLines.length, cleanLines.length);
  outLines.forEach((line, i) => {
    assert.equal(line, i + 1 === 37 ? seedLines[i] : cleanLines[i], `line ${i + 1}`);
  });
  const line37 = findings.find((f) => f.line === 37);
  assert.deepEqual(line37 && { ...line37, reason: typeof line37.reason }, {
    line: 37,
    text: seedLines[36],
    repaired: null,
    encoding: null,
    reason: 'string',
  });
  assert.match(line37!.reason!, /F0 9F 93.*lost/);
  assert.ok(findings.filter((f) => f.line !== 37).every((f) => f.repaired !== null && f.encoding !== null));
  assert.deepEqual(findMojibake(before), findings);
});

test('WEEK2_STATUS_SUMMARY.seed.md repairs to WEEK2_STATUS_SUMMARY.clean.md exactly', () => {
  const { text, findings } = repairMojibake(seed('WEEK2_STATUS_SUMMARY.seed.md'));
  assert.equal(text, seed('WEEK2_STATUS_SUMMARY.clean.md'));
  assert.ok(findings.length > 0 && findings.every((f) => f.encoding === 'mac_roman'));
});

for (const name of ['KANBAN.clean.md', 'WEEK2_STATUS_SUMMARY.clean.md']) {
  test(`${name} has no findings and is returned unchanged`, () => {
    const clean = seed(name);
    assert.deepEqual(findMojibake(clean), []);
    assert.equal(repairMojibake(clean).text, clean);
  });
}

interface Case {
  name: string;
  input: string;
  // The expected repaired text and the code page of its one finding; `none` means no finding.
  expected: string;
  finding: MojibakeEncoding | 'none' | 'unrepairable';
}

const cases: Case[] = [
  {
    name: 'cp1252 round trip',
    input: mangle('Café — naïve ‘résumé’ ✅', 'windows1252'),
    expected: 'Café — naïve ‘résumé’ ✅',
    finding: 'cp1252',
  },
  {
    name: 'cp1254 round trip',
    input: mangle('## 🔨 In Progress — Quimbot', 'windows1254'),
    expected: '## 🔨 In Progress — Quimbot',
    finding: 'cp1254',
  },
  {
    name: 'mac_roman round trip',
    input: mangle('**Status:** ✅ 15×15 → ≥ 0.2', 'macintosh'),
    expected: '**Status:** ✅ 15×15 → ≥ 0.2',
    finding: 'mac_roman',
  },
  { name: 'latin1 round trip', input: mangle('Zürich — 5 € ✅', 'latin1'), expected: 'Zürich — 5 € ✅', finding: 'latin1' },
  {
    name: 'cp1252 undefined byte 0x9D passed through as U+009D is repaired',
    input: mangleLike('He said “hi”', 'windows1252', '\u009d'),
    expected: 'He said “hi”',
    finding: 'cp1252',
  },
  {
    name: 'Mac Roman 0xF0 read as the Apple logo U+F8FF is repaired',
    input: mangleLike('## 🏆 TEAM', 'macintosh', '\uF8FF'),
    expected: '## 🏆 TEAM',
    finding: 'mac_roman',
  },
  {
    name: 'CRLF line endings are preserved',
    input: `a\r\n${mangle('Café ✅', 'windows1252')}\r\nb\r\n`,
    expected: 'a\r\nCafé ✅\r\nb\r\n',
    finding: 'cp1252',
  },
  {
    name: 'a leading BOM is preserved',
    input: `\uFEFF# ${mangle('Board — ✅', 'windows1252')}\n`,
    expected: '\uFEFF# Board — ✅\n',
    finding: 'cp1252',
  },
  {
    name: 'trailing spaces and a last line without newline are preserved',
    input: `x  \n${mangle('✅ done', 'windows1252')}  `,
    expected: 'x  \n✅ done  ',
    finding: 'cp1252',
  },
  {
    name: 'mixed genuine and mojibake on one line repairs only the mojibake',
    input: `Zürich — 5 € ${mangle('→', 'windows1252')} ✅ 日本`,
    expected: 'Zürich — 5 € → ✅ 日本',
    finding: 'cp1252',
  },
  ...['café', 'naïve', 'Zürich — 5 €', '日本語', '🔨 📝 ✅ ⚠️ 🏆', '→ ↔ ≥ 15×15', '„Straße“', '«CAFÉ»', 'l’été', '\uFEFF# Board\r\n'].map(
    (text): Case => ({ name: `genuine ${JSON.stringify(text)} is not flagged`, input: text, expected: text, finding: 'none' }),
  ),
  {
    name: 'an emoji whose undefined byte was dropped (KANBAN line 37) is reported, not changed',
    input: mangleLike('## 📝 Notes', 'windows1254', ''),
    expected: '## ğŸ“ Notes',
    finding: 'unrepairable',
  },
  {
    name: 'a byte iconv-lite turned into U+FFFD is reported and the whole line kept',
    input: `ok\n${mangleLike('He said “hi”', 'windows1252', '\uFFFD')}\n`,
    expected: `ok\n${mangleLike('He said “hi”', 'windows1252', '\uFFFD')}\n`,
    finding: 'unrepairable',
  },
];

for (const c of cases) {
  test(c.name, () => {
    const { text, findings } = repairMojibake(c.input);
    assert.equal(text, c.expected);
    assert.deepEqual(findMojibake(c.input), findings);
    if (c.finding === 'none') return assert.deepEqual(findings, []);
    assert.equal(findings.length, 1);
    const [finding] = findings;
    const lines = c.input.split(/\r?\n/);
    assert.equal(finding!.text, lines[finding!.line - 1]);
    if (c.finding === 'unrepairable') {
      assert.equal(finding!.repaired, null);
      assert.equal(finding!.encoding, null);
      assert.match(finding!.reason ?? '', /incomplete UTF-8 sequence .* lost/);
    } else {
      assert.equal(finding!.encoding, c.finding);
      assert.equal(finding!.reason, null);
      assert.equal(finding!.repaired, c.expected.split(/\r?\n/)[finding!.line - 1]);
    }
  });
}
