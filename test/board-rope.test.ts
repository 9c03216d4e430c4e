import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Patch } from '../src/board/patch.ts';
import { Rope } from '../src/board/rope.ts';
import { rng } from './helpers/random.ts';

/** `text` with non-overlapping patches applied, as plain strings. */
function applied(text: string, patches: readonly Patch[]): string {
  let out = '';
  let at = 0;
  for (const patch of [...patches].sort((a, b) => a.start - b.start)) {
    out += text.slice(at, patch.start) + patch.insert;
    at = patch.end;
  }
  return out + text.slice(at);
}

/** Up to three random patches, apart, in random order. */
function randomPatches(length: number, next: () => number): Patch[] {
  const inserts = ['', 'x', '\n', 'line\r\n', '🚀', '- card\n  - note\n'];
  const patches: Patch[] = [];
  let after = 0;
  for (const at of Array.from({ length: 1 + Math.floor(next() * 3) }, () => Math.floor(next() * (length + 1))).sort((a, b) => a - b)) {
    if (at < after) continue;
    const end = Math.min(length, at + Math.floor(next() * 6));
    patches.push({ start: at, end, insert: inserts[Math.floor(next() * inserts.length)]! });
    after = end + 1;
  }
  return patches.reverse();
}

/** Checks every read of the rope against its text. */
function assertReads(rope: Rope, text: string, label: string): void {
  assert.equal(rope.length, text.length, label);
  assert.equal(rope.text, text, label);
  for (let i = -1; i <= text.length; i++) assert.equal(rope.charCodeAt(i), text.charCodeAt(i), `${label}: char ${i}`);
  for (let start = 0; start <= text.length; start++) {
    const nl = text.indexOf('\n', start);
    assert.equal(rope.lineEnd(start), nl === -1 ? text.length : nl + 1, `${label}: line end from ${start}`);
    for (let end = start; end <= text.length; end++) {
      assert.equal(rope.slice(start, end), text.slice(start, end), `${label}: ${start}..${end}`);
      assert.equal(rope.utf8Length(start, end), Buffer.byteLength(text.slice(start, end)), `${label}: bytes ${start}..${end}`);
    }
  }
}

describe('rope', () => {
  test('reads like the text it holds, however it was patched', () => {
    const next = rng(8);
    for (let round = 0; round < 30; round++) {
      let text = 'ab\ncd\r\n🚀ef\n';
      let rope = Rope.of(text);
      for (let step = 0; step < 12; step++) {
        const patches = randomPatches(text.length, next);
        rope = rope.patched(patches);
        text = applied(text, patches);
        assertReads(rope, text, `round ${round}, step ${step}`);
      }
    }
  });

  test('slices past the end are cut at it, as a string\'s', () => {
    const rope = Rope.of('abc').patched([{ start: 1, end: 1, insert: 'XY' }]);
    assert.deepEqual([rope.slice(3, 99), rope.slice(4, 2), rope.slice(7, 9), rope.lineEnd(99)], ['bc', '', '', 5]);
  });

  test('a surrogate pair split across two pieces counts as one character in bytes', () => {
    // Pieces split at a patch between the halves of an emoji, then the patch taken back out.
    const rope = Rope.of('a🚀b').patched([{ start: 2, end: 2, insert: 'x' }]).patched([{ start: 2, end: 3, insert: '' }]);
    assertReads(rope, 'a🚀b', 'rejoined');
  });

  test('a text patched to nothing is empty', () => {
    const rope = Rope.of('abc').patched([{ start: 0, end: 3, insert: '' }]);
    assertReads(rope, '', 'emptied');
  });

  test('overlapping patches are refused', () => {
    assert.throws(() => Rope.of('abcdef').patched([{ start: 1, end: 4, insert: '' }, { start: 3, end: 5, insert: 'x' }]), /overlapping/);
  });

  test('many edits keep it whole: past some pieces they are joined into one', () => {
    let text = 'x'.repeat(1000);
    let rope = Rope.of(text);
    for (let i = 0; i < 300; i++) {
      const at = (i * 37) % text.length;
      const patch = { start: at, end: at + 1, insert: `<${i}>` };
      rope = rope.patched([patch]);
      text = applied(text, [patch]);
    }
    assert.equal(rope.text, text);
    assert.equal(rope.slice(10, 500), text.slice(10, 500));
  });
});
