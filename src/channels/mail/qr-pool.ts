import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { AppError, type ErrorCode } from '../../lib/errors.js';
import type { QrPngOptions } from './qr-png.js';
import type { QrChunkReply } from './qr-worker.js';

// Spreads QR encoding over worker threads: computing the QR matrix (mask selection) is CPU-bound
// and a print batch of a few thousand letters would otherwise hold the event loop for seconds.

export interface QrWorkerPoolOptions {
  /** Number of threads (default: os.availableParallelism()). */
  size?: number;
  /** Encoder options, the same for every thread. */
  qr?: QrPngOptions;
}

export interface QrWorkerPool {
  /** One PNG per text, in order; rejects with the first failing chunk's error. */
  pngs(texts: string[]): Promise<Buffer[]>;
  /** Terminates the threads; pending and later calls reject with AppError('unavailable'). */
  close(): Promise<void>;
}

interface Job {
  texts: string[];
  resolve(pngs: Buffer[]): void;
  reject(e: unknown): void;
}

interface Slot {
  worker: Worker;
  job: Job | null;
}

// Under tsx (development, tests) the worker source is TypeScript: a small .mjs entry registers tsx
// inside the thread first (see qr-worker-boot.mjs). A build to JavaScript loads qr-worker.js as is.
function spawn(qr: QrPngOptions): Worker {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const entry = new URL('./qr-worker.ts', here).href;
    return new Worker(new URL('./qr-worker-boot.mjs', here), { workerData: { entry, qr } });
  }
  return new Worker(new URL('./qr-worker.js', here), { workerData: { qr } });
}

function rebuildError(e: Extract<QrChunkReply, { ok: false }>['error']): Error {
  if (e.code === null) return new Error(e.message);
  return new AppError(e.code as ErrorCode, e.message, {
    fields: e.fields as AppError['fields'],
    details: e.details as AppError['details'],
  });
}

export function makeQrWorkerPool(opts: QrWorkerPoolOptions = {}): QrWorkerPool {
  const size = Math.max(1, Math.floor(opts.size ?? os.availableParallelism()));
  const qr = opts.qr ?? {};
  const slots: Slot[] = [];
  const queue: Job[] = [];
  let nextId = 1;
  let closed = false;

  function fail(slot: Slot, err: unknown): void {
    const i = slots.indexOf(slot);
    if (i !== -1) slots.splice(i, 1);
    const job = slot.job;
    slot.job = null;
    job?.reject(err);
    // A replacement is spawned on demand by the next dispatch.
    dispatch();
  }

  function addSlot(): Slot {
    const slot: Slot = { worker: spawn(qr), job: null };
    // Idle threads must not keep the process alive if a caller forgets close().
    slot.worker.unref();
    slot.worker.on('message', (reply: QrChunkReply) => {
      const job = slot.job;
      slot.job = null;
      slot.worker.unref();
      if (job) {
        if (reply.ok) {
          const out: Buffer[] = [];
          let at = 0;
          for (const len of reply.lengths) {
            out.push(Buffer.from(reply.bytes, at, len));
            at += len;
          }
          job.resolve(out);
        } else {
          job.reject(rebuildError(reply.error));
        }
      }
      dispatch();
    });
    slot.worker.on('error', (err) => fail(slot, err));
    slot.worker.on('exit', (code) => {
      if (slots.includes(slot)) fail(slot, new AppError('unavailable', `QR worker exited with code ${code}`));
    });
    slots.push(slot);
    return slot;
  }

  function dispatch(): void {
    if (closed) return;
    while (queue.length > 0) {
      let slot = slots.find((s) => s.job === null);
      if (!slot && slots.length < size) slot = addSlot();
      if (!slot) return;
      const job = queue.shift()!;
      slot.job = job;
      slot.worker.ref();
      slot.worker.postMessage({ id: nextId++, texts: job.texts });
    }
  }

  function run(texts: string[]): Promise<Buffer[]> {
    return new Promise((resolve, reject) => {
      queue.push({ texts, resolve, reject });
      dispatch();
    });
  }

  async function pngs(texts: string[]): Promise<Buffer[]> {
    if (closed) throw new AppError('unavailable', 'QR worker pool is closed');
    if (texts.length === 0) return [];
    // About four chunks per thread balances uneven texts without drowning in messages; capped so
    // one huge call does not delay a small call queued behind it for long.
    const chunk = Math.min(64, Math.max(1, Math.ceil(texts.length / (size * 4))));
    const parts: Promise<Buffer[]>[] = [];
    for (let i = 0; i < texts.length; i += chunk) parts.push(run(texts.slice(i, i + chunk)));
    return (await Promise.all(parts)).flat();
  }

  async function close(): Promise<void> {
    if (closed) return;
    closed = true;
    const gone = new AppError('unavailable', 'QR worker pool is closed');
    for (const job of queue.splice(0)) job.reject(gone);
    const all = slots.splice(0);
    for (const s of all) s.job?.reject(gone);
    await Promise.all(all.map((s) => s.worker.terminate()));
  }

  return { pngs, close };
}
