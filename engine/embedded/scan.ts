/**
 * Reading a stream forward from a cursor through a filter subject, in pages. Shared by
 * durable consumers (new messages) and replay. An exact filter uses the (subject, seq)
 * index; a wildcard filter pages by seq and matches in JS, so each message is examined once
 * per reader however sparse the matches are. Expired messages are skipped, not returned.
 */
import { subjectMatches } from '../subjects.ts';
import { hasWildcard } from './names.ts';
import type { MsgRow, StreamRecord } from './stream-record.ts';

const PAGE = 512;

export class Scan {
  /** Every seq ≤ cursor has been examined. */
  cursor: number;
  readonly #rec: StreamRecord;
  readonly #filter: string | null;
  readonly #exact: boolean;

  constructor(rec: StreamRecord, cursor: number, filterSubject: string | undefined) {
    this.#rec = rec;
    this.cursor = cursor;
    this.#filter = filterSubject === undefined || filterSubject === '>' ? null : filterSubject;
    this.#exact = this.#filter !== null && !hasWildcard(this.#filter);
  }

  /** Up to `max` matching rows with seq in (cursor, endSeq], advancing the cursor past what was examined. */
  next(max: number, now: number, endSeq: number): MsgRow[] {
    const out: MsgRow[] = [];
    const filter = this.#filter;
    const q = this.#rec.q;
    while (out.length < max && this.cursor < endSeq) {
      // Unfiltered and exact reads return only matches: no need to read more than wanted.
      const limit = filter === null || this.#exact ? Math.min(max - out.length, PAGE) : PAGE;
      const rows =
        filter !== null && this.#exact
          ? q.afterForSubject.all(filter, this.cursor, limit)
          : q.after.all(this.cursor, limit);
      for (const row of rows) {
        if (row.seq > endSeq) {
          this.cursor = endSeq;
          return out;
        }
        if (out.length >= max) return out;
        this.cursor = row.seq;
        if (filter !== null && !this.#exact && !subjectMatches(filter, row.subject)) continue;
        if (this.#rec.isExpired(row.ts, now)) continue;
        out.push(row);
      }
      if (rows.length < limit) {
        // No rows left at all: everything up to endSeq has been examined.
        this.cursor = Math.max(this.cursor, endSeq);
        break;
      }
    }
    return out;
  }
}
