import { AppError } from '../../lib/errors.js';

// The text a letter's QR code carries: the campaign's responseUrl plus the three values the public
// scan endpoint needs to attribute the scan. The query is extended by string surgery rather than
// through URLSearchParams, which re-serialises the operator's own query (`%20` becomes `+`,
// `a=b=c` gets rewritten, ...) and encodes a space as `+`, which some landing pages do not decode.

export interface ScanParams {
  trackId: string;
  campaignId: string;
  contactType: string;
}

// Our parameter names, in the order they are appended.
const OWN_KEYS = ['trackId', 'campaignId', 'contactType'] as const;

function invalid(field: string, message: string): AppError {
  return new AppError('validation', message, { fields: [{ field, message }] });
}

// Parses and vets the operator-supplied URL: only http(s) with a host makes sense on paper, since a
// phone camera will not open `javascript:` or `mailto:` links as a landing page. Returns the
// WHATWG serialisation, which percent-encodes spaces and non-ASCII in the path and query and
// punycodes the host (so the code holds plain ASCII) but leaves existing escapes and `+` alone.
function checkResponseUrl(raw: string): string {
  const trimmed = raw.trim();
  let parsed: URL;
  try {
    parsed = new URL(trimmed);
  } catch (cause) {
    throw new AppError('validation', 'responseUrl is not a valid URL', {
      fields: [{ field: 'responseUrl', message: 'must be an absolute http(s) URL' }],
      cause,
    });
  }
  if ((parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.hostname === '') {
    throw invalid('responseUrl', 'must be an absolute http(s) URL');
  }
  return parsed.href;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

// Drops any trackId/campaignId/contactType the operator left in the URL: landing pages disagree on
// whether the first or the last duplicate wins, so a stale copy could misattribute every scan.
function withoutOwnKeys(query: string): string {
  if (query === '') return '';
  return query
    .split('&')
    .filter((pair) => {
      if (pair === '') return false;
      const eq = pair.indexOf('=');
      const name = safeDecode(eq === -1 ? pair : pair.slice(0, eq));
      return !(OWN_KEYS as readonly string[]).includes(name);
    })
    .join('&');
}

/**
 * `responseUrl` with `trackId`, `campaignId` and `contactType` appended as query parameters,
 * before any `#fragment`, values percent-encoded (encodeURIComponent) so `+ / = & space` survive.
 * Throws AppError('validation') naming `responseUrl` for a non-http(s) or unparsable URL, and
 * naming the value for an empty trackId / campaignId / contactType.
 */
export function buildScanUrl(responseUrl: string, p: ScanParams): string {
  const url = checkResponseUrl(responseUrl);
  for (const key of OWN_KEYS) {
    if (typeof p[key] !== 'string' || p[key].length === 0) throw invalid(key, 'must not be empty');
  }

  const hashAt = url.indexOf('#');
  const fragment = hashAt === -1 ? '' : url.slice(hashAt);
  const beforeFragment = hashAt === -1 ? url : url.slice(0, hashAt);
  const queryAt = beforeFragment.indexOf('?');
  const base = queryAt === -1 ? beforeFragment : beforeFragment.slice(0, queryAt);
  const existing = queryAt === -1 ? '' : withoutOwnKeys(beforeFragment.slice(queryAt + 1));

  const ours = OWN_KEYS.map((key) => `${key}=${encodeURIComponent(p[key])}`).join('&');
  const query = existing === '' ? ours : `${existing}&${ours}`;
  return `${base}?${query}${fragment}`;
}
