import { describe, expect, it } from 'vitest';
import { makeManualClock } from '../../lib/clock.js';
import { AppError } from '../../lib/errors.js';
import { identityKey, makeContactNormalizer, normalizeEmail, normalizePhone, normalizeTags } from './normalize.js';

const clock = makeManualClock('2025-06-15T12:00:00Z');
const us = makeContactNormalizer({ defaultRegion: 'US', defaultContactType: 'customer', clock });

describe('normalizeEmail', () => {
  it('trims and lower-cases, so case and spaces give one identity', () => {
    const a = normalizeEmail('  John.Doe@Example.COM ');
    const b = normalizeEmail('john.doe@example.com');
    const c = normalizeEmail('\u200BJOHN.DOE@EXAMPLE.COM\u00A0');
    expect(a).toBe('john.doe@example.com');
    expect(identityKey({ externalId: null, email: a, phone: null })).toBe('e:john.doe@example.com');
    expect(identityKey({ externalId: null, email: b, phone: '+12125550123' })).toBe(
      identityKey({ externalId: null, email: c, phone: null }),
    );
  });

  it('reads mailto: and "Name <address>" forms', () => {
    expect(normalizeEmail('mailto:Ann@Example.org')).toBe('ann@example.org');
    expect(normalizeEmail('Ann Smith <Ann@Example.org>')).toBe('ann@example.org');
  });

  it.each(['plain', 'a@b', 'a@@b.com', 'a b@c.com', '.a@b.com', 'a..b@c.com', 'a@-b.com', 'a@b.c', 'a@b.com.', ''])(
    'refuses %j',
    (raw) => expect(normalizeEmail(raw)).toBeNull(),
  );

  it.each(['o\'neil+news@mail.example.co.uk', 'x@xn--bcher-kva.example', 'josé@exämple.de', 'a_b-c@d-e.io'])(
    'accepts %j',
    (raw) => expect(normalizeEmail(raw)).not.toBeNull(),
  );
});

describe('normalizePhone', () => {
  it.each([
    ['+1 212-555-0123', 'US', '+12125550123'],
    ['(212) 555-0123', 'US', '+12125550123'],
    ['212.555.0123 ext. 7', 'US', '+12125550123'],
    ['+12125550123', 'DE', '+12125550123'],
    ['0151 23456789', 'DE', '+4915123456789'],
    ['06 12 34 56 78', 'FR', '+33612345678'],
    ['+44 7400 123456', 'US', '+447400123456'],
  ] as const)('%s in %s → %s', (raw, region, e164) => {
    expect(normalizePhone(raw, region)).toBe(e164);
  });

  it.each(['+10000000000', '+1555', '+999123456789', '123', 'call me', '(555) 555-5555'])('refuses %j', (raw) => {
    expect(normalizePhone(raw, 'US')).toBeNull();
  });
});

describe('normalizeTags', () => {
  it('trims, drops empties and deduplicates case-insensitively keeping the first spelling', () => {
    expect(normalizeTags([' VIP', 'vip', '', 'Newsletter ', 'VIP ', 'newsletter'])).toEqual(['VIP', 'Newsletter']);
    expect(normalizeTags('a, b;c|d ::: A')).toEqual(['a', 'b', 'c', 'd']);
    expect(normalizeTags(null)).toEqual([]);
  });
});

describe('makeContactNormalizer', () => {
  it('produces a complete ContactInput', () => {
    const { contact, errors } = us.normalize({
      externalId: ' crm-42 ',
      firstName: ' Ada ',
      lastName: 'Lovelace',
      email: 'Ada@Example.com',
      phone: '(212) 555-0123',
      birthDate: '1985-12-10',
      gender: 'f',
      tags: ['VIP', 'vip'],
      address: { line1: '12 Analytical Row', city: 'New York', country: 'us', line2: '  ' },
      attributes: { plan: 'gold' },
      optOut: { email: 'yes', call: false },
    });
    expect(errors).toEqual([]);
    expect(contact).toEqual({
      externalId: 'crm-42',
      firstName: 'Ada',
      lastName: 'Lovelace',
      email: 'ada@example.com',
      phone: '+12125550123',
      birthDate: '1985-12-10',
      gender: 'FEMALE',
      contactType: 'customer',
      tags: ['VIP'],
      address: { line1: '12 Analytical Row', line2: null, city: 'New York', region: null, postalCode: null, country: 'US' },
      attributes: { plan: 'gold' },
      optOut: { email: true, call: false },
    });
  });

  it('reports every problem of a record at once and yields no contact', () => {
    const { contact, errors } = us.normalize({ email: 'nope', phone: '12', birthDate: '2030-01-01', gender: 'robot', optOut: { mail: 'maybe' } });
    expect(contact).toBeUndefined();
    expect(errors.map((e) => e.field)).toEqual(['email', 'phone', 'birthDate', 'gender', 'optOut.mail']);
  });

  it('needs an externalId, email or phone', () => {
    const { errors } = us.normalize({ firstName: 'Ada', lastName: 'Lovelace', address: { line1: 'x', city: 'y' } });
    expect(errors).toEqual([{ field: 'email', reason: 'a contact needs an externalId, email or phone' }]);
    expect(us.normalize({ externalId: 'only-id' }).contact?.externalId).toBe('only-id');
  });

  it('requires a contact type when there is no default', () => {
    const strict = makeContactNormalizer({ defaultRegion: 'US', clock });
    expect(strict.normalize({ email: 'a@b.co' }).errors).toEqual([{ field: 'contactType', reason: 'contactType is required' }]);
    expect(strict.normalize({ email: 'a@b.co', contactType: ' lead ' }).contact?.contactType).toBe('lead');
  });

  it.each([
    ['1990-05-01', '1990-05-01'],
    ['1990-5-1', '1990-05-01'],
    ['19900501', '1990-05-01'],
    ['01.05.1990', '1990-05-01'],
    ['1990-05-01T00:00:00Z', '1990-05-01'],
    ['05/01/1990', '1990-05-01'], // US region: month first
    ['0/0/00', null], // Outlook's "no birthday"
    ['2025-06-15', '2025-06-15'], // born today
  ])('birth date %j → %j', (raw, stored) => {
    const { contact, errors } = us.normalize({ email: 'a@b.co', birthDate: raw });
    expect(errors).toEqual([]);
    expect(contact?.birthDate).toBe(stored);
  });

  it('reads slash dates day first outside US-style regions', () => {
    const de = makeContactNormalizer({ defaultRegion: 'DE', defaultContactType: 'c', clock });
    expect(de.normalize({ email: 'a@b.co', birthDate: '05/01/1990' }).contact?.birthDate).toBe('1990-01-05');
    expect(us.normalize({ email: 'a@b.co', birthDate: '13/01/1990' }).errors[0].reason).toMatch(/MM\/DD\/YYYY/);
  });

  it.each(['2025-06-17', '1990-02-30', '1990-13-01', '5/1/90', 'yesterday', '1700-01-01', '--13-01'])(
    'refuses birth date %j',
    (raw) => {
      expect(us.normalize({ email: 'a@b.co', birthDate: raw }).errors.map((e) => e.field)).toEqual(['birthDate']);
    },
  );

  it('keeps a birthday without a year in attributes', () => {
    const { contact } = us.normalize({ email: 'a@b.co', birthDate: '--02-29' });
    expect(contact?.birthDate).toBeNull();
    expect(contact?.attributes).toEqual({ birthdayNoYear: '--02-29' });
  });

  it.each([
    ['m', 'MALE'], ['Male', 'MALE'], ['F', 'FEMALE'], ['w', 'FEMALE'], ['weiblich', 'FEMALE'],
    ['non-binary', 'OTHER'], ['Non Binary', 'OTHER'], ['x', 'OTHER'], ['divers', 'OTHER'],
    ['U', 'UNKNOWN'], ['Unspecified', 'UNKNOWN'], ['prefer not to say', 'UNKNOWN'], ['', null],
  ])('gender %j → %j', (raw, gender) => {
    expect(us.normalize({ email: 'a@b.co', gender: raw }).contact?.gender).toBe(gender);
  });

  it('splits a full name when no first or last name is given', () => {
    expect(us.normalize({ email: 'a@b.co', fullName: 'Mary Ann Smith' }).contact).toMatchObject({ firstName: 'Mary Ann', lastName: 'Smith' });
    expect(us.normalize({ email: 'a@b.co', fullName: 'Cher' }).contact).toMatchObject({ firstName: 'Cher', lastName: null });
    expect(us.normalize({ email: 'a@b.co', fullName: 'X Y', lastName: 'Only' }).contact).toMatchObject({ firstName: null, lastName: 'Only' });
  });

  it('prefers externalId, then email, then phone as identity', () => {
    expect(identityKey({ externalId: '7', email: 'a@b.co', phone: '+12125550123' })).toBe('x:7');
    expect(identityKey({ externalId: null, email: null, phone: '+12125550123' })).toBe('p:+12125550123');
    expect(() => identityKey({ externalId: null, email: null, phone: null })).toThrow();
  });

  it('refuses an unknown region up front', () => {
    expect(() => makeContactNormalizer({ defaultRegion: 'XX' as never })).toThrow(AppError);
  });
});
