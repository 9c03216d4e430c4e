import { z } from 'zod';

/** Which wire API a provider speaks: OpenAI's (OpenAI, OpenRouter, vLLM, Ollama) or Anthropic's Messages. */
export const PROVIDER_KINDS = ['openai', 'anthropic'] as const;

/** One model provider as configured: its API, where it is, and the variable holding its key. */
export const ProviderSettingsSchema = z
  .object({
    kind: z.enum(PROVIDER_KINDS),
    baseURL: z.url().optional(),
    apiKeyEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/),
  })
  .strict();
/** A configured provider. */
export type ProviderSettings = z.infer<typeof ProviderSettingsSchema>;

/** The providers every workspace knows; a config's `providers` adds to or replaces them by name. */
export const DEFAULT_PROVIDERS: Readonly<Record<string, ProviderSettings>> = {
  openai: { kind: 'openai', apiKeyEnv: 'OPENAI_API_KEY' },
  anthropic: { kind: 'anthropic', apiKeyEnv: 'ANTHROPIC_API_KEY' },
  openrouter: { kind: 'openai', baseURL: 'https://openrouter.ai/api/v1', apiKeyEnv: 'OPENROUTER_API_KEY' },
};

/** US$ per million tokens, by model. */
export type Prices = Readonly<Record<string, { input: number; output: number }>>;

/** Tokens and money one provider call used: what goes into the cost ledger. */
export interface Usage {
  provider: string;
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** US$, when the price is known. */
  costUsd?: number;
}

/** What a provider-facing tool may use: the providers, their prices, the keys, and the ledger. */
export interface ProviderAccess {
  providers: Readonly<Record<string, ProviderSettings>>;
  prices: Prices;
  env: NodeJS.ProcessEnv;
  /** Records a call in the cost ledger. */
  usage(usage: Usage): void;
}

/** US$ for the tokens at the model's price; 0 when the price is unknown (the ledger still counts the tokens). */
export function costOf(prices: Prices, model: string, inputTokens: number, outputTokens: number): number {
  const price = prices[model];
  return price ? (inputTokens * price.input + outputTokens * price.output) / 1e6 : 0;
}
