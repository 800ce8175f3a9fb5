/**
 * Requests the edge makes to itself: an MCP tool calls the REST API in
 * process, with its caller's token. The MCP request was counted against the
 * caller's requests per minute as it came in; the calls a tool makes for it
 * are not counted again. They are marked by object identity, which no request
 * from outside can carry.
 */
const inner = new WeakSet<Request>();

export function markInner(request: Request): Request {
  inner.add(request);
  return request;
}

export const isInner = (request: Request): boolean => inner.has(request);
