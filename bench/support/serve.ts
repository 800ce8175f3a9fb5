/**
 * A real `scopilot serve` as a child process for the benchmarks: the
 * machine's own SCOPILOT_* settings removed, the given ones added, its log
 * drained so it never blocks, and its URL once it listens and is ready.
 */
import { join } from 'node:path';

export interface Served {
  url: string;
  stop(): Promise<void>;
}

export async function serveChild(role: string, settings: Record<string, string>): Promise<Served> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('SCOPILOT_') && v !== undefined) env[k] = v;
  const server = Bun.spawn(
    [process.execPath, join(import.meta.dir, '../../cli/main.ts'), 'serve', '--role', role],
    {
      env: { ...env, SCOPILOT_HTTP__PORT: '0', SCOPILOT_LOG_LEVEL: 'info', ...settings },
      stdout: 'pipe',
      stderr: 'inherit',
    },
  );
  let url = '';
  const reader = server.stdout.pipeThrough(new TextDecoderStream()).getReader();
  for (let text = ''; url === ''; ) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`scopilot serve --role ${role} did not start`);
    text += value;
    const m = /"url":"([^"]+)","msg":"listening"/.exec(text);
    if (m) url = (m[1] as string).replace(/\/+$/, '');
  }
  void (async () => {
    while (!(await reader.read()).done) {
      // keep draining the server's log so it never blocks on a full pipe
    }
  })();
  for (let i = 0; i < 300 && (await fetch(`${url}/readyz`)).status !== 200; i++) await Bun.sleep(100);
  return {
    url,
    stop: async () => {
      server.kill('SIGTERM');
      await server.exited;
    },
  };
}
