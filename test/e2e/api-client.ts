import { signToken } from '../../src/http/auth.js';
import type { ServiceProcess } from '../helpers/process.js';

// A small fetch client for the API of a real service process: the end-to-end test talks to the
// service over its real port only, as an operator's tools would. And a stop that cannot hang.

/** SIGTERM, then SIGKILL if the graceful shutdown has not ended the process in time. */
export async function stopWithin(p: ServiceProcess, graceMs = 15_000): Promise<void> {
  const timer = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await p.stop('SIGTERM');
  clearTimeout(timer);
}

export interface ApiClient {
  base: string;
  /** JSON request; throws with the problem body unless the status is one of `ok`. */
  json<T = any>(method: string, url: string, body?: unknown, ok?: number[]): Promise<T>;
  /** Raw request with the bearer token. */
  raw(method: string, url: string, init?: { body?: BodyInit; headers?: Record<string, string> }): Promise<Response>;
  /** Every item of a cursor-paginated list. */
  all<T = any>(url: string): Promise<T[]>;
}

export async function apiClient(base: string, secret: string, tenantId: string): Promise<ApiClient> {
  const token = await signToken(secret, { tenantId }, { expiresIn: '1h' });
  const raw: ApiClient['raw'] = (method, url, init = {}) =>
    fetch(`${base}${url}`, { method, body: init.body, headers: { authorization: `Bearer ${token}`, ...init.headers } });
  const json: ApiClient['json'] = async (method, url, body, ok = [200, 201]) => {
    const res = await raw(method, url, body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const text = await res.text();
    if (!ok.includes(res.status)) throw new Error(`${method} ${url}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : undefined;
  };
  return {
    base,
    raw,
    json,
    async all(url) {
      const items = [];
      let cursor: string | null = null;
      do {
        const sep = url.includes('?') ? '&' : '?';
        const page: { items: any[]; nextCursor: string | null } = await json('GET', `${url}${sep}limit=200${cursor ? `&cursor=${cursor}` : ''}`);
        items.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor);
      return items;
    },
  };
}
