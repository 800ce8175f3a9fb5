/**
 * Reading the configuration from the environment. Every bad or unknown
 * `SCOPILOT_*` variable is collected into one ConfigError, so an operator
 * fixes them all in one go instead of one per restart.
 */
import * as v from 'valibot';
import { CLIENT_VARIABLE_PREFIXES, CLIENT_VARIABLES, type Config, ConfigSchema } from './schema.ts';

const PREFIX = 'SCOPILOT_';

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

const camel = (snake: string): string =>
  snake.toLowerCase().replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
const snake = (camelName: string): string => camelName.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

/** `['api', 'requireAuth']` → `SCOPILOT_API__REQUIRE_AUTH`. */
export const envName = (path: readonly string[]): string => PREFIX + path.map(snake).join('__');

const isClientVariable = (name: string): boolean =>
  (CLIENT_VARIABLES as readonly string[]).includes(name) ||
  CLIENT_VARIABLE_PREFIXES.some((p) => name.startsWith(p));

/** Turn `SCOPILOT_*` variables into the nested input of ConfigSchema. */
function nest(env: Record<string, string | undefined>): Record<string, unknown> {
  const tree: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(PREFIX) || value === undefined || isClientVariable(name)) continue;
    // An empty variable means "not set", as in most .env tooling.
    if (value === '') continue;
    const path = name.slice(PREFIX.length).split('__').map(camel);
    let node = tree;
    for (const part of path.slice(0, -1)) {
      const next = node[part];
      node[part] = typeof next === 'object' && next !== null ? next : {};
      node = node[part] as Record<string, unknown>;
    }
    node[path[path.length - 1] as string] = value;
  }
  return tree;
}

function describe(issue: v.BaseIssue<unknown>): string {
  const keys = (issue.path ?? []).map((item) => item.key);
  // The variable is the leading run of names; the rest is inside its JSON value.
  const cut = keys.findIndex((k) => typeof k !== 'string');
  const variable = envName((cut === -1 ? keys : keys.slice(0, cut)).map(String));
  const inside =
    cut === -1
      ? ''
      : keys
          .slice(cut)
          .map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`))
          .join('');
  if (issue.type === 'strict_object' && issue.input !== undefined && cut === -1)
    return `${variable}: unknown setting`;
  return `${variable}${inside}: ${issue.message}`;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const result = v.safeParse(ConfigSchema, nest(env));
  if (result.success) return result.output;
  throw new ConfigError([...new Set(result.issues.map(describe))]);
}
