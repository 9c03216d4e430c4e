import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { withRequestSignal } from '../../providers/index.ts';
import type { AgentBackend, RunResult } from '../backend.ts';
import { apiKey, Budget, callForModel, summaryOf, systemPrompt, toolDefs } from './loop.ts';

const DEFAULT_MODEL = 'gpt-4.1-mini';

/**
 * Codex-style agents: Chat Completions function calling through the `openai` SDK, streamed,
 * against any compatible `baseURL` (OpenAI, OpenRouter, vLLM, Ollama, LM Studio).
 */
export function openaiBackend(options: { env?: NodeJS.ProcessEnv } = {}): AgentBackend {
  return {
    kind: 'openai',
    async run(context): Promise<RunResult> {
      const { agent } = context;
      // Loaded on first use: an offline team never pays for the SDK.
      const { default: OpenAI } = await import('openai');
      const client = new OpenAI({
        apiKey: apiKey(context, 'OPENAI_API_KEY', options.env),
        ...(agent.baseURL ? { baseURL: agent.baseURL } : {}),
        maxRetries: 0,
        timeout: agent.timeoutMs,
      });
      const model = agent.model ?? DEFAULT_MODEL;
      const tools: ChatCompletionTool[] = toolDefs(context.tools).map((t) => ({
        type: 'function',
        function: { name: t.name, description: t.description, parameters: t.schema },
      }));
      const messages: ChatCompletionMessageParam[] = [
        { role: 'system', content: systemPrompt(context) },
        { role: 'user', content: context.prompt },
      ];
      const budget = new Budget(context);
      for (;;) {
        // A turn's stream on a signal of its own: the SDK never removes the listener it adds.
        const completion = await withRequestSignal(context.signal, (signal) => {
          const stream = client.chat.completions.stream(
            { model, messages, max_completion_tokens: agent.maxTokens, stream_options: { include_usage: true }, ...(tools.length ? { tools } : {}) },
            { signal },
          );
          stream.on('content', (delta) => context.output(delta));
          return stream.finalChatCompletion();
        });
        const usage = { input: completion.usage?.prompt_tokens ?? 0, output: completion.usage?.completion_tokens ?? 0 };
        context.usage({ provider: 'openai', model, inputTokens: usage.input, outputTokens: usage.output });
        const message = completion.choices[0]?.message;
        const calls = (message?.tool_calls ?? []).filter((call) => call.type === 'function');
        if (!message || calls.length === 0) return { summary: summaryOf(message?.content ?? '') };
        budget.spend(usage.input, usage.output);
        messages.push({ role: 'assistant', content: message.content ?? null, tool_calls: calls });
        for (const call of calls) {
          context.output(`\n→ ${call.function.name} ${call.function.arguments}\n`);
          let args: unknown;
          try {
            args = JSON.parse(call.function.arguments || '{}');
          } catch {
            messages.push({ role: 'tool', tool_call_id: call.id, content: `error: the arguments are not JSON: ${call.function.arguments}` });
            continue;
          }
          const result = await callForModel(context, call.function.name, args);
          messages.push({ role: 'tool', tool_call_id: call.id, content: result.content });
        }
      }
    },
  };
}
