import { randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, opendir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError, notFound } from '../lib/errors.js';
import {
  assertValidKey,
  assertValidPrefix,
  type ListedObject,
  type ObjectStore,
  type PutOptions,
} from './object-store.js';

// The embedded default: one file per key under `dir`. Valid key segments never start with a dot
// (see assertValidKey), so the temp files and content-type sidecars below, which all do, can live
// next to the objects without ever colliding with a key or showing up in list().
//
// Empty directories are left in place after delete: removing them would race with a concurrent
// put into the same directory, and a few empty tenant folders cost nothing.

const DEFAULT_CONTENT_TYPE = 'application/octet-stream';

interface Meta {
  contentType: string;
}

export function makeLocalStore({ dir }: { dir: string }): ObjectStore {
  const root = path.resolve(dir);

  function pathsOf(key: string) {
    assertValidKey(key);
    const file = path.join(root, ...key.split('/'));
    const parent = path.dirname(file);
    const base = path.basename(file);
    return { file, parent, meta: path.join(parent, `.${base}.meta.json`), base };
  }

  async function put(key: string, body: Readable, opts: PutOptions): Promise<{ size: number }> {
    const { file, parent, meta, base } = pathsOf(key);
    // Owner only: other users of the machine must not list or read tenants' files.
    await mkdir(parent, { recursive: true, mode: 0o700 });
    const tmp = path.join(parent, `.${base}.${randomUUID()}.tmp`);
    const tmpMeta = `${tmp}.meta`;
    let size = 0;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      // 'wx': the temp name is fresh, so an existing file there would mean a bug, not a retry.
      await pipeline(body, counter, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
      if (opts.contentLength !== undefined && opts.contentLength !== size) {
        throw new AppError(
          'validation',
          `body has ${size} bytes but its declared length is ${opts.contentLength}`,
        );
      }
      await writeFile(tmpMeta, JSON.stringify({ contentType: opts.contentType } satisfies Meta), { mode: 0o600 });
      // Metadata first: a crash between the two renames leaves a stale sidecar (harmless, it is
      // ignored without its object), never an object served with the wrong type.
      await rename(tmpMeta, meta);
      await rename(tmp, file);
      return { size };
    } catch (e) {
      // Whatever failed (the body, the disk, the length check), no partial file may remain.
      await Promise.all([rm(tmp, { force: true }), rm(tmpMeta, { force: true })]);
      throw e;
    }
  }

  async function get(key: string) {
    const { file, meta } = pathsOf(key);
    // Open before stat: the descriptor pins the file, so a concurrent replace or delete cannot
    // make the size we report disagree with the bytes we stream.
    const handle = await open(file, 'r').catch((e: NodeJS.ErrnoException) => {
      throw isMissing(e) ? notFound('object') : e;
    });
    try {
      const { size, isFile } = await handle.stat().then((s) => ({ size: s.size, isFile: s.isFile() }));
      if (!isFile) throw notFound('object');
      const contentType = await readMeta(meta);
      return { body: handle.createReadStream() as Readable, size, contentType };
    } catch (e) {
      await handle.close();
      throw e;
    }
  }

  async function del(key: string): Promise<void> {
    const { file, meta } = pathsOf(key);
    await rm(file, { force: true });
    await rm(meta, { force: true });
  }

  async function exists(key: string): Promise<boolean> {
    const { file } = pathsOf(key);
    try {
      return (await stat(file)).isFile();
    } catch (e) {
      if (isMissing(e as NodeJS.ErrnoException)) return false;
      throw e;
    }
  }

  async function* list(prefix: string): AsyncIterable<ListedObject> {
    assertValidPrefix(prefix);
    // Walk only from the deepest directory the prefix names completely; the rest of the prefix
    // (a partial segment) is matched on the keys.
    const cut = prefix.lastIndexOf('/');
    const startKey = cut < 0 ? '' : prefix.slice(0, cut);
    yield* walk(startKey === '' ? root : path.join(root, ...startKey.split('/')), startKey, prefix);
  }

  async function* walk(dirPath: string, dirKey: string, prefix: string): AsyncGenerator<ListedObject> {
    let entries;
    try {
      entries = await opendir(dirPath);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      if (isMissing(err) || err.code === 'ENOTDIR') return;
      throw e;
    }
    for await (const entry of entries) {
      if (entry.name.startsWith('.')) continue; // temp files and sidecars
      const key = dirKey === '' ? entry.name : `${dirKey}/${entry.name}`;
      const full = path.join(dirPath, entry.name);
      if (entry.isDirectory()) {
        // Descend only where keys below could still match the prefix.
        if (`${key}/`.startsWith(prefix) || prefix.startsWith(`${key}/`)) yield* walk(full, key, prefix);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        const s = await stat(full).catch(() => undefined); // deleted while listing: skip it
        if (s) yield { key, size: s.size, lastModified: s.mtime };
      }
    }
  }

  return { put, get, delete: del, exists, list };
}

async function readMeta(metaPath: string): Promise<string> {
  try {
    const parsed = JSON.parse(await readFile(metaPath, 'utf8')) as Partial<Meta>;
    return typeof parsed.contentType === 'string' ? parsed.contentType : DEFAULT_CONTENT_TYPE;
  } catch {
    // A missing or unreadable sidecar must not make the object itself unreadable.
    return DEFAULT_CONTENT_TYPE;
  }
}

function isMissing(e: NodeJS.ErrnoException): boolean {
  return e.code === 'ENOENT' || e.code === 'ENOTDIR';
}
