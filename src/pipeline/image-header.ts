/**
 * An image's format, pixel size and colour mode read from the first bytes of its file: PNG's
 * IHDR, JPEG's SOFn marker, WebP's VP8/VP8L/VP8X header, GIF's screen descriptor. Pure, no
 * decoding of pixels. Modes are named as Pillow names them (what OpenAI's "RGB or RGBA image
 * mode" refers to): RGB, RGBA, L, LA, P, CMYK. Hand-written because the size packages (such
 * as image-size) do not say the mode, which OpenAI's rule needs.
 */

/** The formats whose headers are read. */
export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif';

/** What an image's header says. */
export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
  /** Pillow's mode name for the pixels as stored: RGB, RGBA, L, LA, P, CMYK, or `unknown`. */
  mode: string;
}

/**
 * The header of the image whose file starts with `bytes`: `unknown` when it is none of the
 * formats read (or is corrupt), `truncated` when it may be one but `bytes` ends before its size
 * is known (a JPEG's SOF can follow long metadata: read more and ask again).
 */
export function readImageHeader(bytes: Uint8Array): ImageHeader | 'unknown' | 'truncated' {
  if (startsWith(bytes, PNG_SIGNATURE)) return readPng(bytes);
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return readJpeg(bytes);
  if (startsWith(bytes, RIFF) && startsWith(bytes, WEBP, 8)) return readWebp(bytes);
  if (startsWith(bytes, GIF87) || startsWith(bytes, GIF89)) return bytes.length < 10 ? 'truncated' : { format: 'gif', width: u16le(bytes, 6), height: u16le(bytes, 8), mode: 'P' };
  // Too short to tell a signature from another file: say so, rather than unknown.
  return bytes.length < 12 && couldStart(bytes) ? 'truncated' : 'unknown';
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const RIFF = ascii('RIFF');
const WEBP = ascii('WEBP');
const GIF87 = ascii('GIF87a');
const GIF89 = ascii('GIF89a');
const IHDR = ascii('IHDR');

/** PNG colour types as Pillow's modes (16-bit greys are `I;16` there: still not RGB). */
const PNG_MODES: Record<number, string> = { 0: 'L', 2: 'RGB', 3: 'P', 4: 'LA', 6: 'RGBA' };

function readPng(bytes: Uint8Array): ImageHeader | 'unknown' | 'truncated' {
  // Signature (8), IHDR's length (4) and type (4), then width, height (big-endian), bit depth, colour type.
  if (bytes.length < 26) return 'truncated';
  if (!startsWith(bytes, IHDR, 12)) return 'unknown';
  return { format: 'png', width: u32be(bytes, 16), height: u32be(bytes, 20), mode: PNG_MODES[bytes[25]!] ?? 'unknown' };
}

/** JPEG components as Pillow's modes (YCbCr and RGB both open as RGB). */
const JPEG_MODES: Record<number, string> = { 1: 'L', 3: 'RGB', 4: 'CMYK' };

function readJpeg(bytes: Uint8Array): ImageHeader | 'unknown' | 'truncated' {
  let at = 2;
  for (;;) {
    // A marker is 0xFF (any number of them: fill bytes), then its code.
    while (at < bytes.length && bytes[at] === 0xff && bytes[at + 1] === 0xff) at++;
    if (at + 4 > bytes.length) return 'truncated';
    if (bytes[at] !== 0xff) return 'unknown';
    const code = bytes[at + 1]!;
    // Markers without a length: TEM and the restart markers.
    if (code === 0x01 || (code >= 0xd0 && code <= 0xd7)) {
      at += 2;
      continue;
    }
    if (code === 0xd9 || code === 0xda) return 'unknown'; // the image's end, or its scan, before any frame header
    const length = u16be(bytes, at + 2);
    if (length < 2) return 'unknown';
    // SOF0-SOF15 but DHT (C4), JPG (C8) and DAC (CC): precision, height, width, components.
    if (code >= 0xc0 && code <= 0xcf && code !== 0xc4 && code !== 0xc8 && code !== 0xcc) {
      if (at + 10 > bytes.length) return 'truncated';
      return { format: 'jpeg', width: u16be(bytes, at + 7), height: u16be(bytes, at + 5), mode: JPEG_MODES[bytes[at + 9]!] ?? 'unknown' };
    }
    at += 2 + length;
  }
}

function readWebp(bytes: Uint8Array): ImageHeader | 'unknown' | 'truncated' {
  // RIFF, size, WEBP (12), then the first chunk's type and size (8); its data from 20.
  if (bytes.length < 30) return 'truncated';
  const chunk = String.fromCharCode(bytes[12]!, bytes[13]!, bytes[14]!, bytes[15]!);
  switch (chunk) {
    case 'VP8 ':
      // Lossy: a 3-byte frame tag, the start code 9D 01 2A, then 14-bit width and height (2 bits of scale above each).
      if (bytes[23] !== 0x9d || bytes[24] !== 0x01 || bytes[25] !== 0x2a) return 'unknown';
      return { format: 'webp', width: u16le(bytes, 26) & 0x3fff, height: u16le(bytes, 28) & 0x3fff, mode: 'RGB' };
    case 'VP8L': {
      // Lossless: signature 0x2F, then width-1 (14 bits), height-1 (14 bits), alpha_is_used (1 bit), version (3 bits).
      if (bytes[20] !== 0x2f) return 'unknown';
      const bits = u32le(bytes, 21);
      return { format: 'webp', width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1, mode: bits & (1 << 28) ? 'RGBA' : 'RGB' };
    }
    case 'VP8X':
      // Extended: flags (alpha 0x10), 3 reserved bytes, canvas width-1 and height-1 (24 bits each).
      return { format: 'webp', width: u24le(bytes, 24) + 1, height: u24le(bytes, 27) + 1, mode: bytes[20]! & 0x10 ? 'RGBA' : 'RGB' };
    default:
      return 'unknown';
  }
}

/** Whether a short start could be the beginning of one of the signatures. */
function couldStart(bytes: Uint8Array): boolean {
  if (bytes.length === 0) return true;
  return [PNG_SIGNATURE, [0xff, 0xd8], RIFF, GIF87, GIF89].some((signature) => signature.slice(0, bytes.length).every((b, i) => bytes[i] === b));
}

function startsWith(bytes: Uint8Array, signature: readonly number[], at = 0): boolean {
  if (bytes.length < at + signature.length) return false;
  for (let i = 0; i < signature.length; i++) if (bytes[at + i] !== signature[i]) return false;
  return true;
}

function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

const u16be = (b: Uint8Array, at: number) => (b[at]! << 8) | b[at + 1]!;
const u16le = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8);
const u24le = (b: Uint8Array, at: number) => b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16);
const u32le = (b: Uint8Array, at: number) => (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
const u32be = (b: Uint8Array, at: number) => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;
