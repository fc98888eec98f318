// What an "Invalid configuration" message may say about a value it refuses. The message goes to
// the terminal and into deployment logs, so a secret is never echoed: a rule on the variable's
// name (not a list of today's variables) decides, so a secret added later is covered too.

/** Name parts that mark a secret: AUTH_JWT_SECRET, METRICS_TOKEN, EMAIL_HTTP_API_KEY, S3_ACCESS_KEY_ID... */
const SECRET_PARTS = new Set(['SECRET', 'TOKEN', 'PASSWORD', 'PASSWD', 'PWD', 'KEY', 'CREDENTIAL', 'CREDENTIALS']);

export function isSecretName(name: string): boolean {
  return name.toUpperCase().split(/[^A-Z0-9]+/).some((part) => SECRET_PARTS.has(part));
}

/** Query parameters that carry a credential in a URL (libpq takes ?password=, some servers ?token=). */
const SECRET_PARAM = /pass|secret|token|key|auth|credential/i;

/** Variables that hold a URL even when the value is too broken to look like one. */
const URL_NAME = /_(URL|URI|ENDPOINT|DSN)$/i;

/**
 * A URL with its credentials masked: the whole user-info (up to the last "@", so a password
 * holding an unescaped "/" or "@" is masked too) and the values of secret query parameters.
 * A value without a scheme is masked the same way when its variable holds a URL.
 */
export function maskUrlCredentials(text: string, holdsUrl = false): string {
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.exec(text)?.[0];
  if (scheme === undefined && !holdsUrl) return text;
  const prefix = scheme ?? '';
  let rest = text.slice(prefix.length);
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const userInfo = rest.slice(0, at);
    const colon = userInfo.indexOf(':');
    // The user name alone helps to find the wrong setting; it is kept only when a ":" parts it
    // from the password (a lone user-info may be a token, as in https://<token>@host).
    rest = `${colon > 0 ? `${userInfo.slice(0, colon)}:` : ''}***@${rest.slice(at + 1)}`;
  }
  rest = rest.replace(/([?&;])([^=&;#]*)=([^&;#]*)/g, (whole, sep: string, key: string) =>
    SECRET_PARAM.test(key) ? `${sep}${key}=***` : whole,
  );
  return prefix + rest;
}

/** The "(got ...)" part of a problem: the value, its length only for a secret, URLs masked. */
export function shownValue(name: string, value: unknown): string {
  if (typeof value !== 'string') return value === undefined ? 'nothing' : 'a non-text value';
  if (isSecretName(name)) return `${value.length} character${value.length === 1 ? '' : 's'}`;
  return JSON.stringify(maskUrlCredentials(value, URL_NAME.test(name)));
}
