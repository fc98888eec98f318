import type { FastifyInstance, FastifyRequest } from 'fastify';
import { validationError, type FieldError } from '../lib/errors.js';

// Input the database or the process cannot take, refused once before any handler runs:
// - NUL characters: PostgreSQL rejects U+0000 in text (22021) and in jsonb (22P05), so a NUL that
//   reached SQL was a 500 after part of a request may already have been written.
// - Deep nesting: recursive code further on (validation, JSON walks, serialisation) ran out of
//   stack at a few thousand levels. The raw text is scanned before JSON.parse builds anything.
// problem.ts maps the two SQLSTATEs to 400 as well, for NULs that arrive some other way.

export const MAX_JSON_DEPTH = 32;
export const NUL_MESSAGE = 'text may not contain NUL characters (U+0000)';

/** The deepest bracket nesting of JSON text, counting only brackets outside strings. */
function jsonDepthExceeds(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return true;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return false;
}

const join = (base: string, key: string | number) => (base ? `${base}.${key}` : String(key));

/** Every place in a parsed value (strings, object keys) holding a NUL, by dotted path. */
export function nulFields(value: unknown, base = '', out: FieldError[] = []): FieldError[] {
  if (typeof value === 'string') {
    if (value.includes('\0')) out.push({ field: base || 'body', message: NUL_MESSAGE });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => nulFields(v, join(base, i), out));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes('\0')) out.push({ field: join(base, k.replaceAll('\0', '\\u0000')), message: `field names: ${NUL_MESSAGE}` });
      else nulFields(v, join(base, k), out);
    }
  }
  return out;
}

/**
 * Checks JSON text for nesting, then parses it with `parse` and checks it for NULs. `field`
 * names the text in errors ('body', or a multipart part such as 'config'); `prefix` is put
 * before the paths of NULs found inside it ('' for a request body, whose fields are top level).
 */
export function parseGuardedJson(text: string, parse: (text: string) => unknown, field: string, prefix = ''): unknown {
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
    throw validationError(
      [{ field, message: `JSON may not nest deeper than ${MAX_JSON_DEPTH} levels of objects and arrays` }],
      `The ${field} nests deeper than ${MAX_JSON_DEPTH} levels`,
    );
  }
  const value = parse(text);
  const nuls = nulFields(value, prefix);
  if (nuls.length > 0) throw validationError(nuls, `The ${field} contains a NUL character (U+0000): text may not contain NUL characters`);
  return value;
}

/** Why JSON text does not parse, in the words of the runtime's parser (with the position). */
function syntaxReason(text: string): string {
  try {
    JSON.parse(text);
  } catch (e) {
    return (e as Error).message;
  }
  // Valid to JSON.parse, refused by Fastify's parser: its prototype-poisoning guard.
  return 'it has a "__proto__" or "constructor.prototype" key';
}

/**
 * Replaces the JSON body parser with one that runs the checks above (keeping Fastify's own
 * parser, with its prototype-poisoning guard, for the parsing itself), and refuses NULs in the
 * query string and path parameters before validation.
 *
 * An empty body (or only white space) is no body rather than an error: curl helpers send
 * `Content-Type: application/json` on every request, a DELETE included. A route without a body
 * schema then runs; one with a body schema answers its usual 400 naming `body`.
 */
export function installInputGuard(app: FastifyInstance): void {
  const parseDefault = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body as string;
    if (text.trim() === '') return done(null, undefined);
    // Fastify's parser reports through a callback; it is synchronous, so `parsed` is set on return.
    const parse = (json: string) => {
      let parsed: unknown;
      parseDefault(req, json, (err, v) => {
        if (err) {
          const reason = syntaxReason(json);
          throw validationError([{ field: 'body', message: `is not valid JSON: ${reason}` }], `The body is not valid JSON: ${reason}`);
        }
        parsed = v;
      });
      return parsed;
    };
    try {
      done(null, parseGuardedJson(text, parse, 'body'));
    } catch (e) {
      done(e as Error, undefined);
    }
  });
  app.addHook('preValidation', async (request: FastifyRequest) => {
    const nuls = [...nulFields(request.params ?? {}), ...nulFields(request.query ?? {})];
    if (nuls.length > 0) throw validationError(nuls, 'The URL contains a NUL character (U+0000): text may not contain NUL characters');
  });
}
