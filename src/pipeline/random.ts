import { hashString } from './canonical.ts';

/** A seeded stream of random numbers: the same seed gives the same numbers on every platform. */
export interface Random {
  /** A uniform 32-bit unsigned integer. */
  uint32(): number;
  /** A uniform integer in [0, n), without modulo bias (1 ≤ n ≤ 2^32). */
  below(n: number): number;
}

/**
 * sfc32 (Chris Doty-Humphrey's small fast counter generator) with its 128-bit state taken from
 * two 64-bit hashes of the seed text, so any string (a number, a run name) is a seed.
 */
export function seededRandom(seed: string): Random {
  let [a, b] = hashString(seed);
  let [c, d] = hashString(`sfc32\u0000${seed}`);
  const uint32 = (): number => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  // The first outputs of a freshly seeded sfc32 are poorly mixed; the usual remedy is to skip them.
  for (let i = 0; i < 15; i++) uint32();
  return {
    uint32,
    below(n: number): number {
      // Reject the top sliver of 2^32 that would make smaller results more likely.
      const limit = 4294967296 - (4294967296 % n);
      for (;;) {
        const x = uint32();
        if (x < limit) return x % n;
      }
    },
  };
}

/** Shuffles an array in place (Fisher–Yates) with the given random stream. */
export function shuffleInPlace<T>(items: T[], random: Random): void {
  for (let k = items.length - 1; k > 0; k--) {
    const j = random.below(k + 1);
    [items[k], items[j]] = [items[j]!, items[k]!];
  }
}
