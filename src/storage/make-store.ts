import { AppError } from '../lib/errors.js';
import { makeLocalStore } from './local-store.js';
import type { ObjectStore } from './object-store.js';
import { makeS3Store, type S3StoreConfig } from './s3-store.js';

// The only place that picks a driver from configuration, so the composition root stays a
// one-liner and the rest of the service only ever sees ObjectStore.

export interface ObjectStoreConfig {
  driver: 'local' | 's3';
  /** Required for 'local': the directory that holds the objects (created on first write). */
  dir?: string;
  /** Required for 's3'. */
  s3?: S3StoreConfig;
}

export function makeObjectStore(config: ObjectStoreConfig): ObjectStore {
  switch (config.driver) {
    case 'local':
      if (!config.dir) throw missing('storage.dir', "is required when the storage driver is 'local'");
      return makeLocalStore({ dir: config.dir });
    case 's3':
      if (!config.s3) throw missing('storage.s3', "is required when the storage driver is 's3'");
      return makeS3Store(config.s3);
    default:
      throw missing('storage.driver', `must be 'local' or 's3', got ${JSON.stringify(config.driver)}`);
  }
}

function missing(field: string, message: string): AppError {
  return new AppError('validation', `invalid storage configuration: ${field} ${message}`, {
    fields: [{ field, message }],
  });
}
