/** What fine-tuning a model costs and how long one training example may be. */
export interface FineTuneModel {
  /** Tokens one training example may hold. */
  contextLimit: number;
  /** US dollars per million training tokens. */
  pricePerMillion: number;
  encoding: 'o200k_base' | 'cl100k_base';
  /** Whether examples may contain images (vision fine-tuning). */
  vision: boolean;
}

/**
 * Published fine-tuning limits and prices of OpenAI's models (per million training tokens).
 * The configuration can override any of them; an unknown model needs explicit numbers.
 *
 * Vision: OpenAI's vision fine-tuning guide (https://developers.openai.com/api/docs/guides/vision-fine-tuning)
 * lists one model to use it with, gpt-4o-2024-08-06; the gpt-4.1 family is not listed there
 * (Azure OpenAI's guide lists gpt-4.1-2025-04-14 as well, for Azure). A configuration can say
 * `vision: true` for another model.
 */
export const FINE_TUNE_MODELS: Record<string, FineTuneModel> = {
  'gpt-4o-mini-2024-07-18': { contextLimit: 65_536, pricePerMillion: 3, encoding: 'o200k_base', vision: false },
  'gpt-4o-2024-08-06': { contextLimit: 65_536, pricePerMillion: 25, encoding: 'o200k_base', vision: true },
  'gpt-4.1-2025-04-14': { contextLimit: 65_536, pricePerMillion: 25, encoding: 'o200k_base', vision: false },
  'gpt-4.1-mini-2025-04-14': { contextLimit: 65_536, pricePerMillion: 5, encoding: 'o200k_base', vision: false },
  'gpt-4.1-nano-2025-04-14': { contextLimit: 65_536, pricePerMillion: 1.5, encoding: 'o200k_base', vision: false },
  'gpt-3.5-turbo-0125': { contextLimit: 16_385, pricePerMillion: 8, encoding: 'cl100k_base', vision: false },
};

const ALIASES: Record<string, string> = {
  'gpt-4o-mini': 'gpt-4o-mini-2024-07-18',
  'gpt-4o': 'gpt-4o-2024-08-06',
  'gpt-4.1': 'gpt-4.1-2025-04-14',
  'gpt-4.1-mini': 'gpt-4.1-mini-2025-04-14',
  'gpt-4.1-nano': 'gpt-4.1-nano-2025-04-14',
  'gpt-3.5-turbo': 'gpt-3.5-turbo-0125',
};

/** Fine-tuning models as a configuration gives them, by name or alias: any field overrides the published one. */
export type FineTuneModels = Readonly<Record<string, Partial<FineTuneModel>>>;

/**
 * What is known of a model, by its full name or short alias: the published numbers with what
 * `configured` says of it on top (under either name). The tokenizer defaults to o200k, vision to none.
 */
export function fineTuneSpec(name: string, configured: FineTuneModels = {}): Partial<FineTuneModel> & Pick<FineTuneModel, 'encoding' | 'vision'> & { name: string } {
  const full = ALIASES[name] ?? name;
  return { encoding: 'o200k_base', vision: false, ...FINE_TUNE_MODELS[full], ...configured[full], ...configured[name], name: full };
}

/** The model's limits, price and vision (see `fineTuneSpec`); null when its context limit or price is unknown. */
export function fineTuneModel(name: string, configured: FineTuneModels = {}): (FineTuneModel & { name: string }) | null {
  const { contextLimit, pricePerMillion, encoding, vision, name: full } = fineTuneSpec(name, configured);
  return contextLimit !== undefined && pricePerMillion !== undefined ? { name: full, contextLimit, pricePerMillion, encoding, vision } : null;
}
