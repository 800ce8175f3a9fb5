#!/bin/sh
//usr/bin/env true; s="$0"; while [ -L "$s" ]; do l=$(readlink "$s"); case $l in /*) s=$l ;; *) s=${s%/*}/$l ;; esac; done; d=${s%/*}; for b in "$d/../node_modules/bun/bin/bun.exe" "$d/../../bun/bin/bun.exe"; do [ -x "$b" ] && exec "$b" "$d/main.ts" "$@"; done; command -v bun >/dev/null && exec bun "$d/main.ts" "$@"; echo "scopilot: cannot find Bun; run npm install first" >&2; exit 1

// The `scopilot` command. The product runs on Bun, which npm installs as a
// dependency. Run as a program, this file is a shell script (the line above,
// where `//usr/bin/env true` does nothing): it follows npm's link to where the
// package is and starts that Bun on the real entry point, with no other
// runtime started first (sh costs a millisecond or two, Node about 90). Run by
// Node or Bun as JavaScript (`node cli/bin.js`, a Windows shim that calls
// Node), that line is a comment and what follows does the same.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

if (process.versions.bun) {
  const { main } = await import('./main.ts');
  process.exit(await main(process.argv.slice(2)));
}

function findBun() {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('bun/package.json')), 'bin', 'bun.exe');
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
