import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An uploaded file as the server received it. */
export interface Upload {
  id: string;
  purpose: string;
  filename: string;
  text: string;
}

/** A job on the loopback server: it moves one phase forward each time it is asked for. */
export interface FakeJob {
  id: string;
  model: string;
  training_file: string;
  suffix: string | null;
  hyperparameters: unknown;
  phases: string[];
  at: number;
  cancelled: boolean;
}

/** The OpenAI Files and Fine-tuning APIs on loopback, plus Chat Completions from a function. */
export interface OpenAiApi {
  url: string;
  uploads: Upload[];
  jobs: FakeJob[];
  requests: Array<{ method: string; path: string }>;
  close(): Promise<void>;
}

const HAPPY = ['validating_files', 'queued', 'running', 'running', 'succeeded'];

/**
 * Speaks the real wire shapes: multipart upload to `/v1/files`, `/v1/fine_tuning/jobs` with
 * retrieve, events and cancel, and non-streamed `/v1/chat/completions`. `fail` makes new
 * jobs fail in validation with that message.
 */
export async function openaiApi(options: { fail?: string; chat?: (body: { model: string; messages: Array<{ role: string; content: string }> }) => string } = {}): Promise<OpenAiApi> {
  const uploads: Upload[] = [];
  const jobs: FakeJob[] = [];
  const requests: OpenAiApi['requests'] = [];
  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  const jobJson = (job: FakeJob) => {
    const status = job.cancelled ? 'cancelled' : job.phases[Math.min(job.at, job.phases.length - 1)]!;
    return {
      id: job.id,
      object: 'fine_tuning.job',
      created_at: 1_700_000_000,
      model: job.model,
      training_file: job.training_file,
      validation_file: null,
      status,
      fine_tuned_model: status === 'succeeded' ? `ft:${job.model}:quimbot:${job.suffix ?? 'x'}:${job.id.slice(-6)}` : null,
      trained_tokens: status === 'succeeded' ? 30_000 : null,
      error: status === 'failed' ? { code: 'invalid_training_file', message: options.fail, param: 'training_file' } : null,
      finished_at: null,
      hyperparameters: job.hyperparameters,
      organization_id: 'org-test',
      result_files: [],
      seed: 42,
      estimated_finish: null,
      integrations: null,
      method: { type: 'supervised' },
      metadata: null,
    };
  };
  const server: Server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const path = (req.url ?? '').split('?')[0]!;
    requests.push({ method: req.method ?? '', path });
    if (req.headers.authorization !== 'Bearer sk-test-ft') return json(res, 401, { error: { message: 'Incorrect API key provided', type: 'invalid_request_error' } });
    if (req.method === 'POST' && path === '/v1/files') {
      // Parsed the way any server would: the multipart body through the platform's own parser.
      const form = await new Request('http://x/', { method: 'POST', headers: { 'content-type': req.headers['content-type']! }, body }).formData();
      const file = form.get('file') as File;
      const upload = { id: `file-${uploads.length + 1}`, purpose: String(form.get('purpose')), filename: file.name, text: await file.text() };
      uploads.push(upload);
      return json(res, 200, { id: upload.id, object: 'file', bytes: upload.text.length, created_at: 1_700_000_000, filename: upload.filename, purpose: upload.purpose, status: 'processed' });
    }
    if (req.method === 'POST' && path === '/v1/fine_tuning/jobs') {
      const request = JSON.parse(body.toString()) as { model: string; training_file: string; suffix?: string; method?: { supervised?: { hyperparameters?: unknown } } };
      if (!uploads.some((u) => u.id === request.training_file)) return json(res, 400, { error: { message: `invalid training_file: ${request.training_file}` } });
      const job: FakeJob = {
        id: `ftjob-${String(jobs.length + 1).padStart(6, '0')}`,
        model: request.model,
        training_file: request.training_file,
        suffix: request.suffix ?? null,
        hyperparameters: request.method?.supervised?.hyperparameters ?? {},
        phases: options.fail ? ['validating_files', 'failed'] : HAPPY,
        at: 0,
        cancelled: false,
      };
      jobs.push(job);
      return json(res, 200, jobJson(job));
    }
    const match = /^\/v1\/fine_tuning\/jobs\/([^/]+)(\/events|\/cancel)?$/.exec(path);
    const job = match ? jobs.find((j) => j.id === match[1]) : undefined;
    if (match && !job) return json(res, 404, { error: { message: `No such job: ${match[1]}` } });
    if (job && req.method === 'GET' && !match![2]) {
      const answer = jobJson(job);
      job.at++;
      return json(res, 200, answer);
    }
    if (job && match![2] === '/events') {
      const data = job.phases.slice(0, job.at).map((phase, i) => ({ id: `ftevent-${i}`, object: 'fine_tuning.job.event', created_at: 1_700_000_000 + i, level: 'info', message: `Job entered ${phase}`, type: 'message' }));
      return json(res, 200, { object: 'list', data: data.reverse(), has_more: false });
    }
    if (job && match![2] === '/cancel' && req.method === 'POST') {
      job.cancelled = true;
      return json(res, 200, jobJson(job));
    }
    if (req.method === 'POST' && path === '/v1/chat/completions') {
      const request = JSON.parse(body.toString()) as { model: string; messages: Array<{ role: string; content: string }> };
      const text = options.chat?.(request) ?? `${request.model} says hello.`;
      return json(res, 200, {
        id: `chatcmpl-${requests.length}`,
        object: 'chat.completion',
        created: 1,
        model: request.model,
        choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: 50, completion_tokens: text.split(/\s+/).length, total_tokens: 50 + text.split(/\s+/).length },
      });
    }
    json(res, 404, { error: { message: `no route ${req.method} ${path}` } });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    uploads,
    jobs,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
