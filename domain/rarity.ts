/**
 * Rare traffic: a flow seen on few of the days the product has watched its
 * tenant, which an approver should look at twice (a quarterly job, a one-off
 * transfer, an intruder's probe). Rarity needs a window to be measured in:
 * in a tenant's first days every flow has been seen on few days, so until the
 * tenant has been watched for a full week (long enough for weekly patterns to
 * show) or the rare threshold, whichever is longer, nothing is rare.
 *
 * Days are UTC days, counted like a flow's days seen (both ends included), and
 * watching begins at the first observed traffic (the earliest first-seen of the
 * tenant's inventory, kept in `scopilot_state` as `watch.<t>`).
 */

const DAY_MS = 86_400_000;

/** A tenant must have been watched for this many days before any flow is rare. */
export const RARE_WINDOW_DAYS = 7;

/** Distinct UTC days from the day watching began to `nowMs`, both included; 0 when it has not begun. */
export function daysWatched(sinceMs: number | null, nowMs: number): number {
  if (sinceMs === null) return 0;
  return Math.max(0, Math.floor(nowMs / DAY_MS) - Math.floor(sinceMs / DAY_MS) + 1);
}

/** Seen on fewer than `rareDays` days, out of a window long enough for that to mean something. */
export function isRare(daysSeen: number, watched: number, rareDays: number): boolean {
  return watched >= Math.max(RARE_WINDOW_DAYS, rareDays) && daysSeen < rareDays;
}
