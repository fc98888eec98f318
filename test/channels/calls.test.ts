import { createHmac } from 'node:crypto';
import xml from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, newTenant, type TestApp } from '../helpers/app.js';
import { startCallServiceFake, type CallServiceFake } from '../fakes/call-service.js';
import { signTwilioCallback, startTwilioFake, twilioStatusParams, type TwilioFake } from '../fakes/twilio.js';
import { campaignWith, insertContacts, ledger, responsesOf, runToCompletion, type NamedContact } from './helpers.js';

// Call campaigns through the real engine to a fake call service and a fake Twilio Calls API on
// 127.0.0.1, and their status callbacks (signed) back into the ledger and the responses.

const phone = (i: number) => `+4915200${String(i).padStart(6, '0')}`;
const CALL_CONFIG = {
  callHandlerConfig: { type: 'AI', lang: 'de', teamId: 'team-1', aiAgentId: 'agent-7' },
  script: 'Hallo {{ contact.firstName }}, hier ist Acme & Söhne <Angebot>.',
  sourcePhone: '+4930123456',
};
const contacts: NamedContact[] = Array.from({ length: 8 }, (_, i) => ({ firstName: `Name${i}`, lastName: i === 2 ? null : `Last${i}`, phone: phone(i) }));
contacts[1] = { firstName: "O'Neil", lastName: 'Hijos', phone: phone(1) };

describe('calls through the HTTP call service', () => {
  let fake: CallServiceFake;
  let t: TestApp;
  const tenant = newTenant('call');
  let campaignId: string;
  let ids: string[];
  const apiKey = 'call-service-key-123';

  beforeAll(async () => {
    fake = await startCallServiceFake({ apiKey });
    t = await buildTestApp({
      env: { CALL_TRANSPORT: 'http', CALL_SERVICE_URL: fake.url, CALL_SERVICE_API_KEY: apiKey, RATE_LIMIT_CALL: '0', PUBLIC_BASE_URL: 'https://engine.test' },
    });
    ids = await insertContacts(t.db.pool, tenant, contacts);
    campaignId = await campaignWith(t, tenant, 'call', CALL_CONFIG);
    fake.failNext(2, 503, 0);
    expect((await runToCompletion(t, tenant, campaignId, 30_000)).result).toBe('completed');
  });

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('posts the documented body with Idempotency-Key = ledger id; retries keep one call per contact', async () => {
    const rows = await ledger(t.db.pool, tenant, campaignId);
    expect(rows.every((r) => r.status === 'SENT')).toBe(true);
    expect(fake.distinctKeys()).toBe(8);
    expect(fake.requests).toHaveLength(10); // 8 + the two 503s, retried with the same key
    for (const r of rows) {
      const i = ids.indexOf(r.contact_id);
      const reqs = fake.requests.filter((q) => q.idempotencyKey === r.id);
      expect(reqs.length).toBeGreaterThanOrEqual(1);
      const placed = reqs.filter((q) => q.id);
      expect(placed).toHaveLength(1);
      expect(r.provider_message_id).toBe(placed[0].id);
      for (const q of reqs) {
        expect(q.headers.authorization).toBe(`Bearer ${apiKey}`);
        expect(q.headers['content-type']).toBe('application/json');
        expect(q.body).toEqual({
          trackingId: r.tracking_id,
          campaignId,
          contact: { id: r.contact_id, name: [contacts[i].firstName, contacts[i].lastName].filter(Boolean).join(' '), phone: phone(i) },
          callHandlerConfig: { type: 'AI', lang: 'de', teamId: 'team-1', aiAgentId: 'agent-7' },
          script: `Hallo ${contacts[i].firstName}, hier ist Acme & Söhne <Angebot>.`,
          sourcePhone: '+4930123456',
          statusCallbackUrl: 'https://engine.test/webhooks/calls',
        });
      }
    }
  });

  const postOutcome = (body: object, key = apiKey) => {
    const raw = JSON.stringify(body);
    const sig = 'sha256=' + createHmac('sha256', key).update(raw).digest('hex');
    return t.app.http.inject({ method: 'POST', url: '/webhooks/calls', headers: { 'content-type': 'application/json', 'x-signature-256': sig }, payload: raw });
  };

  it('a signed outcome updates the ledger; a completed call is a CALL response; a bad signature records nothing', async () => {
    const rows = await ledger(t.db.pool, tenant, campaignId);
    const [a, b] = rows;
    const before = await responsesOf(t.db.pool, tenant, campaignId);
    expect(before).toHaveLength(0);

    const forged = await postOutcome({ callId: a.provider_message_id, trackingId: a.tracking_id, status: 'completed', durationSec: 30 }, 'wrong-key');
    expect(forged.statusCode).toBe(401);
    expect(await ledger(t.db.pool, tenant, campaignId)).toEqual(rows);
    expect(await responsesOf(t.db.pool, tenant, campaignId)).toHaveLength(0);

    expect((await postOutcome({ callId: a.provider_message_id, trackingId: a.tracking_id, status: 'completed', durationSec: 30 })).statusCode).toBe(200);
    expect((await postOutcome({ callId: b.provider_message_id, trackingId: b.tracking_id, status: 'no-answer' })).statusCode).toBe(200);
    const after = await ledger(t.db.pool, tenant, campaignId);
    expect(after.find((r) => r.id === a.id)!.delivery_status).toBe('completed');
    expect(after.find((r) => r.id === b.id)!).toMatchObject({ status: 'SENT', delivery_status: 'no-answer' });
    const responses = await responsesOf(t.db.pool, tenant, campaignId);
    expect(responses).toHaveLength(1);
    expect(responses[0]).toMatchObject({ channel: 'CALL', status: 'RESPONDED', tracking_id: a.tracking_id });
    expect(responses[0].response_data).toMatchObject({ provider: 'call-service', callStatus: 'completed', durationSec: 30 });
  });
});

describe('calls through Twilio', () => {
  let fake: TwilioFake;
  let t: TestApp;
  const tenant = newTenant('twilio');
  let campaignId: string;
  let ids: string[];

  beforeAll(async () => {
    fake = await startTwilioFake();
    t = await buildTestApp({
      env: {
        CALL_TRANSPORT: 'twilio',
        TWILIO_ACCOUNT_SID: fake.accountSid,
        TWILIO_AUTH_TOKEN: fake.authToken,
        TWILIO_API_BASE_URL: fake.url,
        RATE_LIMIT_CALL: '0',
        PUBLIC_BASE_URL: 'https://engine.test',
      },
    });
    ids = await insertContacts(t.db.pool, tenant, [...contacts, { firstName: 'Bad', phone: '+49' }]);
    campaignId = await campaignWith(t, tenant, 'call', CALL_CONFIG);
    // Never on the invalid number: its single 21211 answer is checked below, whatever the order.
    fake.failNext(1, 429, (to) => to !== '+49');
    expect((await runToCompletion(t, tenant, campaignId, 30_000)).result).toBe('completed');
  });

  afterAll(async () => {
    await t?.close();
    await fake?.close();
  });

  it('creates each call form-encoded with To, From, valid TwiML and StatusCallback, idempotency token = ledger id', async () => {
    const rows = await ledger(t.db.pool, tenant, campaignId);
    const placed = fake.requests.filter((r) => r.sid);
    expect(placed).toHaveLength(8);
    expect(new Set(placed.map((r) => r.form.To)).size).toBe(8);
    for (const r of placed) {
      const i = contacts.findIndex((c) => c.phone === r.form.To);
      const row = rows.find((x) => x.contact_id === ids[i])!;
      expect(row.status).toBe('SENT');
      expect(row.provider_message_id).toBe(r.sid);
      expect(r.accountSid).toBe(fake.accountSid);
      expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(r.idempotencyToken).toBe(row.id);
      expect(r.form).toEqual({
        To: phone(i),
        From: '+4930123456',
        Twiml: expect.any(String),
        StatusCallback: `https://engine.test/webhooks/twilio/status?trackingId=${row.tracking_id}`,
        StatusCallbackMethod: 'POST',
        StatusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
      });
      const twiml = r.form.Twiml as string;
      expect(xml.validate(twiml)).toBe(true);
      const doc = xml.parse(twiml, { ignoreAttributes: false, attributeNamePrefix: '@', parseNodeValue: false, trimValues: false }) as any;
      expect(Object.keys(doc)).toEqual(['Response']);
      expect(doc.Response.Say['@language']).toBe('de-DE');
      // The parser leaves entities as they are: decode the five XML ones to read the script back.
      const text = String(doc.Response.Say['#text']).replace(/&(lt|gt|amp|quot|apos);/g, (_m, e: string) => ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" })[e]!);
      expect(text).toBe(`Hallo ${contacts[i].firstName}, hier ist Acme & Söhne <Angebot>.`);
    }
    // The 429 was retried with the same idempotency token; the invalid number failed with Twilio's message.
    const throttled = fake.requests.filter((r) => !r.sid && r.form.To !== '+49');
    expect(throttled).toHaveLength(1);
    expect(placed.filter((r) => r.idempotencyToken === throttled[0].idempotencyToken)).toHaveLength(1);
    const bad = rows.find((r) => r.contact_id === ids[8])!;
    expect(bad.status).toBe('FAILED');
    expect(bad.last_error).toBe("(Twilio 21211) The 'To' number +49 is not a valid phone number.");
  });

  const callback = (statusCallback: string, params: Record<string, string>, signature: string) => {
    const u = new URL(statusCallback);
    return t.app.http.inject({
      method: 'POST',
      url: u.pathname + u.search,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
      payload: new URLSearchParams(params).toString(),
    });
  };

  it('a status callback with a valid X-Twilio-Signature updates the ledger; answered and completed is a CALL response', async () => {
    const placed = fake.requests.filter((r) => r.sid);
    const [first, second, third] = placed;
    const url1 = first.form.StatusCallback as string;

    const ringing = twilioStatusParams({ callSid: first.sid!, status: 'ringing', accountSid: fake.accountSid });
    expect((await callback(url1, ringing, signTwilioCallback(url1, ringing, fake.authToken))).statusCode).toBe(204);
    let row = (await ledger(t.db.pool, tenant, campaignId)).find((r) => r.provider_message_id === first.sid)!;
    expect(row.delivery_status).toBe('ringing');
    expect(await responsesOf(t.db.pool, tenant, campaignId)).toHaveLength(0);

    const completed = twilioStatusParams({ callSid: first.sid!, status: 'completed', durationSec: 42, accountSid: fake.accountSid, answeredBy: 'human' });
    expect((await callback(url1, completed, signTwilioCallback(url1, completed, fake.authToken))).statusCode).toBe(204);
    row = (await ledger(t.db.pool, tenant, campaignId)).find((r) => r.provider_message_id === first.sid)!;
    expect([row.status, row.delivery_status]).toEqual(['SENT', 'completed']);
    const responses = await responsesOf(t.db.pool, tenant, campaignId);
    expect(responses).toHaveLength(1);
    expect(responses[0]).toMatchObject({ channel: 'CALL', status: 'RESPONDED', tracking_id: row.tracking_id });
    expect(responses[0].response_data).toMatchObject({ provider: 'twilio', callSid: first.sid, callStatus: 'completed', durationSec: 42, answeredBy: 'human' });

    // Not answered: a completed call of zero seconds is no response; a failed one fails the row.
    const url2 = second.form.StatusCallback as string;
    const unanswered = twilioStatusParams({ callSid: second.sid!, status: 'no-answer', accountSid: fake.accountSid });
    expect((await callback(url2, unanswered, signTwilioCallback(url2, unanswered, fake.authToken))).statusCode).toBe(204);
    const url3 = third.form.StatusCallback as string;
    const failed = twilioStatusParams({ callSid: third.sid!, status: 'failed', accountSid: fake.accountSid });
    expect((await callback(url3, failed, signTwilioCallback(url3, failed, fake.authToken))).statusCode).toBe(204);
    const rows = await ledger(t.db.pool, tenant, campaignId);
    expect(rows.find((r) => r.provider_message_id === second.sid)).toMatchObject({ status: 'SENT', delivery_status: 'no-answer' });
    expect(rows.find((r) => r.provider_message_id === third.sid)).toMatchObject({ status: 'FAILED', delivery_status: 'failed', last_error: 'Twilio could not place the call' });
    expect(await responsesOf(t.db.pool, tenant, campaignId)).toHaveLength(1);
  });

  it('a bad or missing signature answers 401 and records nothing', async () => {
    const target = fake.requests.filter((r) => r.sid)[4];
    const url = target.form.StatusCallback as string;
    const before = { ledger: await ledger(t.db.pool, tenant, campaignId), responses: await responsesOf(t.db.pool, tenant, campaignId) };
    const params = twilioStatusParams({ callSid: target.sid!, status: 'completed', durationSec: 9, accountSid: fake.accountSid });
    const good = signTwilioCallback(url, params, fake.authToken);
    const cases = [
      signTwilioCallback(url, params, 'not-the-auth-token'),
      signTwilioCallback(url.replace(/trackingId=[^&]+/, 'trackingId=other'), params, fake.authToken),
      signTwilioCallback(url, { ...params, CallDuration: '90' }, fake.authToken),
      '',
    ];
    for (const sig of cases) {
      const res = await callback(url, params, sig);
      expect(res.statusCode).toBe(401);
    }
    const missing = await t.app.http.inject({
      method: 'POST',
      url: new URL(url).pathname + new URL(url).search,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(params).toString(),
    });
    expect(missing.statusCode).toBe(401);
    // The good signature over different parameters does not verify either.
    expect((await callback(url, { ...params, CallStatus: 'failed' }, good)).statusCode).toBe(401);
    expect(await ledger(t.db.pool, tenant, campaignId)).toEqual(before.ledger);
    expect(await responsesOf(t.db.pool, tenant, campaignId)).toEqual(before.responses);
  });
});
