import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { S3ObjectStore } from '../../src/storage/index.js';
import type { MinioService } from './services.js';

/**
 * Tables on MinIO for the S3 proof tests: a store on a fresh prefix with its own read cache,
 * and the environment that hands the same endpoint and credentials to child processes
 * (Aquifer writers through the standard AWS variables, delta-rs and Polars through theirs).
 */

export function awsEnvironment(minio: MinioService): NodeJS.ProcessEnv {
  return {
    AWS_ENDPOINT_URL_S3: minio.endpoint,
    AWS_ENDPOINT_URL: minio.endpoint,
    AWS_ACCESS_KEY_ID: minio.accessKeyId,
    AWS_SECRET_ACCESS_KEY: minio.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_ALLOW_HTTP: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

/** delta-rs / Polars storage_options for MinIO (path-style, plain HTTP). */
export function deltaRsStorageOptions(minio: MinioService): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: minio.endpoint,
    AWS_ACCESS_KEY_ID: minio.accessKeyId,
    AWS_SECRET_ACCESS_KEY: minio.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_ALLOW_HTTP: 'true',
    AWS_S3_ALLOW_UNSAFE_RENAME: 'true',
    aws_virtual_hosted_style_request: 'false',
  };
}

export async function minioStore(minio: MinioService, bucket: string, prefix = `t-${randomUUID()}`): Promise<S3ObjectStore> {
  return new S3ObjectStore(`s3://${bucket}/${prefix}`, {
    endpoint: minio.endpoint,
    credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
    cache: { dir: await mkdtemp(path.join(os.tmpdir(), 'aquifer-s3-cache-')) },
  });
}
