// Entry of a qr-pool thread when the sources are TypeScript run through tsx (development, tests).
// Node cannot load the .ts worker by itself, and in Node 20 `--import tsx` in a worker's execArgv
// does not apply to the worker's own entry, so tsx is registered here, inside the thread, and the
// real worker module is imported afterwards. Plain JavaScript so Node can run it without help; a
// static import so 'tsx/esm/api' resolves with ESM conditions from this file's location.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
