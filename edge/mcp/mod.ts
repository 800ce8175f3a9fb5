/** Public surface of edge/mcp/: the MCP server, its `/mcp` routes and the REST API backends its tools call. */
export {
  type ApiCall,
  type ApiRequest,
  type ApiResponse,
  channelHeaders,
  inProcessApi,
  readBody,
  TITLES,
} from './api.ts';
export { clientOfSession, MCP_PATH, type McpRoutesOptions, mcpRoutes, sessionFor } from './http.ts';
export {
  createMcpServer,
  enabledTools,
  type McpServerOptions,
  NO_GATES,
  SERVER_NAME,
  SERVER_VERSION,
  TOOLS,
} from './server.ts';
export { Gate, type Gates } from './tool.ts';
