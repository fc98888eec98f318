import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../lib/errors.js';
import { makeQrWorkerPool } from './qr-pool.js';
import { makeQrPngEncoder } from './qr-png.js';

const texts = Array.from(
  { length: 150 },
  (_, i) => `https://example.com/landing?lang=en&trackId=${encodeURIComponent(`t+${i}/=`)}&campaignId=c${i}&contactType=C${'x'.repeat(i)}`,
);

describe('makeQrWorkerPool', () => {
  const pool = makeQrWorkerPool({ size: 2 });
  afterAll(() => pool.close());

  it('returns, in order, the same bytes as the in-process encoder', async () => {
    const enc = makeQrPngEncoder();
    const pngs = await pool.pngs(texts);
    expect(pngs).toHaveLength(texts.length);
    pngs.forEach((png, i) => expect(png.equals(enc.png(texts[i])), `text ${i}`).toBe(true));
  });

  it('serves concurrent calls independently', async () => {
    const enc = makeQrPngEncoder();
    const [a, b, c] = await Promise.all([pool.pngs(texts.slice(0, 7)), pool.pngs([]), pool.pngs(texts.slice(100))]);
    expect(a.map((p) => p.toString('base64'))).toEqual(texts.slice(0, 7).map(enc.base64));
    expect(b).toEqual([]);
    expect(c[49].equals(enc.png(texts[149]))).toBe(true);
  });

  it('passes encoder options to the threads', async () => {
    const small = makeQrWorkerPool({ size: 1, qr: { size: 120, errorCorrectionLevel: 'L' } });
    try {
      const [png] = await small.pngs(['https://example.com/?trackId=1']);
      expect(png.equals(makeQrPngEncoder({ size: 120, errorCorrectionLevel: 'L' }).png('https://example.com/?trackId=1'))).toBe(true);
      expect(png.readUInt32BE(16)).toBe(120);
    } finally {
      await small.close();
    }
  });

  it('rebuilds validation errors from a thread as AppError and keeps working', async () => {
    const err = await pool.pngs(['https://example.com', 'h'.repeat(5000)]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('validation');
    expect((err as AppError).fields[0].field).toBe('responseUrl');
    expect(await pool.pngs(texts.slice(0, 1))).toHaveLength(1);
  });

  it('rejects calls after close', async () => {
    const p = makeQrWorkerPool({ size: 1 });
    await p.pngs(texts.slice(0, 2));
    await p.close();
    await expect(p.pngs(texts.slice(0, 1))).rejects.toMatchObject({ code: 'unavailable' });
  });
});
