import { describe, expect, it } from 'vitest';
import { configProblems as problemsOf, loadConfig } from './config.js';
import { isSecretName, shownValue } from './config/redact.js';
import { configWarnings } from './config/warnings.js';

// The one configuration schema: defaults, and one error that lists every problem at once
// (the per-variable ones, the rules between variables and the channel providers' rules).

describe('loadConfig', () => {
  it('has the documented defaults and is frozen', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: undefined,
      role: 'all',
      logLevel: 'info',
      auth: { tenantClaim: 'tenantId', jwtSecret: undefined, jwksUrl: undefined },
      execution: { batchSize: 100, intervalSeconds: 10 },
      channels: { email: { transport: 'sink' }, call: { transport: 'sink' }, whatsapp: { transport: 'sink' } },
    });
    expect(c.dataDir).toMatch(/\/\.data$/);
    expect(Object.isFrozen(c) && Object.isFrozen(c.execution) && Object.isFrozen(c.channels)).toBe(true);
  });

  it('reads every variable it is given', () => {
    const c = loadConfig({
      PORT: '8080',
      ROLE: 'worker',
      DATABASE_URL: 'postgres://u@db:5432/x',
      AUTH_JWKS_URL: 'https://id.example.com/jwks.json',
      AUTH_TENANT_CLAIM: 'org',
      CAMPAIGN_EXECUTION_BATCH_SIZE: '250',
      CAMPAIGN_EXECUTION_INTERVAL: '2.5',
    });
    expect([c.port, c.role, c.databaseUrl, c.auth.jwksUrl, c.auth.tenantClaim]).toEqual([8080, 'worker', 'postgres://u@db:5432/x', 'https://id.example.com/jwks.json', 'org']);
    expect(c.execution).toMatchObject({ batchSize: 250, intervalSeconds: 2.5 });
  });

  it('lists every broken variable in one error, with what it got', () => {
    const problems = problemsOf({ PORT: 'abc', ROLE: 'boss', AUTH_JWT_SECRET: 'short', LOG_LEVEL: 'loud' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['AUTH_JWT_SECRET', 'LOG_LEVEL', 'PORT', 'ROLE']);
    expect(problems.find((p) => p.startsWith('ROLE'))).toContain('"boss"');
  });

  it('lists the rules between variables and the channel rules next to the broken variables', () => {
    const problems = problemsOf({
      PORT: 'abc',
      DATABASE_URL: 'mysql://db/x',
      STORAGE_DRIVER: 's3',
      S3_REGION: 'eu-west-1',
      CALL_TRANSPORT: 'twilio',
      TWILIO_AUTH_TOKEN: 'x',
    });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual([
      'AUTH_JWT_SECRET or AUTH_JWKS_URL',
      'DATABASE_URL',
      'PORT',
      'S3_ACCESS_KEY_ID',
      'S3_BUCKET',
      'S3_SECRET_ACCESS_KEY',
      'TWILIO_ACCOUNT_SID',
    ]);
  });

  it('does not repeat a rule about a variable already reported as broken', () => {
    // The short secret is reported once, not also as "required when DATABASE_URL is set".
    const problems = problemsOf({ DATABASE_URL: 'postgres://db/x', AUTH_JWT_SECRET: 'short' });
    expect(problems).toEqual(['AUTH_JWT_SECRET: must be at least 32 characters (got 5 characters)']);
  });

  it('refuses a DATABASE_URL the driver could not parse, without showing its password', () => {
    const problems = problemsOf({ DATABASE_URL: 'postgres://u:hunter2pass@[::1/x', AUTH_JWT_SECRET: 'x'.repeat(32), PORT: 'abc' });
    expect(problems.map((p) => p.split(':')[0]).sort()).toEqual(['DATABASE_URL', 'PORT']);
    expect(problems.find((p) => p.startsWith('DATABASE_URL'))).toContain('is not a valid URL');
    expect(problems.join('\n')).not.toContain('hunter2pass');
  });

  it('refuses two key sources at once', () => {
    expect(problemsOf({ AUTH_JWT_SECRET: 'x'.repeat(32), AUTH_JWKS_URL: 'https://id.example.com/jwks' })).toEqual([
      'AUTH_JWT_SECRET and AUTH_JWKS_URL: set one of them, not both',
    ]);
  });

  it('never prints a secret it refuses: its length instead', () => {
    const secret = 'ThisIsMyRealProductionSecret123';
    const problems = problemsOf({ AUTH_JWT_SECRET: secret, PUBLIC_LINK_SECRET: secret.slice(0, 20) });
    expect(problems).toEqual([
      'AUTH_JWT_SECRET: must be at least 32 characters (got 31 characters)',
      'PUBLIC_LINK_SECRET: must be at least 32 characters (got 20 characters)',
    ]);
  });

  it('knows a secret by its name, for every variable of that kind', () => {
    const secrets = [
      'AUTH_JWT_SECRET', 'S3_SECRET_ACCESS_KEY', 'S3_ACCESS_KEY_ID', 'METRICS_TOKEN', 'SETTINGS_ENCRYPTION_KEY',
      'PUBLIC_LINK_SECRET', 'EMAIL_HTTP_API_KEY', 'CALL_SERVICE_API_KEY', 'WHATSAPP_ACCESS_TOKEN', 'WHATSAPP_APP_SECRET',
      'WHATSAPP_VERIFY_TOKEN', 'TWILIO_AUTH_TOKEN', 'SOME_FUTURE_PASSWORD',
    ];
    expect(secrets.filter((n) => !isSecretName(n))).toEqual([]);
    const plain = ['PORT', 'ROLE', 'AUTH_TENANT_CLAIM', 'AUTH_JWKS_URL', 'S3_BUCKET', 'TWILIO_ACCOUNT_SID', 'MONKEY_MODE'];
    expect(plain.filter(isSecretName)).toEqual([]);
  });

  it('masks the credentials of a URL it refuses', () => {
    const problems = problemsOf({
      AUTH_JWKS_URL: 'https://jwks-user:hunter2@ id.example.com/jwks',
      PUBLIC_BASE_URL: 'http://token1234@exa mple.com/?a=1&password=hunter3',
      S3_ENDPOINT: 'minio:hunter4@no scheme',
    });
    expect(problems.join('\n')).not.toMatch(/hunter|token1234/);
    expect(problems.find((p) => p.startsWith('AUTH_JWKS_URL'))).toContain('(got "https://jwks-user:***@ id.example.com/jwks")');
    expect(problems.find((p) => p.startsWith('PUBLIC_BASE_URL'))).toContain('(got "http://***@exa mple.com/?a=1&password=***")');
    // The same rule for the URLs that carry credentials by design, should a rule ever echo them.
    expect(shownValue('DATABASE_URL', 'postgres://app:p@ss/w0rd@db:5432/x?sslpassword=k3y')).toBe('"postgres://app:***@db:5432/x?sslpassword=***"');
    expect(shownValue('SMTP_URL', 'smtp://mailer:hunter5@smtp.example.com:587')).toBe('"smtp://mailer:***@smtp.example.com:587"');
  });

  it('refuses a phone region libphonenumber does not know, with the other problems', () => {
    expect(loadConfig({ CONTACTS_DEFAULT_REGION: 'de' }).contacts.defaultRegion).toBe('DE');
    expect(problemsOf({ CONTACTS_DEFAULT_REGION: 'ZZ', PORT: 'abc' }).map((p) => p.split(':')[0]).sort()).toEqual(['CONTACTS_DEFAULT_REGION', 'PORT']);
    expect(problemsOf({ CONTACTS_DEFAULT_REGION: 'ZZ' })[0]).toMatch(/^CONTACTS_DEFAULT_REGION: must be an ISO 3166-1 alpha-2 country code .*\(got "ZZ"\)$/);
  });

  it('warns that HEALTH_PORT does nothing outside ROLE=worker', () => {
    expect(configWarnings(loadConfig({ HEALTH_PORT: '9100', ROLE: 'worker' }))).toEqual([]);
    expect(configWarnings(loadConfig({ ROLE: 'api' }))).toEqual([]);
    for (const role of ['api', 'all']) {
      expect(configWarnings(loadConfig({ HEALTH_PORT: '9100', ROLE: role, PORT: '8080' }))).toEqual([
        `HEALTH_PORT is ignored with ROLE=${role}: it is for ROLE=worker only; this role serves /healthz, /readyz and /metrics on PORT (8080)`,
      ]);
    }
  });
});
