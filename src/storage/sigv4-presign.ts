import { createHash, createHmac } from 'node:crypto';

// AWS Signature Version 4 query-string presigning for S3 GET URLs. The SDK's presigner package
// is not a dependency of this project and the algorithm for one unsigned-payload GET is short,
// so it lives here, pinned by AWS's published example in the tests.
// https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html

export interface PresignInput {
  /** Full object URL without a query: scheme, host (and port), and the already-encoded path. */
  url: URL;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  now: Date;
  expiresInSeconds: number;
  /** Extra query parameters to sign, e.g. response-content-disposition. */
  query?: Record<string, string>;
}

// S3 allows 1 second to 7 days for a presigned URL.
const MIN_EXPIRES = 1;
const MAX_EXPIRES = 7 * 24 * 3600;

export function presignGetUrl(input: PresignInput): string {
  const expires = Math.trunc(input.expiresInSeconds);
  if (!(expires >= MIN_EXPIRES && expires <= MAX_EXPIRES)) {
    throw new RangeError(`presigned URL lifetime must be ${MIN_EXPIRES}..${MAX_EXPIRES} seconds`);
  }
  const amzDate = input.now.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, ''); // 20130524T000000Z
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${input.region}/s3/aws4_request`;

  const params: [string, string][] = [
    ['X-Amz-Algorithm', 'AWS4-HMAC-SHA256'],
    ['X-Amz-Credential', `${input.accessKeyId}/${scope}`],
    ['X-Amz-Date', amzDate],
    ['X-Amz-Expires', String(expires)],
    ['X-Amz-SignedHeaders', 'host'],
    ...Object.entries(input.query ?? {}),
  ];
  // Canonical query: keys and values RFC 3986-encoded, sorted by encoded key (then value).
  const canonicalQuery = params
    .map(([k, v]) => [rfc3986(k), rfc3986(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');

  const canonicalRequest = [
    'GET',
    input.url.pathname, // S3 signs the path as sent: encoded once, not twice
    canonicalQuery,
    `host:${input.url.host}\n`,
    'host',
    'UNSIGNED-PAYLOAD',
  ].join('\n');

  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  let key = hmac(`AWS4${input.secretAccessKey}`, day);
  key = hmac(key, input.region);
  key = hmac(key, 's3');
  key = hmac(key, 'aws4_request');
  const signature = createHmac('sha256', key).update(stringToSign).digest('hex');

  return `${input.url.origin}${input.url.pathname}?${canonicalQuery}&X-Amz-Signature=${signature}`;
}

/** Encodes every byte except A-Z a-z 0-9 - . _ ~, as SigV4 requires (encodeURIComponent leaves !'()*). */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** An object key as a URL path: each segment encoded, the slashes kept. */
export function encodeKeyPath(key: string): string {
  return key.split('/').map(rfc3986).join('/');
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac('sha256', key).update(data).digest();
}

function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
