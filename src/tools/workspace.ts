import { isAbsolute, relative, resolve } from 'node:path';
import { ToolError } from './errors.ts';

/**
 * A path resolver for tool arguments. Confined (MCP, A2A, agents): a path may not leave the
 * workspace. Unconfined (the local CLI, which runs as its user): paths resolve from the cwd.
 */
export function workspaceResolver(workspace: string, confine: boolean): (path: string) => string {
  const root = resolve(workspace);
  return (path: string) => {
    const full = resolve(root, path);
    const rel = relative(root, full);
    if (confine && (rel.startsWith('..') || isAbsolute(rel))) {
      throw new ToolError('PATH_OUTSIDE_WORKSPACE', `${path}: outside the workspace ${root}`, { path });
    }
    return full;
  };
}
