import type { Config } from '../config.js';

// Settings that are valid but have no effect in this process. One environment shared by every
// role is a supported set-up, so they are not refused; start-up says once what it ignores.

export function configWarnings(c: Readonly<Config>): string[] {
  const warnings: string[] = [];
  if (c.healthPort !== undefined && c.role !== 'worker') {
    warnings.push(
      `HEALTH_PORT is ignored with ROLE=${c.role}: it is for ROLE=worker only; ` +
        `this role serves /healthz, /readyz and /metrics on PORT (${c.port})`,
    );
  }
  return warnings;
}
