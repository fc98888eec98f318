// Runs every benchmark in bench/ one after another, each in its own process (a benchmark owns
// its database and its cores while it runs), so `npm run bench` prints all the figures.
//
//   npm run bench                 every benchmark
//   npm run bench -- qr metrics   only bench/qr.ts and bench/metrics.ts
//
// A benchmark is any bench/*.ts file other than this one that no other bench file imports: the
// imported ones (a shared database helper, say) are helper modules, not benchmarks; a name that
// starts with `_` marks a scratch file, skipped too. The exit code
// is non-zero when a benchmark fails; the others still run.
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const self = path.basename(fileURLToPath(import.meta.url));

/** The benchmarks of bench/, in name order. */
export async function discoverBenchmarks(dir = benchDir): Promise<string[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.startsWith('_') && f !== self).sort();
  const imported = new Set<string>();
  for (const f of files) {
    const source = await readFile(path.join(dir, f), 'utf8');
    for (const m of source.matchAll(/from\s+['"]\.\/([\w.-]+?)(?:\.js|\.ts)?['"]/g)) imported.add(`${m[1]}.ts`);
  }
  return files.filter((f) => !imported.has(f));
}

function run(file: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(benchDir, file)], { stdio: 'inherit', env: process.env });
    child.once('error', () => resolve(1));
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main() {
  const wanted = process.argv.slice(2).map((a) => a.replace(/^bench\//, '').replace(/\.ts$/, ''));
  const all = await discoverBenchmarks();
  const unknown = wanted.filter((w) => !all.includes(`${w}.ts`));
  if (unknown.length > 0) {
    console.error(`no such benchmark: ${unknown.join(', ')} (there are: ${all.map((f) => f.slice(0, -3)).join(', ')})`);
    process.exit(2);
  }
  const chosen = wanted.length > 0 ? all.filter((f) => wanted.includes(f.slice(0, -3))) : all;
  const results: { file: string; code: number; seconds: number }[] = [];
  for (const file of chosen) {
    console.log(`\n== bench/${file}`);
    const t0 = performance.now();
    const code = await run(file);
    results.push({ file, code, seconds: (performance.now() - t0) / 1000 });
  }
  console.log('\n== summary');
  for (const r of results) console.log(`${r.code === 0 ? 'ok    ' : 'FAILED'} bench/${r.file} (${r.seconds.toFixed(1)} s)`);
  process.exit(results.some((r) => r.code !== 0) ? 1 : 0);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) void main();
