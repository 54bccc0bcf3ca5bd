import { createHash, createHmac } from 'node:crypto';
import type { MinioService } from './services.js';

export interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/**
 * A second, temporary key pair from MinIO's STS `AssumeRole` (signed with the root user),
 * so tests can switch credentials without an admin client: the request is signed by hand
 * (SigV4) since no STS client is among the dependencies.
 */
export async function assumeRole(minio: MinioService, durationSeconds = 900): Promise<TemporaryCredentials> {
  const url = new URL(minio.endpoint);
  const body = `Action=AssumeRole&Version=2011-06-15&DurationSeconds=${durationSeconds}`;
  const amzDate = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const contentType = 'application/x-www-form-urlencoded; charset=utf-8';
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
  const canonical = [
    'POST',
    '/',
    '',
    `content-type:${contentType}`,
    `host:${url.host}`,
    `x-amz-date:${amzDate}`,
    '',
    'content-type;host;x-amz-date',
    sha256(body),
  ].join('\n');
  const scope = `${day}/us-east-1/sts/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonical)].join('\n');
  const hmac = (key: string | Buffer, text: string) => createHmac('sha256', key).update(text).digest();
  const signingKey = ['us-east-1', 'sts', 'aws4_request'].reduce((key, part) => hmac(key, part), hmac(`AWS4${minio.secretAccessKey}`, day));
  const signature = createHmac('sha256', signingKey).update(toSign).digest('hex');
  const response = await fetch(new URL('/', url), {
    method: 'POST',
    body,
    headers: {
      'content-type': contentType,
      'x-amz-date': amzDate,
      authorization: `AWS4-HMAC-SHA256 Credential=${minio.accessKeyId}/${scope}, SignedHeaders=content-type;host;x-amz-date, Signature=${signature}`,
    },
  });
  const xml = await response.text();
  if (!response.ok) throw new Error(`AssumeRole failed: HTTP ${response.status} ${xml}`);
  const field = (name: string): string => {
    const value = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
    if (value === undefined) throw new Error(`AssumeRole answered without ${name}: ${xml}`);
    return value;
  };
  return {
    accessKeyId: field('AccessKeyId'),
    secretAccessKey: field('SecretAccessKey'),
    sessionToken: field('SessionToken'),
    expiration: new Date(field('Expiration')),
  };
}
