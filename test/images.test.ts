import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rowTokens } from '../src/pipeline/audit/checks.ts';
import { toChatRow } from '../src/pipeline/chat-rows.ts';
import { readImageHeader } from '../src/pipeline/image-header.ts';
import { checkImage, imagesTokens, imageTokens, OPENAI_IMAGE_RULES } from '../src/pipeline/images.ts';
import { TokenCounter } from '../src/pipeline/tokens.ts';
import { dataUrl, gif, imagePart, jpeg, png, webp } from './helpers/images.ts';

/** A lossy WebP whose size fields carry scale bits (the top two of each 16): not part of the size. */
function scaledWebp(): Buffer {
  const bytes = webp('VP8 ', 800, 600);
  bytes[27]! |= 0xc0;
  bytes[29]! |= 0x40;
  return bytes;
}

describe('image headers', () => {
  const cases: Array<[string, Buffer, ReturnType<typeof readImageHeader>]> = [
    ['PNG, RGB', png(3, 2), { format: 'png', width: 3, height: 2, mode: 'RGB' }],
    ['PNG, RGBA', png(2, 5, 'RGBA'), { format: 'png', width: 2, height: 5, mode: 'RGBA' }],
    ['PNG, greyscale', png(4, 4, 'L'), { format: 'png', width: 4, height: 4, mode: 'L' }],
    ['PNG, greyscale with alpha', png(4, 4, 'LA'), { format: 'png', width: 4, height: 4, mode: 'LA' }],
    ['PNG, palette', png(4, 4, 'P'), { format: 'png', width: 4, height: 4, mode: 'P' }],
    ['JPEG, YCbCr', jpeg(1024, 768), { format: 'jpeg', width: 1024, height: 768, mode: 'RGB' }],
    ['JPEG, greyscale', jpeg(640, 480, 1), { format: 'jpeg', width: 640, height: 480, mode: 'L' }],
    ['JPEG, CMYK', jpeg(640, 480, 4), { format: 'jpeg', width: 640, height: 480, mode: 'CMYK' }],
    ['JPEG, its frame header after 100 KB of metadata', jpeg(4000, 3000, 3, 100_000), { format: 'jpeg', width: 4000, height: 3000, mode: 'RGB' }],
    ['WebP, lossy', webp('VP8 ', 800, 600), { format: 'webp', width: 800, height: 600, mode: 'RGB' }],
    ['WebP, lossy with scale bits', scaledWebp(), { format: 'webp', width: 800, height: 600, mode: 'RGB' }],
    ['WebP, lossless with alpha', webp('VP8L', 16_384, 3, true), { format: 'webp', width: 16_384, height: 3, mode: 'RGBA' }],
    ['WebP, lossless', webp('VP8L', 1, 1), { format: 'webp', width: 1, height: 1, mode: 'RGB' }],
    ['WebP, extended with alpha', webp('VP8X', 5000, 70_000, true), { format: 'webp', width: 5000, height: 70_000, mode: 'RGBA' }],
    ['WebP, extended', webp('VP8X', 300, 200), { format: 'webp', width: 300, height: 200, mode: 'RGB' }],
    ['GIF', gif(320, 200), { format: 'gif', width: 320, height: 200, mode: 'P' }],
    ['BMP', Buffer.concat([Buffer.from('BM'), Buffer.alloc(60)]), 'unknown'],
    ['text', Buffer.from('hello, world, this is not an image'), 'unknown'],
    ['empty', Buffer.alloc(0), 'truncated'],
    ['a PNG cut before its size', png(3, 2).subarray(0, 20), 'truncated'],
    ['a JPEG cut in its metadata', jpeg(10, 10, 3, 5000).subarray(0, 4000), 'truncated'],
    ['a WebP cut in its header', webp('VP8X', 3, 3).subarray(0, 16), 'truncated'],
    ['a PNG whose first chunk is not IHDR', Buffer.concat([png(1, 1).subarray(0, 12), Buffer.from('IDAT'), Buffer.alloc(20)]), 'unknown'],
  ];
  for (const [name, bytes, expected] of cases) test(name, () => assert.deepEqual(readImageHeader(bytes), expected));
});

describe("OpenAI's image tokens (gpt-4o class)", () => {
  // The guide's examples, then others worked by its steps.
  const cases: Array<[number, number, string | undefined, number]> = [
    [1024, 1024, 'high', 765], // 768 x 768: 4 tiles
    [2048, 4096, 'high', 1105], // 1024 x 2048, then 768 x 1536: 6 tiles
    [4096, 8192, 'low', 85],
    [4096, 8192, 'high', 1105], // 1024 x 2048 after the first step, as above
    [1000, 5000, 'high', 765], // 409 x 2048: already under 768 on its short side, 1 x 4 tiles
    [2048, 4096, 'auto', 1105], // auto counted as high
    [2048, 4096, undefined, 1105],
    [512, 512, 'high', 255], // never scaled up: one tile
    [513, 100, 'high', 425], // two tiles across
    [1920, 1080, 'high', 1105], // 1365 x 768: 3 x 2 tiles
    [1, 1, 'high', 255],
  ];
  for (const [width, height, detail, tokens] of cases) {
    test(`${width} x ${height}, detail ${detail ?? 'unset'}: ${tokens}`, () => assert.equal(imageTokens(width, height, detail), tokens));
  }
});

describe('one image part checked', () => {
  test('a base64 PNG, JPEG or WebP: its tokens from its header', () => {
    assert.deepEqual(checkImage({ url: dataUrl(png(1024, 1024)), detail: 'high' }), { tokens: 765, problems: [], header: { format: 'png', width: 1024, height: 1024, mode: 'RGB' } });
    assert.equal(checkImage({ url: dataUrl(jpeg(2048, 4096), 'image/jpeg') }).tokens, 1105);
    assert.equal(checkImage({ url: dataUrl(jpeg(2048, 4096, 3, 200_000), 'image/jpeg') }).tokens, 1105, 'header after the first 48 KB');
    assert.equal(checkImage({ url: dataUrl(webp('VP8L', 2048, 4096, true), 'image/webp'), detail: 'low' }).tokens, 85);
  });

  test('by http(s) URL: never fetched, tokens unknown unless low detail', () => {
    assert.deepEqual(checkImage({ url: 'https://example.com/cat.png' }), { tokens: null, problems: [] });
    assert.deepEqual(checkImage({ url: 'HTTP://example.com/cat.png', detail: 'low' }), { tokens: 85, problems: [] });
  });

  test('what OpenAI refuses', () => {
    const problems = (url: string, rules?: { maxImageBytes: number }) => checkImage({ url }, rules).problems;
    assert.deepEqual(problems(dataUrl(gif(10, 10), 'image/gif')), ['image_format']);
    assert.deepEqual(problems(dataUrl(png(10, 10), 'image/gif')), [], 'the bytes say PNG: the media type is not trusted either way');
    assert.deepEqual(problems(dataUrl(Buffer.from('not an image at all, really'))), ['image_format']);
    assert.deepEqual(problems(dataUrl(png(4, 4, 'P'))), ['image_mode']);
    assert.deepEqual(problems(dataUrl(jpeg(4, 4, 4), 'image/jpeg')), ['image_mode']);
    assert.deepEqual(problems('ftp://example.com/cat.png'), ['image_url_invalid']);
    assert.deepEqual(problems('file:///tmp/cat.png'), ['image_url_invalid']);
    assert.deepEqual(problems('data:image/png,rawbytes'), ['image_url_invalid'], 'not base64');
    assert.deepEqual(problems('data:image/png;base64,iVBO*w0K'), ['image_url_invalid'], 'not base64 characters');
    assert.deepEqual(problems('cat.png'), ['image_url_invalid']);
    // Size: the decoded bytes against the limit (a small one stands in), format checked as well.
    const image = png(8, 8);
    assert.deepEqual(problems(dataUrl(image), { maxImageBytes: image.length }), []);
    assert.deepEqual(problems(dataUrl(image), { maxImageBytes: image.length - 1 }), ['image_too_large']);
    assert.deepEqual(problems(dataUrl(gif(1, 1)), { maxImageBytes: 1 }), ['image_format', 'image_too_large']);
    assert.equal(OPENAI_IMAGE_RULES.maxImageBytes, 10 * 1024 * 1024);
  });

  test("a row's tokens (what clean's over-context rule reads) include its images'", () => {
    const counter = new TokenCounter('o200k_base');
    const row = (...parts: unknown[]) => toChatRow({ messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, ...parts] }, { role: 'assistant', content: 'A cat.' }] })!;
    const text = rowTokens(row(), counter);
    assert.equal(rowTokens(row(imagePart(dataUrl(png(1024, 1024)))), counter), text + 765);
    assert.equal(rowTokens(row(imagePart('https://example.com/cat.png'), imagePart(dataUrl(png(8, 8)), 'low')), counter), text + 85);
    assert.equal(row().images, undefined, 'a row without images has no list');
  });

  test("a row's images: the known tokens, and how many by URL are not", () => {
    const images = [
      { url: dataUrl(png(1024, 1024)) },
      { url: 'https://example.com/a.png' },
      { url: 'https://example.com/b.png', detail: 'low' },
      { url: dataUrl(gif(5, 5)) },
    ];
    assert.deepEqual(imagesTokens(images), { tokens: 765 + 85, byUrl: 1 });
  });
});
