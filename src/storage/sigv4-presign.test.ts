import { describe, expect, it } from 'vitest';
import { encodeKeyPath, presignGetUrl, rfc3986 } from './sigv4-presign.js';

// AWS's worked example for a presigned GET ("Authenticating Requests: Using Query Parameters",
// Amazon S3 API reference): same inputs must give the same signature, byte for byte.
const AWS_EXAMPLE = {
  url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
  region: 'us-east-1',
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  now: new Date('2013-05-24T00:00:00Z'),
  expiresInSeconds: 86400,
};

describe('presignGetUrl', () => {
  it("reproduces AWS's published example", () => {
    expect(presignGetUrl(AWS_EXAMPLE)).toBe(
      'https://examplebucket.s3.amazonaws.com/test.txt' +
        '?X-Amz-Algorithm=AWS4-HMAC-SHA256' +
        '&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request' +
        '&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host' +
        '&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404',
    );
  });

  it('signs extra query parameters in sorted, strictly encoded form', () => {
    const url = presignGetUrl({
      ...AWS_EXAMPLE,
      query: { 'response-content-disposition': `attachment; filename*=UTF-8''O'Brien (1).pdf` },
    });
    const query = url.slice(url.indexOf('?') + 1);
    const keys = query.split('&').map((p) => p.split('=')[0]);
    // Sorted by code point: upper-case X-Amz-* before lower-case response-*, signature last.
    expect(keys).toEqual([
      'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders',
      'response-content-disposition', 'X-Amz-Signature',
    ]);
    expect(query).toContain(
      "response-content-disposition=attachment%3B%20filename%2A%3DUTF-8%27%27O%27Brien%20%281%29.pdf",
    );
    expect(url).not.toContain('aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404');
  });

  it('refuses lifetimes S3 would refuse', () => {
    expect(() => presignGetUrl({ ...AWS_EXAMPLE, expiresInSeconds: 0 })).toThrow(RangeError);
    expect(() => presignGetUrl({ ...AWS_EXAMPLE, expiresInSeconds: 7 * 86400 + 1 })).toThrow(RangeError);
  });

  it('encodes keys segment by segment', () => {
    expect(encodeKeyPath('tenant/a b/x=1.pdf')).toBe('tenant/a%20b/x%3D1.pdf');
    expect(rfc3986("!'()*~-._")).toBe('%21%27%28%29%2A~-._');
  });
});
