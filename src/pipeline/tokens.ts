import { countTokens as countCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';

/** The BPE encodings fine-tuning models use. */
export type TokenEncoding = 'o200k_base' | 'cl100k_base';

const CACHE_LIMIT = 50_000;
const CACHEABLE = 256;

/**
 * Exact token counts (gpt-tokenizer, no special tokens). Short strings (roles, repeated system
 * prompts) are cached in a bounded map, so memory stays flat whatever the file size.
 */
export class TokenCounter {
  readonly #count: (text: string) => number;
  readonly #cache = new Map<string, number>();

  constructor(readonly encoding: TokenEncoding) {
    this.#count = encoding === 'o200k_base' ? countO200k : countCl100k;
  }

  count(text: string): number {
    if (text.length > CACHEABLE) return this.#count(text);
    let n = this.#cache.get(text);
    if (n === undefined) {
      if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear();
      this.#cache.set(text, (n = this.#count(text)));
    }
    return n;
  }
}
