import { countTokens as countCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { pretokenize } from './pretokenize.ts';

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
    this.#count = encoding === 'o200k_base' ? countO200k : countCl100k;
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
