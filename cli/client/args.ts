/**
 * Command-line plumbing for the client commands: a group of subcommands
 * (`scopilot sgt list|set|…`), strict parseArgs per subcommand, and usage
 * errors that always end with the usage line (exit 2).
 */
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import { unknownMessage } from '../suggest.ts';
import { UsageError } from '../usage.ts';
import { ApiClient } from './http.ts';

export interface Subcommand {
  /** After `scopilot <group> `: `set TAG NAME [--json]`. */
  usage: string;
  run(args: string[], client: () => ApiClient): Promise<number>;
}

export interface Group {
  name: string;
  /** One line per subcommand, for `scopilot help`. */
  help: string[];
  /** Subcommand name → its usage line, for `scopilot <group> <sub> --help`; absent without subcommands. */
  subcommands?: Record<string, string>;
  run(args: string[]): Promise<number>;
}

export function group(name: string, subs: Record<string, Subcommand>): Group {
  const subcommands = Object.fromEntries(
    Object.entries(subs).map(([sub, s]) => [sub, `scopilot ${name} ${s.usage}`]),
  );
  const line = `usage: scopilot ${name} ${Object.keys(subs).join('|')} …`;
  return {
    name,
    help: Object.values(subcommands),
    subcommands,
    run: async (args) => {
      const [sub, ...rest] = args;
      if (sub === undefined) throw new UsageError(`missing subcommand; ${line}`);
      const found = Object.hasOwn(subs, sub) ? subs[sub] : undefined;
      if (found === undefined)
        throw new UsageError(
          unknownMessage('subcommand', sub, Object.keys(subs), { prefix: `${name} `, otherwise: line }),
        );
      return found.run(rest, () => new ApiClient());
    },
  };
}

export const JSON_FLAG = { json: { type: 'boolean', default: false } } as const;

/**
 * parseArgs (strict) plus exactly the positionals named in `names`. Every
 * mistake names the usage line.
 */
export function parse<const O extends ParseArgsOptionsConfig>(
  args: string[],
  options: O,
  names: readonly string[],
  usage: string,
) {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: true }>
  >;
  try {
    parsed = parseArgs({ args, options, strict: true, allowPositionals: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; usage: scopilot ${usage}`);
  }
  const { positionals } = parsed;
  if (positionals.length < names.length)
    throw new UsageError(`missing ${names[positionals.length]}; usage: scopilot ${usage}`);
  if (positionals.length > names.length)
    throw new UsageError(`unexpected argument ${positionals[names.length]}; usage: scopilot ${usage}`);
  return { values: parsed.values, positionals: positionals as string[] };
}

/** A whole number in [min, max], or a usage error naming `what`. */
export function integer(text: string, what: string, min: number, max: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`${what} ${JSON.stringify(text)} is not a whole number from ${min} to ${max}`);
  return n;
}

/** `value` if it is one of `allowed`. */
export function oneOf<T extends string>(value: string, allowed: readonly T[], what: string): T {
  if (!(allowed as readonly string[]).includes(value))
    throw new UsageError(`unknown ${what} ${JSON.stringify(value)}; one of ${allowed.join(', ')}`);
  return value as T;
}

/** A required option's value. */
export function required(value: string | undefined, flag: string, usage: string): string {
  if (value === undefined || value.trim() === '')
    throw new UsageError(`${flag} is required; usage: scopilot ${usage}`);
  return value;
}

/** Path segments are user text: encode them. */
export const seg = (text: string): string => encodeURIComponent(text);
