import { describe, expect, it } from 'vitest';
import { assertValidKey } from '../../storage/object-store.js';
import { objectKeyFor, parseObjectKey, tenantPrefix } from './keys.js';

const ID = '0b6f3c1e-2d4a-4f5b-8c9d-0e1f2a3b4c5d';

describe('attachment object keys', () => {
  it.each(['acme', 'a-1f2e3d', 'tenant.with_dots', 'über GmbH', 'a/b', '../x', 'x=61'])(
    'round-trips tenant %j through a valid key',
    (tenant) => {
      const key = objectKeyFor(tenant, ID);
      expect(() => assertValidKey(key)).not.toThrow();
      expect(key.startsWith(tenantPrefix(tenant))).toBe(true);
      expect(parseObjectKey(key)).toEqual({ tenantId: tenant, attachmentId: ID });
    },
  );

  it('keeps plain tenant ids readable and encodes the rest', () => {
    expect(objectKeyFor('acme', ID)).toBe(`attachments/acme/${ID}`);
    expect(objectKeyFor('a/b', ID)).toBe(`attachments/x=612f62/${ID}`);
  });

  it('does not claim keys it did not make', () => {
    expect(parseObjectKey(`other/acme/${ID}`)).toBeNull();
    expect(parseObjectKey(`attachments/acme/not-a-uuid`)).toBeNull();
    expect(parseObjectKey(`attachments/acme/x/${ID}`)).toBeNull();
    expect(parseObjectKey(`attachments/x=6/${ID}`)).toBeNull();
  });
});
