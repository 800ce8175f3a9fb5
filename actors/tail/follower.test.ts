import { afterEach, describe, expect, test } from 'bun:test';
import { appendFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileFollower } from './follower.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function file(content = ''): string {
  const dir = mkdtempSync(join(tmpdir(), 'scopilot-follow-'));
  dirs.push(dir);
  const path = join(dir, 'switch.log');
  writeFileSync(path, content);
  return path;
}

const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

async function drain(f: FileFollower): Promise<string> {
  let out = '';
  for (let r = await f.next(); r !== null; r = await f.next()) out += text(r.bytes);
  return out;
}

describe('FileFollower', () => {
  test('from the end: only what is appended after open, and only complete lines', async () => {
    const path = file('old line\n');
    const f = new FileFollower(path, 'end');
    await f.open();
    appendFileSync(path, 'zero\n');
    expect(await drain(f)).toBe('zero\n');
    appendFileSync(path, 'one\ntw');
    expect(await drain(f)).toBe('one\n');
    appendFileSync(path, 'o\n');
    expect(await drain(f)).toBe('two\n');
    await f.close();
  });

  test('resumes from a saved position, and from 0 when the inode changed', async () => {
    const path = file('a\nb\n');
    const first = new FileFollower(path, 'start');
    expect(await drain(first)).toBe('a\nb\n');
    const saved = first.position;
    await first.close();
    appendFileSync(path, 'c\n');
    const resumed = new FileFollower(path, saved);
    expect(await drain(resumed)).toBe('c\n');
    await resumed.close();
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'new\n');
    const other = new FileFollower(path, saved);
    expect(await drain(other)).toBe('new\n');
    await other.close();
  });

  test('rotation: the old file is read to its end, then the new one from its start', async () => {
    const path = file('');
    const f = new FileFollower(path, 'start');
    appendFileSync(path, 'before\n');
    expect(await drain(f)).toBe('before\n');
    appendFileSync(path, 'last of old\n');
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'first of new\n');
    expect(await drain(f)).toBe('last of old\nfirst of new\n');
    await f.close();
  });

  test("rotation: the old file's unterminated last line is handed out before switching", async () => {
    const path = file('');
    const f = new FileFollower(path, 'start');
    appendFileSync(path, 'complete\nunterminated');
    expect(await drain(f)).toBe('complete\n');
    renameSync(path, `${path}.1`);
    writeFileSync(path, 'next\n');
    expect(await drain(f)).toBe('unterminatednext\n');
    await f.close();
  });

  test('truncation in place starts again at 0', async () => {
    const path = file('');
    const f = new FileFollower(path, 'start');
    appendFileSync(path, 'a long first line\n');
    expect(await drain(f)).toBe('a long first line\n');
    truncateSync(path, 0);
    appendFileSync(path, 'x\n');
    expect(await drain(f)).toBe('x\n');
    await f.close();
  });

  test('a missing file is waited for', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scopilot-follow-'));
    dirs.push(dir);
    const f = new FileFollower(join(dir, 'later.log'), 'start');
    expect(await f.next()).toBeNull();
    expect(f.status()).toMatchObject({
      state: 'connecting',
      detail: `waiting for ${join(dir, 'later.log')} to exist`,
    });
    writeFileSync(join(dir, 'later.log'), 'here\n');
    expect(await drain(f)).toBe('here\n');
    expect(f.status()).toEqual({ state: 'up', counters: { bytesRead: 5 } });
    await f.close();
  });
});
