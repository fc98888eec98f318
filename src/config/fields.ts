import { z } from 'zod';

// Field parsers shared by the configuration schema and its channel part (config/channels.ts).

export const int = (def: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(def);
export const optionalString = z
  .string()
  .trim()
  .transform((s) => (s === '' ? undefined : s))
  .optional();
export const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .default(def ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');
