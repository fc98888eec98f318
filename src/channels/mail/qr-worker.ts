import { parentPort, workerData } from 'node:worker_threads';
import { isAppError } from '../../lib/errors.js';
import { makeQrPngEncoder, type QrPngOptions } from './qr-png.js';

// Body of one qr-pool thread: encodes a chunk of texts with the same encoder the main thread uses
// and sends the images back in ONE transferred ArrayBuffer. One buffer per chunk rather than one
// per image because small Buffers live in Node's shared slab, which must never be transferred
// (that would detach every other Buffer in it), and one copy of ~1 KB per image is cheap.

export interface QrChunkRequest {
  id: number;
  texts: string[];
}

export type QrChunkReply =
  | { id: number; ok: true; bytes: ArrayBuffer; lengths: number[] }
  | {
      id: number;
      ok: false;
      error: { code: string | null; message: string; fields?: unknown; details?: unknown };
    };

const port = parentPort;
if (!port) throw new Error('qr-worker must run in a worker thread');

const encoder = makeQrPngEncoder((workerData as { qr?: QrPngOptions } | undefined)?.qr ?? {});

port.on('message', (req: QrChunkRequest) => {
  let reply: QrChunkReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const pngs = req.texts.map((t) => encoder.png(t));
    const lengths = pngs.map((p) => p.length);
    const all = new Uint8Array(lengths.reduce((a, b) => a + b, 0));
    let at = 0;
    for (const p of pngs) {
      all.set(p, at);
      at += p.length;
    }
    reply = { id: req.id, ok: true, bytes: all.buffer, lengths };
    transfer.push(all.buffer);
  } catch (e) {
    // AppError does not survive structured cloning as a class; send its parts so the pool can
    // rebuild it and the HTTP layer still answers 400 for a too-long URL.
    reply = isAppError(e)
      ? { id: req.id, ok: false, error: { code: e.code, message: e.message, fields: e.fields, details: e.details } }
      : { id: req.id, ok: false, error: { code: null, message: e instanceof Error ? e.message : String(e) } };
  }
  port.postMessage(reply, transfer);
});
