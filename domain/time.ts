/**
 * Times as people type them on a command line or in a query: ISO 8601
 * (`2026-06-18T10:00:00Z`), a date (`2026-06-18`, midnight UTC), or a
 * duration back from now (`90m`, `24h`, `7d`). The CLI and the REST API read
 * `--since` / `since=` with this one rule.
 */

/** The text is none of the accepted forms; the message names the flag or field. */
export class TimeFormatError extends Error {
  readonly code = 'BAD_TIME';
  constructor(message: string) {
    super(message);
    this.name = 'TimeFormatError';
  }
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Epoch ms of `text`, relative forms counted back from `nowMs`; `flag` names it in the error. */
export function parseTime(text: string, nowMs: number, flag: string): number {
  const relative = /^(\d+)([smhdw])$/.exec(text.trim());
  if (relative !== null) return nowMs - Number(relative[1]) * UNITS[relative[2]!]!;
  const ms = /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(text.trim()) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(ms))
    throw new TimeFormatError(
      `${flag} ${JSON.stringify(text)}: use ISO 8601 (2026-06-18T10:00:00Z), a date, or 24h / 7d`,
    );
  return ms;
}
