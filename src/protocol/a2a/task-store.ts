import { Task, TaskState } from '@a2a-js/sdk';
import type { ListTasksRequest, ListTasksResponse } from '@a2a-js/sdk';
import type { TaskStore } from '@a2a-js/sdk/server';
import type { Store } from '../../store/index.ts';

const PAGE = 50;
const MAX_PAGE = 100;

/** A2A tasks kept in the daemon's state file, so a restart does not forget them. */
export class StateTaskStore implements TaskStore {
  constructor(private readonly store: Store) {}

  async save(task: Task): Promise<void> {
    await this.store.saveTask(task.id, Task.toJSON(task));
  }

  async load(taskId: string): Promise<Task | undefined> {
    const json = this.store.state.a2aTasks[taskId];
    return json === undefined ? undefined : Task.fromJSON(json);
  }

  async list(params: ListTasksRequest): Promise<ListTasksResponse> {
    const after = params.statusTimestampAfter ? Date.parse(params.statusTimestampAfter) : null;
    const all = Object.values(this.store.state.a2aTasks)
      .map((json) => Task.fromJSON(json))
      .filter((task) => !params.contextId || task.contextId === params.contextId)
      .filter((task) => !params.status || task.status?.state === params.status)
      .filter((task) => after === null || Date.parse(task.status?.timestamp ?? '') > after)
      .sort((a, b) => (b.status?.timestamp ?? '').localeCompare(a.status?.timestamp ?? ''));
    const size = Math.min(MAX_PAGE, params.pageSize || PAGE);
    const from = Number(params.pageToken || 0) || 0;
    const tasks = all.slice(from, from + size);
    return { tasks, nextPageToken: from + size < all.length ? String(from + size) : '', pageSize: size, totalSize: all.length };
  }

  /** Tasks still open (submitted or working), to follow again after a restart. */
  open(): Task[] {
    return Object.values(this.store.state.a2aTasks)
      .map((json) => Task.fromJSON(json))
      .filter((task) => task.status?.state === TaskState.TASK_STATE_SUBMITTED || task.status?.state === TaskState.TASK_STATE_WORKING);
  }
}
