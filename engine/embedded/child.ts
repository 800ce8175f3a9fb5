/**
 * Test helper: run crash-child.ts in a separate bun process and read its stdout line by
 * line until it reports "ready" (or fails). Shared by crash.test.ts and lock.test.ts.
 */
import * as path from 'node:path';

export interface Child {
  proc: Bun.Subprocess<'ignore', 'pipe', 'pipe'>;
  /** Every line printed up to and including "ready". */
  lines: string[];
}

const SCRIPT = path.join(import.meta.dir, 'crash-child.ts');

export async function startChild(dataDir: string, mode: 'hold' | 'work', timeoutMs = 20_000): Promise<Child> {
  const proc = Bun.spawn([process.execPath, SCRIPT, dataDir, mode], {
    stdin: 'ignore',
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const lines: string[] = [];
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  const deadline = Date.now() + timeoutMs;
  try {
    while (!lines.includes('ready')) {
      if (Date.now() > deadline) throw new Error(`child not ready in ${timeoutMs} ms: ${lines.join(' | ')}`);
      const { value, done } = await reader.read();
      if (done) {
        const stderr = await new Response(proc.stderr).text();
        throw new Error(`child exited before ready: ${lines.join(' | ')} ${buffered} ${stderr}`);
      }
      buffered += decoder.decode(value, { stream: true });
      const parts = buffered.split('\n');
      buffered = parts.pop() ?? '';
      lines.push(...parts);
      const failed = lines.find((l) => l.startsWith('error '));
      if (failed) throw new Error(`child failed: ${failed}`);
    }
  } catch (error) {
    proc.kill(9);
    throw error;
  } finally {
    reader.releaseLock();
  }
  return { proc, lines };
}

/** kill -9 and wait until the process is gone. */
export async function killHard(child: Child): Promise<void> {
  child.proc.kill(9);
  await child.proc.exited;
}
