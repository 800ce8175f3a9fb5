/**
 * The arguments of `analyze`, read here rather than by node:util's parseArgs:
 * loading node:util costs more of a small analyze's start-up (tens of ms) than
 * these few string options are worth. The rules are parseArgs's strict ones:
 * `--name value` or `--name=value`, the last of a repeated option wins, `-`
 * is an input (stdin), everything after `--` is an input, and an unknown
 * option or a missing value is bad usage.
 */
import { UsageError } from './usage.ts';

export const ANALYZE_OPTIONS = [
  'sgt',
  'format',
  'since',
  'until',
  'classifier',
  'mode',
  'out',
  'jobs',
] as const;
export type AnalyzeOption = (typeof ANALYZE_OPTIONS)[number];

export interface AnalyzeArgs {
  values: Partial<Record<AnalyzeOption, string>>;
  positionals: string[];
}

const isOption = (name: string): name is AnalyzeOption =>
  (ANALYZE_OPTIONS as readonly string[]).includes(name);

export function parseAnalyzeArgs(args: readonly string[]): AnalyzeArgs {
  const values: Partial<Record<AnalyzeOption, string>> = {};
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (arg === '-' || !arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') ? arg.slice(2, eq === -1 ? undefined : eq) : '';
    if (!isOption(name)) throw new UsageError(`unknown option '${eq === -1 ? arg : arg.slice(0, eq)}'`);
    if (eq !== -1) {
      values[name] = arg.slice(eq + 1);
      continue;
    }
    const value = args[i + 1];
    if (value === undefined || (value.startsWith('-') && value !== '-'))
      throw new UsageError(
        `option '--${name} <value>' needs a value (write --${name}=VALUE for one starting with -)`,
      );
    values[name] = value;
    i++;
  }
  return { values, positionals };
}
