/**
 * `npm run bench`: run every benchmark in bench/ (or the ones named on the
 * command line) one after another, each in its own process so they do not
 * disturb each other's heap or JIT. Each prints its own result beside the
 * baseline it measured in the same run.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const here = import.meta.dir;
const wanted = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.endsWith('.test.ts'))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();

let failed = 0;
for (const file of benches) {
  console.log(`\n━━ ${file} ━━`);
  const proc = Bun.spawn([process.execPath, join(here, file)], { stdout: 'inherit', stderr: 'inherit' });
  if ((await proc.exited) !== 0) failed++;
}
console.log(`\n${benches.length - failed} benchmarks ran, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
