/**
 * Images in OpenAI chat rows (vision fine-tuning): the rules OpenAI's guide gives for them, what
 * one costs in tokens, and what a data URL's header says. Pure: an image given by http(s) URL
 * is never fetched (its size, format and tokens stay unknown).
 */
import { readImageHeader } from './image-header.ts';
import type { ImageHeader } from './image-header.ts';

/**
 * OpenAI's limits on images in a fine-tuning file, from its vision fine-tuning guide
 * (https://developers.openai.com/api/docs/guides/vision-fine-tuning, "Image data requirements"):
 * at most 50,000 examples that contain images (text examples apart), at most 10 images an
 * example, each image at most 10 MB (read here as MiB, like the 512 MB file limit), JPEG, PNG or
 * WEBP only, in the RGB or RGBA mode, never in an assistant message. (Azure OpenAI's page for
 * the same feature allows 64 images an example; OpenAI's says 10, and 10 is what is checked.)
 */
export const OPENAI_IMAGE_RULES = {
  maxImageExamples: 50_000,
  maxImagesPerExample: 10,
  maxImageBytes: 10 * 1024 * 1024,
  formats: ['jpeg', 'png', 'webp'],
  modes: ['RGB', 'RGBA'],
} as const;

/** An image part of a message as written: `{type: 'image_url', image_url: {url, detail?}}`. */
export interface ImagePart {
  url: string;
  detail?: unknown;
}

/** What is wrong with one image, as `validate` names it. */
export type ImageProblem = 'image_url_invalid' | 'image_format' | 'image_mode' | 'image_too_large';

/** One image looked at: its tokens (null when given by http(s) URL: unknown without fetching it) and what is wrong with it. */
export interface ImageCheck {
  tokens: number | null;
  problems: ImageProblem[];
  header?: ImageHeader;
}

// OpenAI's images and vision guide (https://developers.openai.com/api/docs/guides/images-vision,
// "Calculating costs"): for gpt-4o, gpt-4.1 and gpt-4.5, an image of detail `low` costs 85 base
// tokens; one of detail `high` is scaled to fit in 2048 x 2048, then so that its shortest side is
// 768, and costs 170 a 512-px tile it takes plus the 85. The vision fine-tuning guide says the
// detail sets the tokens each image costs in training.
const BASE_TOKENS = 85;
const TILE_TOKENS = 170;

/**
 * Tokens an image of `width` x `height` pixels costs a gpt-4o-class model at `detail`: `low`
 * 85; `high`, `auto` or none (auto may choose low for a small image: counted as high, the most
 * it can cost) per the formula above. Images are only scaled down, never up (the guide's
 * examples scale "down"; a 512 x 512 image is one tile), and pixel sizes are whole after each
 * scaling (rounded down).
 */
export function imageTokens(width: number, height: number, detail?: unknown): number {
  if (detail === 'low') return BASE_TOKENS;
  let w = width;
  let h = height;
  const longest = Math.max(w, h);
  if (longest > 2048) {
    w = Math.floor((w * 2048) / longest);
    h = Math.floor((h * 2048) / longest);
  }
  const shortest = Math.min(w, h);
  if (shortest > 768) {
    w = Math.floor((w * 768) / shortest);
    h = Math.floor((h * 768) / shortest);
  }
  return Math.ceil(w / 512) * Math.ceil(h / 512) * TILE_TOKENS + BASE_TOKENS;
}

/** Base64 characters a header is first looked for in (48 KB of file): a JPEG's frame header may follow longer metadata, then all is read. */
const HEADER_CHARS = 64 * 1024;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const URL_SCHEME = /^https?:\/\//i;

/**
 * Looks at one image part: an http(s) URL passes, its tokens unknown unless its detail is low; a base64 data URL is
 * read (its header; its size from the base64 length) and held to OpenAI's format, mode and
 * size rules; anything else is `image_url_invalid`. `detail`, when given, is low, high or auto
 * (the part's shape is checked in chat-rows.ts).
 */
export function checkImage(part: ImagePart, rules: { maxImageBytes: number } = OPENAI_IMAGE_RULES): ImageCheck {
  const { url } = part;
  // By URL: a low-detail image costs the same whatever its size; another is unknown without fetching it.
  if (URL_SCHEME.test(url)) return { tokens: part.detail === 'low' ? BASE_TOKENS : null, problems: [] };
  const comma = url.indexOf(',');
  if (!url.startsWith('data:') || comma < 0 || !url.slice(0, comma).toLowerCase().endsWith(';base64')) return { tokens: null, problems: ['image_url_invalid'] };
  const data = url.slice(comma + 1);
  if (!BASE64.test(data) || data.length % 4 === 1) return { tokens: null, problems: ['image_url_invalid'] };
  const problems: ImageProblem[] = [];
  if (Buffer.byteLength(data, 'base64') > rules.maxImageBytes) problems.push('image_too_large');
  let header = readImageHeader(Buffer.from(data.slice(0, HEADER_CHARS), 'base64'));
  if (header === 'truncated' && data.length > HEADER_CHARS) header = readImageHeader(Buffer.from(data, 'base64'));
  if (header === 'truncated' || header === 'unknown' || !(OPENAI_IMAGE_RULES.formats as readonly string[]).includes(header.format)) {
    problems.unshift('image_format');
    return { tokens: null, problems, ...(typeof header === 'object' ? { header } : {}) };
  }
  if (!(OPENAI_IMAGE_RULES.modes as readonly string[]).includes(header.mode)) problems.push('image_mode');
  return { tokens: imageTokens(header.width, header.height, part.detail), problems, header };
}

/**
 * The tokens of a row's images that can be known without fetching (base64 data URLs read;
 * `byUrl` counts the others, whose tokens are not in `tokens`). What the audit and the row
 * token count add; an image that cannot be read adds nothing.
 */
export function imagesTokens(images: readonly ImagePart[]): { tokens: number; byUrl: number } {
  let tokens = 0;
  let byUrl = 0;
  for (const image of images) {
    if (image.detail === 'low') {
      tokens += BASE_TOKENS;
      continue;
    }
    const { tokens: known } = checkImage(image);
    if (known === null) byUrl += URL_SCHEME.test(image.url) ? 1 : 0;
    else tokens += known;
  }
  return { tokens, byUrl };
}

/** What a count of images by URL means for a token count, in words. */
export function imagesByUrlNote(count: number): string {
  return `${count.toLocaleString('en-US')} ${count === 1 ? 'image' : 'images'} by URL: token count is a lower bound (they are not fetched)`;
}
