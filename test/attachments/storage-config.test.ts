import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configProblems as problemsOf, loadConfig } from '../../src/config.js';

// The storage settings of the configuration: defaults, the S3 driver's required settings listed
// together, and the secret kept out of every message.

const base = { AUTH_JWT_SECRET: 'x'.repeat(40), DATA_DIR: '/srv/campaigns' };

describe('storage configuration', () => {
  it('defaults to the local store inside DATA_DIR with a 20 MiB limit', () => {
    const c = loadConfig(base);
    expect(c.storage).toEqual({
      driver: 'local',
      dir: path.resolve('/srv/campaigns/attachments'),
      s3: undefined,
      attachmentMaxBytes: 20 * 1024 * 1024,
    });
    expect(loadConfig({ ...base, STORAGE_DIR: '/data/files', ATTACHMENT_MAX_BYTES: '1000' }).storage).toMatchObject({
      dir: '/data/files',
      attachmentMaxBytes: 1000,
    });
  });

  it('lists every missing S3 setting at once', () => {
    expect(problemsOf({ ...base, STORAGE_DRIVER: 's3', S3_BUCKET: 'b' })).toEqual([
      'S3_REGION: required when STORAGE_DRIVER is s3',
      'S3_ACCESS_KEY_ID: required when STORAGE_DRIVER is s3',
      'S3_SECRET_ACCESS_KEY: required when STORAGE_DRIVER is s3',
    ]);
    expect(problemsOf({ ...base, STORAGE_DRIVER: 'ftp' })[0]).toMatch(/^STORAGE_DRIVER: /);
    expect(problemsOf({ ...base, ATTACHMENT_MAX_BYTES: '0' })[0]).toMatch(/^ATTACHMENT_MAX_BYTES: /);
  });

  it('builds the S3 settings, and never prints the secret in a problem', () => {
    const env = {
      ...base,
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: 'https://fra1.digitaloceanspaces.com',
      S3_REGION: 'fra1',
      S3_BUCKET: 'campaign-files',
      S3_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      S3_SECRET_ACCESS_KEY: 'very-secret-value',
    };
    expect(loadConfig(env).storage.s3).toEqual({
      endpoint: 'https://fra1.digitaloceanspaces.com',
      region: 'fra1',
      bucket: 'campaign-files',
      accessKeyId: 'AKIDEXAMPLE',
      secretAccessKey: 'very-secret-value',
      forcePathStyle: false,
      checksumWhenRequired: false,
    });
    const problems = problemsOf({ ...env, S3_ENDPOINT: 'not a url', S3_FORCE_PATH_STYLE: 'maybe' });
    expect(problems.map((p) => p.split(':')[0])).toEqual(['S3_ENDPOINT', 'S3_FORCE_PATH_STYLE']);
    expect(problems.join('\n')).not.toContain('very-secret-value');
  });
});
