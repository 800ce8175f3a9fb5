/**
 * Backup and restore of the embedded engine's data directory (one bun:sqlite file).
 *
 * The running engine holds its database in exclusive locking mode, so no other
 * process can read it consistently while it serves: both operations take the data
 * directory's lock first and refuse, naming the owner, while a server runs. A backup is
 * `VACUUM INTO` a new file (a consistent, compacted copy, the WAL folded in), checked
 * with `PRAGMA integrity_check` before it is given its final name. A restore checks the
 * file the same way, keeps the database it replaces beside it, and puts the backup in
 * its place with a rename, so an interrupted restore leaves either the old or the new
 * database, never half of one.
 */
import { Database } from 'bun:sqlite';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError, EngineErrorCode } from '../errors.ts';
import { acquireDataDirLock } from './lock.ts';

export const DATABASE_FILE = 'engine.db';
/** The tables every engine database has (db.ts): a file without them is not a backup of one. */
const REQUIRED_TABLES = ['streams', 'consumers', 'pending', 'buckets', 'kv'];

export class BackupError extends EngineError {
  constructor(message: string) {
    super(EngineErrorCode.Terminal, message);
  }
}

export interface BackupReport {
  file: string;
  bytes: number;
  streams: number;
  buckets: number;
}

function check(file: string): { streams: number; buckets: number } {
  let db: Database;
  try {
    db = new Database(file, { readonly: true, strict: true });
  } catch (error) {
    throw new BackupError(`${file} is not a readable SQLite database: ${(error as Error).message}`);
  }
  try {
    const integrity = db.query('PRAGMA integrity_check').all() as { integrity_check: string }[];
    if (integrity[0]?.integrity_check !== 'ok')
      throw new BackupError(
        `${file} failed its integrity check: ${integrity.map((r) => r.integrity_check).join('; ')}`,
      );
    const tables = new Set(
      (db.query("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map(
        (r) => r.name,
      ),
    );
    const missing = REQUIRED_TABLES.filter((t) => !tables.has(t));
    if (missing.length > 0)
      throw new BackupError(`${file} is not an engine database (no ${missing.join(', ')} table)`);
    const count = (table: string) =>
      (db.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { streams: count('streams'), buckets: count('buckets') };
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError(`${file} is not a readable SQLite database: ${(error as Error).message}`);
  } finally {
    db.close();
  }
}

/** Copies the data directory's database to `out` (which must not exist yet). */
export function backupDataDir(dataDir: string, out: string): BackupReport {
  const source = path.join(dataDir, DATABASE_FILE);
  if (!fs.existsSync(source))
    throw new BackupError(`no database in ${path.resolve(dataDir)} (${DATABASE_FILE})`);
  if (fs.existsSync(out)) throw new BackupError(`${out} exists already; give a new file name`);
  const release = acquireDataDirLock(dataDir);
  const partial = `${out}.partial`;
  try {
    fs.rmSync(partial, { force: true });
    const db = new Database(source, { strict: true });
    try {
      db.run('PRAGMA busy_timeout = 2000');
      db.query('VACUUM INTO ?').run(partial);
    } finally {
      db.close();
    }
    const counts = check(partial);
    fs.renameSync(partial, out);
    return { file: out, bytes: fs.statSync(out).size, ...counts };
  } catch (error) {
    fs.rmSync(partial, { force: true });
    throw error;
  } finally {
    release();
  }
}

export interface RestoreReport extends BackupReport {
  /** Where the database that was replaced now is; null when there was none. */
  replaced: string | null;
}

/** Puts the backup `file` in place as the data directory's database. */
export function restoreDataDir(dataDir: string, file: string, now: Date = new Date()): RestoreReport {
  if (!fs.existsSync(file)) throw new BackupError(`no such backup file: ${file}`);
  const counts = check(file);
  fs.mkdirSync(dataDir, { recursive: true });
  const release = acquireDataDirLock(dataDir);
  try {
    const target = path.join(dataDir, DATABASE_FILE);
    const partial = `${target}.restoring`;
    fs.copyFileSync(file, partial);
    let replaced: string | null = null;
    if (fs.existsSync(target)) {
      replaced = `${target}.replaced-${now.toISOString().replace(/[:.]/g, '-')}`;
      fs.renameSync(target, replaced);
    }
    // The old database's write-ahead log belongs to it, not to the restored file.
    for (const suffix of ['-wal', '-shm']) {
      if (!fs.existsSync(target + suffix)) continue;
      if (replaced !== null) fs.renameSync(target + suffix, replaced + suffix);
      else fs.rmSync(target + suffix, { force: true });
    }
    fs.renameSync(partial, target);
    return { file, bytes: fs.statSync(target).size, replaced, ...counts };
  } finally {
    release();
  }
}
