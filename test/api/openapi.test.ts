import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.js';

// The OpenAPI document must be whole: every $ref resolves, so /docs shows each body.

let t: TestApp;
let doc: Record<string, unknown>;
beforeAll(async () => {
  t = await buildTestApp();
  doc = (await t.app.http.inject({ method: 'GET', url: '/openapi.json' })).json();
});
afterAll(async () => t.close());

/** Every `$ref` anywhere in the document, with where it was found. */
function refsOf(node: unknown, at: string, out: { ref: string; at: string }[] = []) {
  if (Array.isArray(node)) node.forEach((v, i) => refsOf(v, `${at}/${i}`, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push({ ref: v, at });
      else refsOf(v, `${at}/${k}`, out);
    }
  }
  return out;
}

/** A local JSON pointer (`#/a/b`), or undefined when it points at nothing. */
function resolve(ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = doc;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!node || typeof node !== 'object' || !(key in node)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

describe('OpenAPI document', () => {
  it('resolves every $ref', () => {
    const refs = refsOf(doc, '#');
    // The routes' bodies are named schemas, so there are many refs; none may dangle.
    expect(refs.length).toBeGreaterThan(15);
    const broken = refs.filter((r) => resolve(r.ref) === undefined);
    expect(broken).toEqual([]);
  });

  it('shows the request bodies the routes take', () => {
    const body = (doc.paths as Record<string, any>)['/campaigns'].post.requestBody.content['application/json'].schema;
    const schema = (body.$ref ? resolve(body.$ref) : body) as { properties?: Record<string, unknown>; required?: string[] };
    expect(schema.properties).toHaveProperty('title');
    expect(schema.required).toContain('title');
    // The security scheme the document declares by hand survives next to the generated schemas.
    expect((doc.components as any).securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});
