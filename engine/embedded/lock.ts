/**
 * One process per data directory. The embedded engine keeps consumer state in memory
 * (and writes it through to sqlite), so two processes on one directory would hand out the
 * same messages twice. A lock file holding the owner's pid gives a clear error; a lock left
 * by a dead process (kill -9, power loss, a container restarted with the same pid) is taken over.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError, EngineErrorCode } from '../errors.ts';

/** Another live process (or another engine in this process) already serves the directory. */
export class DataDirLockedError extends EngineError {
  constructor(dataDir: string, owner: string) {
    super(
      EngineErrorCode.Terminal,
      `data directory ${dataDir} is already in use by ${owner}: the embedded engine serves one process; ` +
        'use the NATS engine to run several processes',
    );
  }
}

interface LockContent {
  pid: number;
  /** Process start time (Linux), so a recycled pid is not mistaken for the owner. */
  started: string;
}

/** Directories locked by engines of this very process (a pid check cannot tell them apart). */
const heldHere = new Set<string>();

function processStart(pid: number): string {
  try {
    // Field 22 of /proc/<pid>/stat is the start time in clock ticks since boot; the command
    // name (field 2) may contain spaces, so count from the closing parenthesis.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockContent | null {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as LockContent).pid === 'number') {
      const { pid, started } = parsed as LockContent;
      return { pid, started: typeof started === 'string' ? started : '' };
    }
  } catch {
    // Unreadable or half-written: treated as stale below.
  }
  return null;
}

function ownerIsAlive(lock: LockContent): boolean {
  // Our own pid in the file but not held by this process: a previous incarnation with the same pid.
  if (lock.pid === process.pid) return false;
  if (!isAlive(lock.pid)) return false;
  const started = processStart(lock.pid);
  return lock.started === '' || started === '' || started === lock.started;
}

/** Takes the lock or throws DataDirLockedError; returns the release function. */
export function acquireDataDirLock(dataDir: string): () => void {
  // realpath: two spellings of one directory (symlinks, relative paths) are one lock.
  const dir = fs.realpathSync(dataDir);
  if (heldHere.has(dir)) throw new DataDirLockedError(dir, 'another embedded engine in this process');
  const file = path.join(dir, 'LOCK');
  const mine: LockContent = { pid: process.pid, started: processStart(process.pid) };
  for (let attempt = 0; ; attempt++) {
    try {
      // 'wx' fails when the file exists: creation is the atomic test-and-set.
      fs.writeFileSync(file, JSON.stringify(mine), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw error;
      const lock = readLock(file);
      if (lock && ownerIsAlive(lock)) throw new DataDirLockedError(dir, `process ${lock.pid}`);
      // Stale: remove and retry the atomic create (another process racing us may win; fine).
      fs.rmSync(file, { force: true });
    }
  }
  heldHere.add(dir);
  let released = false;
  return () => {
    if (released) return;
    released = true;
    heldHere.delete(dir);
    const lock = readLock(file);
    if (lock && lock.pid === process.pid) fs.rmSync(file, { force: true });
  };
}
