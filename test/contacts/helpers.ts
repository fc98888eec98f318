import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from '../helpers/app.js';

// Uploads through the real HTTP route: the raw body with a content type, or multipart/form-data.

export async function postRaw(
  t: TestApp,
  tenant: string,
  body: string | Buffer,
  contentType: string,
  query = '',
): Promise<LightMyRequestResponse> {
  return t.app.http.inject({
    method: 'POST',
    url: `/contacts/imports${query}`,
    headers: { authorization: `Bearer ${await t.token(tenant)}`, 'content-type': contentType },
    payload: body,
  });
}

export async function postMultipart(
  t: TestApp,
  tenant: string,
  file: string | Buffer,
  opts: { fileName?: string; fileType?: string; field?: string; fields?: Record<string, string>; query?: string } = {},
): Promise<LightMyRequestResponse> {
  const boundary = '----contactsBoundary7MA4YWxkTrZu0gW';
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(opts.fields ?? {})) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="${opts.field ?? 'file'}"; filename="${opts.fileName ?? 'contacts.csv'}"\r\n` +
        `Content-Type: ${opts.fileType ?? 'text/csv'}\r\n\r\n`,
    ),
    Buffer.isBuffer(file) ? file : Buffer.from(file),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return t.app.http.inject({
    method: 'POST',
    url: `/contacts/imports${opts.query ?? ''}`,
    headers: {
      authorization: `Bearer ${await t.token(tenant)}`,
      'content-type': `multipart/form-data; boundary=${boundary}`,
    },
    payload: Buffer.concat(parts),
  });
}

/** Every contact of a tenant (through the API), keyed by email or else phone or external id. */
export async function allContacts(t: TestApp, tenant: string): Promise<Record<string, any>[]> {
  const out: Record<string, any>[] = [];
  let cursor = '';
  for (;;) {
    const res = await t.call(tenant, 'GET', `/contacts?limit=200${cursor ? `&cursor=${cursor}` : ''}`);
    if (res.statusCode !== 200) throw new Error(res.body);
    const page = res.json();
    out.push(...page.items);
    if (!page.nextCursor) return out;
    cursor = page.nextCursor;
  }
}

export const byEmail = (contacts: Record<string, any>[]) => Object.fromEntries(contacts.map((c) => [c.email ?? c.phone ?? c.externalId, c]));
