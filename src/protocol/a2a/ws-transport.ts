import {
  A2A_PROTOCOL_VERSION,
  AgentCard,
  CancelTaskRequest,
  DeleteTaskPushNotificationConfigRequest,
  GetExtendedAgentCardRequest,
  GetTaskPushNotificationConfigRequest,
  GetTaskRequest,
  ListTaskPushNotificationConfigsRequest,
  ListTaskPushNotificationConfigsResponse,
  ListTasksRequest,
  ListTasksResponse,
  SendMessageRequest,
  SendMessageResponse,
  StreamResponse,
  SubscribeToTaskRequest,
  Task,
  TaskPushNotificationConfig,
} from '@a2a-js/sdk';
import type { RequestOptions, Transport } from '@a2a-js/sdk/client';
import { A2A_WS_BINDING } from './ws-frames.ts';
import type { PeerSocket } from './ws-client.ts';

/** Counts of requests by the way they went, for the peers report and the bench. */
export interface TransportCounts {
  socket: number;
  http: number;
}

/**
 * The SDK client's `Transport` over a peer's persistent socket, with the peer's HTTP JSON-RPC
 * transport behind it: each request goes over the socket when it is open and over HTTP when
 * it is not (the socket meanwhile reconnects on its own). Requests and results are the SDK's
 * own JSON forms, as its HTTP transport sends them. A request the socket drops mid-flight fails
 * with `PeerSocketError` and is not resent here: only the caller knows whether that is safe.
 */
export class SocketTransport implements Transport {
  readonly counts: TransportCounts = { socket: 0, http: 0 };

  constructor(
    private readonly socket: PeerSocket,
    private readonly http: Transport,
  ) {}

  get protocolName(): string {
    return A2A_WS_BINDING;
  }

  get protocolVersion(): string {
    return A2A_PROTOCOL_VERSION;
  }

  getExtendedAgentCard(params: GetExtendedAgentCardRequest, options?: RequestOptions): Promise<AgentCard> {
    return this.#call('GetExtendedAgentCard', GetExtendedAgentCardRequest.toJSON(params), options, AgentCard.fromJSON, () => this.http.getExtendedAgentCard(params, options));
  }

  sendMessage(params: SendMessageRequest, options?: RequestOptions) {
    return this.#call('SendMessage', SendMessageRequest.toJSON(params), options, messageOrTask, () => this.http.sendMessage(params, options));
  }

  sendMessageStream(params: SendMessageRequest, options?: RequestOptions): AsyncGenerator<StreamResponse, void, undefined> {
    return this.#stream('SendStreamingMessage', SendMessageRequest.toJSON(params), options, () => this.http.sendMessageStream(params, options));
  }

  createTaskPushNotificationConfig(params: TaskPushNotificationConfig, options?: RequestOptions): Promise<TaskPushNotificationConfig> {
    return this.#call('CreateTaskPushNotificationConfig', TaskPushNotificationConfig.toJSON(params), options, TaskPushNotificationConfig.fromJSON, () => this.http.createTaskPushNotificationConfig(params, options));
  }

  getTaskPushNotificationConfig(params: GetTaskPushNotificationConfigRequest, options?: RequestOptions): Promise<TaskPushNotificationConfig> {
    return this.#call('GetTaskPushNotificationConfig', GetTaskPushNotificationConfigRequest.toJSON(params), options, TaskPushNotificationConfig.fromJSON, () => this.http.getTaskPushNotificationConfig(params, options));
  }

  listTaskPushNotificationConfig(params: ListTaskPushNotificationConfigsRequest, options?: RequestOptions): Promise<ListTaskPushNotificationConfigsResponse> {
    return this.#call('ListTaskPushNotificationConfigs', ListTaskPushNotificationConfigsRequest.toJSON(params), options, ListTaskPushNotificationConfigsResponse.fromJSON, () => this.http.listTaskPushNotificationConfig(params, options));
  }

  deleteTaskPushNotificationConfig(params: DeleteTaskPushNotificationConfigRequest, options?: RequestOptions): Promise<void> {
    return this.#call('DeleteTaskPushNotificationConfig', DeleteTaskPushNotificationConfigRequest.toJSON(params), options, () => undefined, () => this.http.deleteTaskPushNotificationConfig(params, options));
  }

  getTask(params: GetTaskRequest, options?: RequestOptions): Promise<Task> {
    return this.#call('GetTask', GetTaskRequest.toJSON(params), options, Task.fromJSON, () => this.http.getTask(params, options));
  }

  cancelTask(params: CancelTaskRequest, options?: RequestOptions): Promise<Task> {
    return this.#call('CancelTask', CancelTaskRequest.toJSON(params), options, Task.fromJSON, () => this.http.cancelTask(params, options));
  }

  listTasks(params: ListTasksRequest, options?: RequestOptions): Promise<ListTasksResponse> {
    return this.#call('ListTasks', ListTasksRequest.toJSON(params), options, ListTasksResponse.fromJSON, () => this.http.listTasks(params, options));
  }

  resubscribeTask(params: SubscribeToTaskRequest, options?: RequestOptions): AsyncGenerator<StreamResponse, void, undefined> {
    return this.#stream('SubscribeToTask', SubscribeToTaskRequest.toJSON(params), options, () => this.http.resubscribeTask(params, options));
  }

  async #call<T>(method: string, params: unknown, options: RequestOptions | undefined, decode: (json: unknown) => T, overHttp: () => Promise<T>): Promise<T> {
    if (this.socket.state !== 'open') {
      this.counts.http++;
      return overHttp();
    }
    this.counts.socket++;
    return decode(await this.socket.request(method, params, options?.signal, options?.serviceParameters));
  }

  async *#stream(method: string, params: unknown, options: RequestOptions | undefined, overHttp: () => AsyncGenerator<StreamResponse, void, undefined>): AsyncGenerator<StreamResponse, void, undefined> {
    if (this.socket.state !== 'open') {
      this.counts.http++;
      yield* overHttp();
      return;
    }
    this.counts.socket++;
    for await (const event of this.socket.stream(method, params, options?.signal, options?.serviceParameters)) yield StreamResponse.fromJSON(event);
  }
}

/** A SendMessage result: the task, or the agent's direct message. */
function messageOrTask(json: unknown) {
  const payload = SendMessageResponse.fromJSON(json).payload;
  if (!payload) throw new Error('SendMessage answered without a task or a message');
  return payload.value;
}
