import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { probeResults } from './process-tz.fixture.js';

const run = promisify(execFile);
const fixture = new URL('./process-tz.fixture.ts', import.meta.url).href;
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs the probe in a fresh Node process whose own zone is `tz` (tsx loads the TypeScript). */
async function probeInChild(tz: string) {
  const code = `
    const { probeResults } = await import(${JSON.stringify(fixture)});
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    console.log(JSON.stringify({ zone, results: probeResults() }));
  `;
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', code],
    { cwd: repoRoot, env: { ...process.env, TZ: tz } },
  );
  return JSON.parse(stdout) as { zone: string; results: Record<string, unknown> };
}

describe('independence from the process time zone', () => {
  const local = probeResults();

  it('the in-process results are the expected instants', () => {
    expect(local.springForward).toBe('2026-03-29 2026-03-29T01:00:00.000Z 2026-03-29T02:00:00.000Z');
    expect(local.fallBack).toBe('2026-10-25 2026-10-25T00:30:00.000Z 2026-10-25T03:00:00.000Z');
    expect(local.insideRepeatedHour).toBe(local.fallBack);
    expect(local.afterEnd).toBeNull();
    expect(local.mondayNight).toBe('2026-11-02 2026-11-03T03:00:00.000Z 2026-11-03T07:00:00.000Z');
    expect(local.tokyoApril).toBe('2026-04-30 2026-04-29T15:00:00.000Z 2026-04-30T15:00:00.000Z');
  });

  it.each(['Pacific/Kiritimati', 'America/Los_Angeles'])(
    'a process running in %s computes the same windows',
    async (tz) => {
      const child = await probeInChild(tz);
      expect(child.zone).toBe(tz); // the child really ran in another zone
      expect(child.results).toEqual(local);
    },
  );
});
