// A valid body for every route under /campaigns/{id}, keyed "METHOD /openapi/path". The
// tenancy test sends them as another tenant and expects 404: validation passes, the tenant
// check must be what stops them. A new route needs an entry here.
const schedule = { startOn: '2030-01-01', timeZone: 'UTC', operationFrequency: 'DAILY' };

export const sampleBodies: Record<string, unknown> = {
  'GET /campaigns/{id}': null,
  'PUT /campaigns/{id}': { title: 'stolen' },
  'DELETE /campaigns/{id}': null,
  'PUT /campaigns/{id}/status': { status: 'SCHEDULED' },
  'GET /campaigns/{id}/schedule': null,
  'POST /campaigns/{id}/schedule': schedule,
  'GET /campaigns/{id}/targets': null,
  'GET /campaigns/{id}/targets/preview': null,
  'PUT /campaigns/{id}/targets': { contactType: 'X' },
  'GET /campaigns/{id}/calls': null,
  'PUT /campaigns/{id}/calls': { script: 'x' },
  'GET /campaigns/{id}/emails': null,
  'PUT /campaigns/{id}/emails': { sourceEmail: 'a@b.example' },
  'GET /campaigns/{id}/whatsapp': null,
  'PUT /campaigns/{id}/whatsapp': { templateData: {} },
  'GET /campaigns/{id}/mails': null,
  'PUT /campaigns/{id}/mails': { subject: 'x' },
  // Attachments: the PUTs above also take multipart/form-data; the JSON sample covers them.
  'DELETE /campaigns/{id}/emails/attachment': null,
  'DELETE /campaigns/{id}/whatsapp/attachment': null,
  'DELETE /campaigns/{id}/mails/attachment': null,
  'GET /campaigns/{id}/progress': null,
  'GET /campaigns/{id}/dispatches': null,
  'POST /campaigns/{id}/dispatches/retry': { status: ['UNCERTAIN'] },
  'POST /campaigns/{id}/dispatches/resolve': { outcome: 'FAILED', all: true },
  // Physical mail and responses ({trackId} is filled with a UUID-shaped id).
  'GET /campaigns/{id}/mails/print': null,
  'POST /campaigns/{id}/mails/{trackId}/status': { status: 'SEND' },
  'GET /campaigns/{id}/mails/metrics': null,
  'GET /campaigns/{id}/responses': null,
  'POST /campaigns/{id}/responses': { trackingId: 'AAAAAAAAAAAAAAAAAAAAAA', status: 'RESPONDED', responseData: {} },
  'GET /campaigns/{id}/metrics': null,
};
