/**
 * RFC 9457 problem details. Every error the edge returns goes through here,
 * so clients can rely on one shape: type, title, status, detail.
 */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problem(p: Problem): Response {
  return new Response(JSON.stringify({ type: 'about:blank', ...p }), {
    status: p.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE },
  });
}
