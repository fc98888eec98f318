import type { FastifyInstance, FastifyRequest } from 'fastify';
import multipart, { type Multipart } from '@fastify/multipart';
import { validationError } from '../../lib/errors.js';
import type { IncomingFile } from '../../domain/attachments/index.js';
import { parseGuardedJson } from '../input-guard.js';
import { onlyOnce, partError, unknownPart } from '../multipart.js';

// multipart/form-data for the channel config PUTs: a part `config` (the JSON body) followed by a
// part `attachment` (the file). The `config` part is read before validation and becomes the
// request body, so the route's own zod schema validates it with the same field errors as a JSON
// body; the file part is left unread until the handler streams it into the store. Nothing is
// buffered but the config text.
//
// `config` must come first: it is validated (and the campaign checked) before the file's bytes
// are accepted, so a bad request never stores anything. Browsers' FormData keeps append order.
// Each part is taken once: a part after the file (a second attachment, anything else) is seen
// only once the file is in the store, and refused before the config is written.

const PARTS = '"config" (the JSON body, first) and "attachment" (the file)';

const pending = new WeakMap<FastifyRequest, AsyncIterator<Multipart>>();

/** Registers the multipart parser in the calling plugin's scope only. */
export async function registerMultipart(app: FastifyInstance, maxBytes: number): Promise<void> {
  await app.register(multipart, {
    limits: {
      // The upload guard answers 413 at maxBytes + 1 with its own error; this is a backstop.
      fileSize: maxBytes + 1,
      // One more file than is taken, so a second one is refused by name, not as a bare limit.
      files: 2,
      fields: 4,
      parts: 6,
      fieldSize: 1_048_576,
    },
  });
}

function parseConfig(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw validationError([{ field: 'config', message: `must be JSON: ${(e as Error).message}` }], 'The config part is not valid JSON');
  }
}

/** preValidation hook: turns the `config` part of a multipart request into the request body. */
export async function readConfigPart(req: FastifyRequest): Promise<void> {
  if (!req.isMultipart()) return;
  const it = req.parts()[Symbol.asyncIterator]();
  const first = await it.next();
  const part = first.done ? undefined : first.value;
  if (!part || part.type !== 'field' || part.fieldname !== 'config') {
    if (part?.type === 'file') part.file.resume(); // drain: nothing of it is kept
    throw validationError(
      [{ field: 'config', message: 'required as the first part (the JSON body), before the "attachment" part' }],
      'The multipart body must start with a "config" part',
    );
  }
  let body: unknown = part.value;
  if (typeof body === 'string') {
    // The same nesting and NUL checks as a JSON body; NUL paths are the body's own fields.
    body = parseGuardedJson(body, parseConfig, 'config');
  }
  req.body = body;
  pending.set(req, it);
}

/** The `attachment` part of a multipart request, unread; undefined when the request has none. */
export async function nextFilePart(req: FastifyRequest): Promise<IncomingFile | undefined> {
  const it = pending.get(req);
  if (!it) return undefined;
  pending.delete(req);
  const next = await it.next();
  if (next.done) return undefined;
  const part = next.value;
  if (part.fieldname === 'config') throw partError(part, onlyOnce('config'));
  if (part.fieldname !== 'attachment') throw partError(part, unknownPart(PARTS));
  if (part.type !== 'file') throw partError(part, 'must be a file part with a file name');
  return {
    source: part.file,
    fileName: part.filename,
    declaredContentType: part.mimetype,
    async end() {
      const after = await it.next();
      if (after.done) return;
      const name = after.value.fieldname;
      throw partError(after.value, name === 'config' || name === 'attachment' ? onlyOnce(name) : unknownPart(PARTS));
    },
  };
}
