import { createRequire } from 'node:module';
import { pretokenize } from './pretokenize.ts';

const require = createRequire(import.meta.url);
const loaded: Partial<Record<TokenEncoding, (text: string) => number>> = {};

/**
 * gpt-tokenizer's counter for an encoding, loaded on first use: its merge tables take 20 MB
 * (cl100k) to 70 MB (o200k), which a daemon that never counts tokens should not hold.
 */
function referenceCounter(encoding: TokenEncoding): (text: string) => number {
  return (loaded[encoding] ??= (require(`gpt-tokenizer/cjs/encoding/${encoding}`) as { countTokens: (text: string) => number }).countTokens);
}

/** The BPE encodings fine-tuning models use. */
export type TokenEncoding = 'o200k_base' | 'cl100k_base';

const CACHE_LIMIT = 200_000;
const LONG_PIECE = 64;

/**
 * Exact token counts (the same as gpt-tokenizer's, with special-token text counted as plain
 * text rather than refused). The text is split by a hand-written pre-tokenizer, and each
 * piece's count comes from a bounded cache: most pieces are common words, so gpt-tokenizer's
 * BPE runs only for pieces not seen before. Memory stays flat: the cache is cleared when full.
 */
export class TokenCounter {
  readonly #count: (text: string) => number;
  readonly #cache = new Map<string, number>();

  constructor(readonly encoding: TokenEncoding) {
    this.#count = referenceCounter(encoding);
  }

  count(text: string): number {
    let total = 0;
    pretokenize(text, this.encoding, (start, end) => {
      total += this.#piece(text.slice(start, end));
    });
    return total;
  }

  #piece(piece: string): number {
    // A piece is one pre-token: counting it alone gives what it adds to the whole text.
    if (piece.length > LONG_PIECE) return this.#count(piece);
    let n = this.#cache.get(piece);
    if (n === undefined) {
      if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
      this.#cache.set(piece, (n = this.#count(piece)));
    }
    return n;
  }
}
