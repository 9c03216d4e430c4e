import { anthropicClient, openaiClient, providerSettings } from './clients.ts';
import { ProviderError, toProviderError } from './errors.ts';
import { withRequestSignal } from './request-signal.ts';
import type { ProviderAccess } from './settings.ts';

/** One chat request, the same for every provider. */
export interface ChatRequest {
  provider: string;
  model: string;
  system?: string;
  messages: ReadonlyArray<{ role: 'user' | 'assistant'; content: string }>;
  maxTokens: number;
  temperature?: number;
  signal?: AbortSignal;
}

/** The answer, its usage and how long it took. */
export interface ChatAnswer {
  text: string;
  inputTokens: number;
  outputTokens: number;
  latencyMs: number;
}

/**
 * Sends one chat request to an OpenAI-compatible or Anthropic provider and returns the text.
 * Failures come back as ProviderError ("HTTP 402 Payment Required: …"); an abort as thrown.
 */
export async function chat(access: ProviderAccess, request: ChatRequest): Promise<ChatAnswer> {
  const { kind } = providerSettings(access, request.provider);
  const started = performance.now();
  try {
    if (kind === 'anthropic') {
      const client = await anthropicClient(access, request.provider);
      const message = await withRequestSignal(request.signal, (signal) =>
        client.messages.create(
          {
            model: request.model,
            max_tokens: request.maxTokens,
            messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
            ...(request.system ? { system: request.system } : {}),
            ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
          },
          { signal },
        ),
      );
      const text = message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('');
      return { text, inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens, latencyMs: performance.now() - started };
    }
    const client = await openaiClient(access, request.provider);
    const completion = await withRequestSignal(request.signal, (signal) =>
      client.chat.completions.create(
        {
          model: request.model,
          max_completion_tokens: request.maxTokens,
          messages: [...(request.system ? [{ role: 'system' as const, content: request.system }] : []), ...request.messages.map((m) => ({ role: m.role, content: m.content }))],
          ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        },
        { signal },
      ),
    );
    const text = completion.choices[0]?.message?.content;
    if (typeof text !== 'string') throw new ProviderError('BAD_RESPONSE', `${request.provider} answered without text (finish reason ${completion.choices[0]?.finish_reason ?? 'none'})`);
    return { text, inputTokens: completion.usage?.prompt_tokens ?? 0, outputTokens: completion.usage?.completion_tokens ?? 0, latencyMs: performance.now() - started };
  } catch (error) {
    throw toProviderError(error, request.provider);
  }
}
