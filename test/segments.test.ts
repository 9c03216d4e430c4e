import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isWhiteSpace } from '../src/pipeline/segments.ts';

test('isWhiteSpace is the split patterns\' \\s for every code point of the BMP and beyond', () => {
  for (let c = 0; c < 0x10000; c++) assert.equal(isWhiteSpace(c), /\s/u.test(String.fromCharCode(c)), c.toString(16));
  for (const c of [0x10000, 0x1f600, 0xe0020, 0x10ffff]) assert.equal(isWhiteSpace(c), false);
});
