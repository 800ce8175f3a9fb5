#!/usr/bin/env node
// The `scopilot` command. The product runs on Bun, which npm installs as a
// dependency, so this shim only finds that Bun and hands it the real entry
// point: a machine with nothing but Node.js and npm can run `npx scopilot`.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

function findBun() {
  if (process.versions.bun) return process.execPath;
  try {
    return join(dirname(require.resolve('bun/package.json')), 'bin', 'bun.exe');
  } catch {
    return 'bun';
  }
}

const child = spawn(findBun(), [join(here, 'main.ts'), ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => child.kill(signal));
}
child.on('error', (error) => {
  console.error(`scopilot: cannot start Bun (${error.message}); run npm install first`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 : 1)));
