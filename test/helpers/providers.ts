import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One scripted reply of a loopback provider: an HTTP error, a tool call, or text. */
export type Reply =
  | { status: number; headers?: Record<string, string>; error: string }
  | { tool: { name: string; input: unknown } }
  | { text: string };

/** Replies in order, or a function of the request body and its number (from 1). */
export type Script = Reply[] | ((body: Record<string, unknown>, n: number) => Reply | Promise<Reply>);

/** A loopback server speaking a provider's real HTTP API from a script, recording every request body. */
export interface Provider {
  url: string;
  requests: Array<Record<string, unknown>>;
  close(): Promise<void>;
}

async function serve(
  path: string,
  script: Script,
  write: (res: ServerResponse, reply: Exclude<Reply, { status: number }>, n: number) => void,
  errorBody: (message: string, status: number) => unknown,
  json: (reply: Exclude<Reply, { status: number }>, n: number) => unknown,
): Promise<Provider> {
  const requests: Array<Record<string, unknown>> = [];
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (req.method !== 'POST' || req.url !== path) {
      res.writeHead(404).end();
      return;
    }
    const request = JSON.parse(body) as Record<string, unknown>;
    requests.push(request);
    const reply = typeof script === 'function' ? await script(request, requests.length) : (script[requests.length - 1] ?? { text: 'nothing more to do' });
    if ('status' in reply) {
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers }).end(JSON.stringify(errorBody(reply.error, reply.status)));
      return;
    }
    if (request.stream !== true) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(json(reply, requests.length)));
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    write(res, reply, requests.length);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The Anthropic Messages API (`POST /v1/messages`, streamed as server-sent events). */
export function anthropicProvider(script: Script): Promise<Provider> {
  return serve(
    '/v1/messages',
    script,
    (res, reply, n) => {
      const event = (type: string, data: Record<string, unknown>) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
      event('message_start', {
        message: { id: `msg_${n}`, type: 'message', role: 'assistant', model: 'claude-test', content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 100, output_tokens: 1 } },
      });
      if ('tool' in reply) {
        event('content_block_start', { index: 0, content_block: { type: 'tool_use', id: `toolu_${n}`, name: reply.tool.name, input: {} } });
        const json = JSON.stringify(reply.tool.input);
        const half = Math.floor(json.length / 2);
        event('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: json.slice(0, half) } });
        event('content_block_delta', { index: 0, delta: { type: 'input_json_delta', partial_json: json.slice(half) } });
        event('content_block_stop', { index: 0 });
      } else {
        event('content_block_start', { index: 0, content_block: { type: 'text', text: '' } });
        for (const piece of reply.text.match(/[\s\S]{1,8}/g) ?? []) event('content_block_delta', { index: 0, delta: { type: 'text_delta', text: piece } });
        event('content_block_stop', { index: 0 });
      }
      event('message_delta', { delta: { stop_reason: 'tool' in reply ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: 20 } });
      event('message_stop', {});
    },
    (message, status) => ({ type: 'error', error: { type: status === 429 ? 'rate_limit_error' : 'invalid_request_error', message } }),
    (reply, n) => ({
      id: `msg_${n}`,
      type: 'message',
      role: 'assistant',
      model: 'claude-test',
      content: 'tool' in reply ? [{ type: 'tool_use', id: `toolu_${n}`, name: reply.tool.name, input: reply.tool.input }] : [{ type: 'text', text: reply.text }],
      stop_reason: 'tool' in reply ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: { input_tokens: 100, output_tokens: 20 },
    }),
  );
}

/** The OpenAI Chat Completions API (`POST /v1/chat/completions`, streamed chunks then `[DONE]`). */
export function openaiProvider(script: Script): Promise<Provider> {
  return serve(
    '/v1/chat/completions',
    script,
    (res, reply, n) => {
      const chunk = (choices: unknown[], extra: Record<string, unknown> = {}) =>
        res.write(`data: ${JSON.stringify({ id: `chatcmpl-${n}`, object: 'chat.completion.chunk', created: 1, model: 'gpt-test', choices, ...extra })}\n\n`);
      chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
      if ('tool' in reply) {
        const json = JSON.stringify(reply.tool.input);
        chunk([{ index: 0, delta: { tool_calls: [{ index: 0, id: `call_${n}`, type: 'function', function: { name: reply.tool.name, arguments: '' } }] }, finish_reason: null }]);
        chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: json.slice(0, 5) } }] }, finish_reason: null }]);
        chunk([{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: json.slice(5) } }] }, finish_reason: null }]);
        chunk([{ index: 0, delta: {}, finish_reason: 'tool_calls' }]);
      } else {
        for (const piece of reply.text.match(/[\s\S]{1,8}/g) ?? []) chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]);
        chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]);
      }
      chunk([], { usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 } });
      res.write('data: [DONE]\n\n');
    },
    (message) => ({ error: { message, type: 'insufficient_quota', param: null, code: null } }),
    (reply, n) => ({
      id: `chatcmpl-${n}`,
      object: 'chat.completion',
      created: 1,
      model: 'gpt-test',
      choices: [
        'tool' in reply
          ? { index: 0, message: { role: 'assistant', content: null, tool_calls: [{ id: `call_${n}`, type: 'function', function: { name: reply.tool.name, arguments: JSON.stringify(reply.tool.input) } }] }, finish_reason: 'tool_calls' }
          : { index: 0, message: { role: 'assistant', content: reply.text }, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: 100, completion_tokens: 20, total_tokens: 120 },
    }),
  );
}
