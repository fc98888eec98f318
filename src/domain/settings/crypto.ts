import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// Secrets at rest: AES-256-GCM with a random 96-bit nonce per write. The additional data binds a
// ciphertext to its tenant and channel, so a row copied to another tenant (or channel) does not
// decrypt. Format: `v1.<base64url nonce|tag|ciphertext>`; the version leaves room for rotation.

const VERSION = 'v1';

export function encryptSecret(key: Buffer, plaintext: string, aad: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
}

/** Throws when the key is wrong, the data was tampered with or belongs to another tenant/channel. */
export function decryptSecret(key: Buffer, sealed: string, aad: string): string {
  const [version, data] = sealed.split('.', 2);
  if (version !== VERSION || !data) throw new Error('unknown secret format');
  const raw = Buffer.from(data, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}

// ---- public links ----
// Providers fetch a WhatsApp document/image header from a URL without our bearer token. The
// link carries tenant, attachment, expiry and an HMAC over the three: unguessable, short-lived,
// and useless for any other file.

export interface LinkSigner {
  sign(tenantId: string, attachmentId: string, expiresAt: number): string;
  verify(tenantId: string, attachmentId: string, expiresAt: number, sig: string, now?: number): boolean;
}

export function makeLinkSigner(secret: Buffer | string): LinkSigner {
  const mac = (t: string, a: string, exp: number) => createHmac('sha256', secret).update(`${t}\n${a}\n${exp}`).digest('base64url');
  return {
    sign: mac,
    verify(t, a, exp, sig, now = Date.now()) {
      if (!Number.isFinite(exp) || exp * 1000 < now) return false;
      const want = Buffer.from(mac(t, a, exp));
      const got = Buffer.from(sig);
      return want.length === got.length && timingSafeEqual(want, got);
    },
  };
}

/** The link key: PUBLIC_LINK_SECRET, else derived from the settings key, else random per process. */
export function linkKeyOf(publicLinkSecret: string | undefined, settingsKey: Buffer | undefined): Buffer | string {
  if (publicLinkSecret) return publicLinkSecret;
  if (settingsKey) return createHmac('sha256', settingsKey).update('public-attachment-links').digest();
  return randomBytes(32);
}
