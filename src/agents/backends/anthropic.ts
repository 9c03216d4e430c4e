import type Anthropic from '@anthropic-ai/sdk';
import type { MessageParam, ToolResultBlockParam } from '@anthropic-ai/sdk/resources/messages';
import { withRequestSignal } from '../../providers/index.ts';
import type { AgentBackend, RunResult } from '../backend.ts';
import { apiKey, Budget, callForModel, summaryOf, systemPrompt, toolDefs } from './loop.ts';

const DEFAULT_MODEL = 'claude-sonnet-4-5';

/**
 * Claude-style agents: the Messages API through `@anthropic-ai/sdk`, streamed, with the agent's
 * registry tools as tool definitions, looping while the model asks for tools. Retries are the
 * scheduler's (it honours `retry-after`), so the SDK's own are off.
 */
export function anthropicBackend(options: { env?: NodeJS.ProcessEnv } = {}): AgentBackend {
  return {
    kind: 'anthropic',
    async run(context): Promise<RunResult> {
      const { agent } = context;
      // Loaded on first use: an offline team never pays for the SDK.
      const { default: AnthropicClient } = await import('@anthropic-ai/sdk');
      const client = new AnthropicClient({
        apiKey: apiKey(context, 'ANTHROPIC_API_KEY', options.env),
        ...(agent.baseURL ? { baseURL: agent.baseURL } : {}),
        maxRetries: 0,
        timeout: agent.timeoutMs,
      });
      const model = agent.model ?? DEFAULT_MODEL;
      const tools = toolDefs(context.tools).map((t) => ({ name: t.name, description: t.description, input_schema: t.schema as Anthropic.Tool.InputSchema }));
      const messages: MessageParam[] = [{ role: 'user', content: context.prompt }];
      const budget = new Budget(context);
      for (;;) {
        // A turn's stream on a signal of its own: the SDK never removes the listener it adds.
        const message = await withRequestSignal(context.signal, (signal) => {
          const stream = client.messages.stream({ model, max_tokens: agent.maxTokens, system: systemPrompt(context), messages, ...(tools.length ? { tools } : {}) }, { signal });
          stream.on('text', (delta) => context.output(delta));
          return stream.finalMessage();
        });
        context.usage({ provider: 'anthropic', model, inputTokens: message.usage.input_tokens, outputTokens: message.usage.output_tokens });
        messages.push({ role: 'assistant', content: message.content });
        const calls = message.content.filter((block) => block.type === 'tool_use');
        const text = message.content.flatMap((block) => (block.type === 'text' ? [block.text] : [])).join('\n');
        if (calls.length === 0 || message.stop_reason !== 'tool_use') return { summary: summaryOf(text) };
        budget.spend(message.usage.input_tokens, message.usage.output_tokens);
        const results: ToolResultBlockParam[] = [];
        for (const call of calls) {
          context.output(`\n→ ${call.name} ${JSON.stringify(call.input)}\n`);
          const result = await callForModel(context, call.name, call.input);
          results.push({ type: 'tool_result', tool_use_id: call.id, content: result.content, ...(result.isError ? { is_error: true } : {}) });
        }
        messages.push({ role: 'user', content: results });
      }
    },
  };
}
