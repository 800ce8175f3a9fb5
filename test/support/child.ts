/** Child processes for crash and failover tests: spawn a fixture script and follow what it prints. */
import type { Subprocess } from 'bun';

export interface Child {
  process: Subprocess<'ignore', 'pipe', 'inherit'>;
  /** Every line printed so far. */
  lines: string[];
  /** When the last line arrived (epoch ms). */
  lastLineAt: number;
}

const running = new Set<Subprocess>();

/** Kill whatever a test left running (call from afterAll). */
export function killChildren(): void {
  for (const child of running) child.kill(9);
  running.clear();
}

/** Start `bun <script>`; resolves once it printed a line matching `readyLine`. */
export function spawnChild(
  script: string,
  env: Record<string, string>,
  readyLine: RegExp,
  args: string[] = [],
): Promise<Child> {
  return spawnCommand([process.execPath, script, ...args], env, readyLine);
}

/** Start any command; resolves once it printed a line matching `readyLine`. */
export async function spawnCommand(
  command: string[],
  env: Record<string, string>,
  readyLine: RegExp,
): Promise<Child> {
  const script = command.join(' ');
  const proc = Bun.spawn(command, {
    env: { ...process.env, ...env },
    stdout: 'pipe',
    stderr: 'inherit',
  });
  running.add(proc);
  void proc.exited.then(() => running.delete(proc));
  const child: Child = { process: proc, lines: [], lastLineAt: Date.now() };
  let onReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  void (async () => {
    let buffer = '';
    for await (const chunk of proc.stdout.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        child.lines.push(line);
        child.lastLineAt = Date.now();
        if (readyLine.test(line)) onReady();
      }
    }
  })();
  const exitedEarly = proc.exited.then((code) =>
    Promise.reject(new Error(`${script} exited early (${code})`)),
  );
  await Promise.race([ready, exitedEarly]);
  exitedEarly.catch(() => undefined);
  return child;
}

export const lastLine = (child: Child): string | undefined => child.lines[child.lines.length - 1];

/** This process's environment without any SCOPILOT_ setting, plus `extra`: a child configured only by the test. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('SCOPILOT_') && v !== undefined) env[k] = v;
  return { ...env, ...extra };
}
