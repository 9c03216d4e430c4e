export { addToolCommands, parseToolCommand } from './argv.ts';
export type { ToolInvocation } from './argv.ts';
export { ToolError } from './errors.ts';
export type { ToolErrorCode } from './errors.ts';
export { findTool, TOOL_GROUPS, TOOLS } from './registry.ts';
export { describeIssues, runTool } from './run.ts';
export { defineTool } from './tool.ts';
export type { AnyTool, Progress, ToolAnnotations, ToolContext, ToolDefinition } from './tool.ts';
export { workspaceResolver } from './workspace.ts';
