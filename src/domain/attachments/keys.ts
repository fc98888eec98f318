// Object keys of attachments: `attachments/<tenant>/<attachment id>`. The tenant segment is the
// tenant id itself when it is a plain key segment, else `x=` + its UTF-8 bytes in hex (a plain
// id never contains "="), so the orphan sweep can tell from a key which tenant owns it.

export const ATTACHMENT_PREFIX = 'attachments/';

const PLAIN_TENANT = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function tenantSegment(tenantId: string): string {
  return PLAIN_TENANT.test(tenantId) ? tenantId : `x=${Buffer.from(tenantId, 'utf8').toString('hex')}`;
}

export function tenantPrefix(tenantId: string): string {
  return `${ATTACHMENT_PREFIX}${tenantSegment(tenantId)}/`;
}

export function objectKeyFor(tenantId: string, attachmentId: string): string {
  return `${tenantPrefix(tenantId)}${attachmentId}`;
}

/** The tenant and attachment id a key was made for, or null for a key we did not make. */
export function parseObjectKey(key: string): { tenantId: string; attachmentId: string } | null {
  if (!key.startsWith(ATTACHMENT_PREFIX)) return null;
  const parts = key.slice(ATTACHMENT_PREFIX.length).split('/');
  if (parts.length !== 2) return null;
  const [segment, attachmentId] = parts as [string, string];
  if (!UUID.test(attachmentId)) return null;
  if (segment.startsWith('x=')) {
    const hex = segment.slice(2);
    if (!/^(?:[0-9a-f]{2})+$/.test(hex)) return null;
    return { tenantId: Buffer.from(hex, 'hex').toString('utf8'), attachmentId };
  }
  return PLAIN_TENANT.test(segment) ? { tenantId: segment, attachmentId } : null;
}
