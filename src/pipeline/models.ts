/** What fine-tuning a model costs and how long one training example may be. */
export interface FineTuneModel {
  /** Tokens one training example may hold. */
  contextLimit: number;
  /** US dollars per million training tokens. */
  pricePerMillion: number;
  encoding: 'o200k_base' | 'cl100k_base';
}

/**
 * Published fine-tuning limits and prices of OpenAI's models (per million training tokens).
 * The configuration can override any of them; an unknown model needs explicit numbers.
 */
export const FINE_TUNE_MODELS: Record<string, FineTuneModel> = {
  'gpt-4o-mini-2024-07-18': { contextLimit: 65_536, pricePerMillion: 3, encoding: 'o200k_base' },
  'gpt-4o-2024-08-06': { contextLimit: 65_536, pricePerMillion: 25, encoding: 'o200k_base' },
  'gpt-4.1-2025-04-14': { contextLimit: 65_536, pricePerMillion: 25, encoding: 'o200k_base' },
  'gpt-4.1-mini-2025-04-14': { contextLimit: 65_536, pricePerMillion: 5, encoding: 'o200k_base' },
  'gpt-4.1-nano-2025-04-14': { contextLimit: 65_536, pricePerMillion: 1.5, encoding: 'o200k_base' },
  'gpt-3.5-turbo-0125': { contextLimit: 16_385, pricePerMillion: 8, encoding: 'cl100k_base' },
};

const ALIASES: Record<string, string> = {
  'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
  'gpt-4o': 'gpt-4o-2024-08-06',
  'gpt-4.1': 'gpt-4.1-2025-04-14',
  'gpt-4.1-mini': 'gpt-4.1-mini-2025-04-14',
  'gpt-4.1-nano': 'gpt-4.1-nano-2025-04-14',
  'gpt-3.5-turbo': 'gpt-3.5-turbo-0125',
};

/** The model's limits and price, by its full name or short alias; null when unknown. */
export function fineTuneModel(name: string): (FineTuneModel & { name: string }) | null {
  const full = ALIASES[name] ?? name;
  const model = FINE_TUNE_MODELS[full];
  return model ? { name: full, ...model } : null;
}
