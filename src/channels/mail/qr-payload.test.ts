import { describe, expect, it } from 'vitest';
import { AppError } from '../../lib/errors.js';
import { buildScanUrl } from './qr-payload.js';

const p = { trackId: 'T1', campaignId: 'C1', contactType: 'CUSTOMER' };
const ours = 'trackId=T1&campaignId=C1&contactType=CUSTOMER';

describe('buildScanUrl', () => {
  it.each([
    ['plain URL', 'https://example.com/r', `https://example.com/r?${ours}`],
    ['host only', 'https://example.com', `https://example.com/?${ours}`],
    ['space and non-ASCII made ASCII', 'https://Bücher.example/a b/ü?q=ä ö', `https://xn--bcher-kva.example/a%20b/%C3%BC?q=%C3%A4%20%C3%B6&${ours}`],
    ['existing query', 'https://example.com/r?a=1', `https://example.com/r?a=1&${ours}`],
    ['existing query kept verbatim', 'https://ex.com/r?q=a%20b&x=1+2', `https://ex.com/r?q=a%20b&x=1+2&${ours}`],
    ['trailing ?', 'https://example.com/r?', `https://example.com/r?${ours}`],
    ['trailing &', 'https://example.com/r?a=1&', `https://example.com/r?a=1&${ours}`],
    ['fragment', 'https://example.com/r#top', `https://example.com/r?${ours}#top`],
    ['query and fragment', 'http://example.com/r?a=1#x?y=2', `http://example.com/r?a=1&${ours}#x?y=2`],
    ['stale own keys dropped', 'https://ex.com/r?trackId=old&a=1&contactType=X', `https://ex.com/r?a=1&${ours}`],
    ['surrounding whitespace', '  https://example.com/r \n', `https://example.com/r?${ours}`],
  ])('%s', (_name, url, expected) => {
    expect(buildScanUrl(url, p)).toBe(expected);
  });

  it('percent-encodes values so + / = & # and spaces survive a scan', () => {
    const url = buildScanUrl('https://example.com/r?a=1#f', {
      trackId: 'ab+c/d==',
      campaignId: 'x&y=z',
      contactType: 'VIP customer#1',
    });
    expect(url).toBe(
      'https://example.com/r?a=1&trackId=ab%2Bc%2Fd%3D%3D&campaignId=x%26y%3Dz&contactType=VIP%20customer%231#f',
    );
    // What a landing page's query parser will see.
    const parsed = new URL(url).searchParams;
    expect(parsed.get('trackId')).toBe('ab+c/d==');
    expect(parsed.get('campaignId')).toBe('x&y=z');
    expect(parsed.get('contactType')).toBe('VIP customer#1');
    expect(new URL(url).hash).toBe('#f');
  });

  it('encodes non-ASCII values as UTF-8', () => {
    expect(buildScanUrl('https://ex.com', { ...p, contactType: 'Kundé' })).toBe(
      'https://ex.com/?trackId=T1&campaignId=C1&contactType=Kund%C3%A9',
    );
  });

  it.each([
    ['not a URL', 'not a url'],
    ['relative', '/landing'],
    ['empty', ''],
    ['ftp', 'ftp://example.com/r'],
    ['javascript', 'javascript:alert(1)'],
    ['mailto', 'mailto:a@b.c'],
  ])('rejects %s as a validation error on responseUrl', (_name, url) => {
    let err: unknown;
    try {
      buildScanUrl(url, p);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('validation');
    expect((err as AppError).fields.map((f) => f.field)).toEqual(['responseUrl']);
  });

  it('rejects an empty trackId naming the field', () => {
    expect(() => buildScanUrl('https://ex.com', { ...p, trackId: '' })).toThrowError(
      expect.objectContaining({ code: 'validation', fields: [expect.objectContaining({ field: 'trackId' })] }),
    );
  });
});
