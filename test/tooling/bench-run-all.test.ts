import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { discoverBenchmarks } from '../../bench/run-all.js';

// `npm run bench` finds the benchmarks instead of keeping a list: every bench/*.ts but the
// runner itself, scratch files (`_name.ts`) and helper modules that another bench file imports.

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

describe('bench/run-all', () => {
  it('runs benchmarks and skips helpers, scratch files and itself', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-discover-'));
    dirs.push(dir);
    const files: Record<string, string> = {
      'run-all.ts': '',
      'database.ts': 'export const x = 1;',
      'pages.ts': "import { x } from './database.js';\nexport const y = x;",
      'import.ts': "import { x } from './database.js';\nimport { y } from \"./pages.ts\";\nconsole.log(x, y);",
      'qr.ts': 'console.log(1);',
      '_probe.ts': 'console.log(2);',
      'types.d.ts': '',
      'notes.md': '',
    };
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
    expect(await discoverBenchmarks(dir)).toEqual(['import.ts', 'qr.ts']);
  });

  it('finds the benchmarks of this repository', async () => {
    const found = await discoverBenchmarks();
    expect(found).toEqual(expect.arrayContaining(['dispatch.ts', 'metrics.ts', 'qr.ts']));
    expect(found).not.toContain('run-all.ts');
    expect(found).not.toContain('database.ts');
  });
});
