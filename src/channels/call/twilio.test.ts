import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../lib/errors.js';
import { TransientError } from '../errors.js';
import { makeTwilioClient } from './twilio-client.js';
import { computeTwilioSignature, parseTwilioStatus, verifyTwilioSignature } from './twilio-webhook.js';
import { buildTwiml, twimlLanguage } from './twiml.js';

const token = '12345';
const url = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const params = { To: '+18005551212', From: '+14158675310', Digits: '1234', CallSid: 'CA1234567890ABCDE', Caller: '+14158675310' };
// Written out by hand, in sorted key order, so the test does not share the code under test.
const signedData = url + 'CallSidCA1234567890ABCDE' + 'Caller+14158675310' + 'Digits1234' + 'From+14158675310' + 'To+18005551212';
const expectedSig = createHmac('sha1', token).update(signedData).digest('base64');

describe('Twilio signature', () => {
  it('matches an independently computed HMAC-SHA1', () => {
    expect(computeTwilioSignature(url, params, token)).toBe(expectedSig);
    expect(verifyTwilioSignature(url, params, expectedSig, token)).toBe(true);
  });

  it('rejects wrong token, tampered params, other URL and a missing header', () => {
    expect(verifyTwilioSignature(url, params, expectedSig, 'other')).toBe(false);
    expect(verifyTwilioSignature(url, { ...params, Digits: '9' }, expectedSig, token)).toBe(false);
    expect(verifyTwilioSignature(url + '&x=1', params, expectedSig, token)).toBe(false);
    expect(verifyTwilioSignature(url, params, undefined, token)).toBe(false);
    expect(verifyTwilioSignature(url, params, '', token)).toBe(false);
  });

  it('accepts a signature made over the URL with the default port', () => {
    const sig = createHmac('sha1', token).update(signedData.replace('mycompany.com', 'mycompany.com:443')).digest('base64');
    expect(verifyTwilioSignature(url, params, sig, token)).toBe(true);
  });
});

describe('parseTwilioStatus', () => {
  it.each([
    [{ CallSid: 'CA1', CallStatus: 'completed', CallDuration: '42' }, 'completed', true, 42],
    [{ CallSid: 'CA1', CallStatus: 'completed', CallDuration: '0' }, 'completed', false, 0],
    [{ CallSid: 'CA1', CallStatus: 'in-progress' }, 'in-progress', true, 0],
    [{ CallSid: 'CA1', CallStatus: 'ringing' }, 'ringing', false, 0],
    [{ CallSid: 'CA1', CallStatus: 'no-answer' }, 'no-answer', false, 0],
    [{ CallSid: 'CA1', CallStatus: 'busy', AnsweredBy: 'unknown' }, 'busy', false, 0],
  ])('%j', (p, status, answered, durationSec) => {
    expect(parseTwilioStatus(p)).toMatchObject({ providerCallId: 'CA1', status, answered, durationSec });
  });

  it('keeps answeredBy, numbers and timestamp; refuses unusable callbacks', () => {
    const e = parseTwilioStatus({ CallSid: 'CA9', CallStatus: 'completed', CallDuration: '3', AnsweredBy: 'human', To: '+1', From: '+2', Timestamp: 'Mon, 16 Aug 2010 03:45:01 +0000' });
    expect(e).toEqual({ providerCallId: 'CA9', status: 'completed', answered: true, durationSec: 3, answeredBy: 'human', to: '+1', from: '+2', at: new Date('2010-08-16T03:45:01Z') });
    expect(() => parseTwilioStatus({ CallStatus: 'completed' })).toThrow(AppError);
    expect(() => parseTwilioStatus({ CallSid: 'CA1', CallStatus: 'exploded' })).toThrow(/CallStatus/);
  });
});

describe('buildTwiml', () => {
  it('escapes the script and maps the language', () => {
    expect(buildTwiml(`Hi O'Neil & <Co> "x"`, 'de')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="de-DE">Hi O&apos;Neil &amp; &lt;Co&gt; &quot;x&quot;</Say></Response>',
    );
  });
  it('maps short codes, passes others through, defaults to en-US, drops illegal XML characters', () => {
    expect([twimlLanguage('en'), twimlLanguage('ES'), twimlLanguage('fr'), twimlLanguage('pt-BR'), twimlLanguage(undefined)]).toEqual([
      'en-US', 'es-ES', 'fr-FR', 'pt-BR', 'en-US',
    ]);
    expect(buildTwiml('a\u0000b\u0007c', 'en')).toContain('>abc</Say>');
  });
});

describe('makeTwilioClient (error mapping)', () => {
  const sid = 'AC' + 'a'.repeat(32);
  const answering = (status: number, body: unknown) =>
    makeTwilioClient({
      accountSid: sid,
      authToken: 't',
      baseUrl: 'http://twilio.test',
      fetch: (async () => new Response(JSON.stringify(body), { status })) as unknown as typeof fetch,
    });
  const call = { to: '+15550100', from: '+15550101', twiml: buildTwiml('hi', 'en'), statusCallback: 'https://x/cb', idempotencyKey: 'k' };

  it('maps 4xx codes to permanent, 429/5xx/auth to transient', async () => {
    await expect(answering(400, { code: 21211, message: "The 'To' number +1 is not a valid phone number.", status: 400 }).createCall(call)).resolves.toEqual({
      ok: false, permanent: true, reason: "(Twilio 21211) The 'To' number +1 is not a valid phone number.",
    });
    await expect(answering(400, { code: 13224, message: 'Invalid number' }).createCall(call)).resolves.toMatchObject({ ok: false, permanent: true });
    await expect(answering(429, { code: 20429, message: 'Too Many Requests' }).createCall(call)).rejects.toBeInstanceOf(TransientError);
    await expect(answering(500, {}).createCall(call)).rejects.toBeInstanceOf(TransientError);
    await expect(answering(401, { code: 20003, message: 'Authenticate' }).createCall(call)).rejects.toThrow(/configuration/);
  });

  it('refuses an over-long TwiML and an invalid account sid', async () => {
    await expect(answering(201, { sid: 'CA1' }).createCall({ ...call, twiml: 'x'.repeat(4001) })).resolves.toMatchObject({ ok: false, permanent: true });
    expect(() => makeTwilioClient({ accountSid: 'nope', authToken: 't' })).toThrow(AppError);
  });
});
