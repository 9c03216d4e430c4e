import { crc32, deflateSync } from 'node:zlib';

/** PNG colour types by the mode they give. */
const COLOUR_TYPES = { L: 0, RGB: 2, P: 3, LA: 4, RGBA: 6 } as const;
const CHANNELS = { L: 1, RGB: 3, P: 1, LA: 2, RGBA: 4 } as const;

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/**
 * A real PNG of `width` x `height` black pixels (8 bits a channel), that any decoder reads; `pad`
 * bytes of an ancillary chunk make it as large as a test needs.
 */
export function png(width: number, height: number, mode: keyof typeof COLOUR_TYPES = 'RGB', pad = 0): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = COLOUR_TYPES[mode];
  const raw = Buffer.alloc((1 + width * CHANNELS[mode]) * height); // each scanline: filter byte 0, then zeros
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(mode === 'P' ? [chunk('PLTE', Buffer.alloc(3))] : []),
    ...(pad > 0 ? [chunk('zzZz', Buffer.alloc(pad))] : []),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function segment(code: number, data: Buffer): Buffer {
  const head = Buffer.from([0xff, code, 0, 0]);
  head.writeUInt16BE(data.length + 2, 2);
  return Buffer.concat([head, data]);
}

/**
 * A JPEG's markers as an encoder writes them: SOI, an APP0 JFIF header, `exif` bytes of APP1
 * segments (a camera's metadata, before the frame header), DQT, a baseline SOF0 with the size
 * and `components`, EOI. The header reader reads no further than the SOF.
 */
export function jpeg(width: number, height: number, components = 3, exif = 0): Buffer {
  const app1: Buffer[] = [];
  for (let left = exif; left > 0; left -= 65_000) app1.push(segment(0xe1, Buffer.alloc(Math.min(left, 65_000))));
  const sof = Buffer.alloc(6 + components * 3);
  sof[0] = 8;
  sof.writeUInt16BE(height, 1);
  sof.writeUInt16BE(width, 3);
  sof[5] = components;
  for (let i = 0; i < components; i++) sof.set([i + 1, 0x11, 0], 6 + i * 3);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1')),
    ...app1,
    segment(0xdb, Buffer.alloc(65)),
    Buffer.from([0xff]), // a fill byte before the next marker
    segment(0xc0, sof),
    Buffer.from([0xff, 0xd9]),
  ]);
}

function riff(chunkType: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from('WEBP'), Buffer.from(chunkType, 'latin1'), Buffer.alloc(4), data]);
  body.writeUInt32LE(data.length, 8);
  const head = Buffer.from('RIFF\0\0\0\0', 'latin1');
  head.writeUInt32LE(body.length, 4);
  return Buffer.concat([head, body]);
}

/** A WebP's header in each of its three forms: lossy (VP8), lossless (VP8L, `alpha`), extended (VP8X, `alpha`). */
export function webp(kind: 'VP8 ' | 'VP8L' | 'VP8X', width: number, height: number, alpha = false): Buffer {
  switch (kind) {
    case 'VP8 ': {
      const data = Buffer.alloc(20);
      data.set([0x9d, 0x01, 0x2a], 3);
      data.writeUInt16LE(width, 6);
      data.writeUInt16LE(height, 8);
      return riff(kind, data);
    }
    case 'VP8L': {
      const data = Buffer.alloc(10);
      data[0] = 0x2f;
      data.writeUInt32LE(((width - 1) | ((height - 1) << 14) | (alpha ? 1 << 28 : 0)) >>> 0, 1);
      return riff(kind, data);
    }
    case 'VP8X': {
      const data = Buffer.alloc(10);
      data[0] = alpha ? 0x10 : 0;
      data.writeUIntLE(width - 1, 4, 3);
      data.writeUIntLE(height - 1, 7, 3);
      return riff(kind, data);
    }
  }
}

/** A GIF's header and logical screen: `width` x `height`. */
export function gif(width: number, height: number): Buffer {
  const bytes = Buffer.concat([Buffer.from('GIF89a'), Buffer.alloc(7), Buffer.from([0x3b])]);
  bytes.writeUInt16LE(width, 6);
  bytes.writeUInt16LE(height, 8);
  return bytes;
}

/** A base64 data URL of `bytes`. */
export function dataUrl(bytes: Buffer, type = 'image/png'): string {
  return `data:${type};base64,${bytes.toString('base64')}`;
}

/** A user message's image part. */
export function imagePart(url: string, detail?: string): { type: 'image_url'; image_url: { url: string; detail?: string } } {
  return { type: 'image_url', image_url: detail === undefined ? { url } : { url, detail } };
}
