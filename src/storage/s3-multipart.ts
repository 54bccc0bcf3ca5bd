import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  UploadPartCommand,
  type CompletedPart,
  type S3Client,
} from '@aws-sdk/client-s3';
import { promises as fs } from 'node:fs';
import { log } from '../log.js';

/** S3 refuses parts below 5 MiB (except the last). */
export const MIN_PART_SIZE = 5 * 1024 * 1024;
/** S3 allows at most 10,000 parts per upload. */
const MAX_PARTS = 10_000;

export interface MultipartOptions {
  partSize: number;
  /** Parts in flight at once; memory use is about partSize × concurrency. */
  concurrency: number;
}

/**
 * Upload a local file as a multipart upload, reading it part by part from disk so memory
 * stays bounded whatever the file size. Each part is retried by the client's retry
 * strategy; if any part still fails, the upload is aborted so S3 does not keep (and bill)
 * the parts already sent, and the error is rethrown.
 */
export async function uploadMultipart(client: S3Client, bucket: string, key: string, file: string, size: number, options: MultipartOptions): Promise<void> {
  const partSize = Math.max(options.partSize, MIN_PART_SIZE, Math.ceil(size / MAX_PARTS));
  const partCount = Math.max(1, Math.ceil(size / partSize));
  const created = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const uploadId = created.UploadId;
  if (uploadId === undefined) throw new Error(`CreateMultipartUpload for ${key} returned no UploadId`);
  const handle = await fs.open(file, 'r');
  try {
    const parts: CompletedPart[] = [];
    let next = 0;
    let failed = false;
    const worker = async (): Promise<void> => {
      for (let index = next++; index < partCount && !failed; index = next++) {
        const offset = index * partSize;
        const length = Math.min(partSize, size - offset);
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, offset);
        if (bytesRead !== length) throw new Error(`${file} changed while it was uploaded`);
        const part = await client.send(
          new UploadPartCommand({ Bucket: bucket, Key: key, UploadId: uploadId, PartNumber: index + 1, Body: buffer, ContentLength: length }),
        );
        parts.push({ PartNumber: index + 1, ETag: part.ETag });
      }
    };
    // Wait for every worker before aborting, so no part lands after the abort.
    const settled = await Promise.allSettled(
      Array.from({ length: Math.min(options.concurrency, partCount) }, () =>
        worker().catch((error: unknown) => {
          failed = true;
          throw error;
        }),
      ),
    );
    const rejected = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (rejected !== undefined) throw rejected.reason;
    parts.sort((a, b) => (a.PartNumber ?? 0) - (b.PartNumber ?? 0));
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId, MultipartUpload: { Parts: parts } }));
  } catch (error) {
    await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId })).catch((abortError: unknown) => {
      log.warn({ err: abortError, bucket, key }, 'aborting a failed multipart upload failed; a lifecycle rule for incomplete uploads cleans it up');
    });
    throw error;
  } finally {
    await handle.close();
  }
}
