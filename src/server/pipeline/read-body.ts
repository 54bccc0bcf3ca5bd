import type http from 'node:http';
import { AquiferError } from '../../errors.js';

/**
 * The request body, refused as soon as it passes `maxBytes` (by Content-Length before a byte
 * is read, or counted as chunks arrive) or does not end before `deadline` (a slow sender
 * would otherwise hold a connection and its buffers for as long as it likes).
 */
export function readBody(request: http.IncomingMessage, maxBytes: number, deadline: number, signal?: AbortSignal): Promise<Buffer> {
  const tooLarge = () =>
    new AquiferError('HTTP_BODY_TOO_LARGE', `The request body is larger than ${maxBytes} bytes`, {
      value: maxBytes,
      hint: 'Send less per request, or raise server.limits.bodyBytes in aquifer.json.',
    });
  const declared = Number(request.headers['content-length'] ?? Number.NaN);
  if (declared > maxBytes) return Promise.reject(tooLarge());
  if (signal?.aborted === true) return Promise.reject(signal.reason as Error);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error: unknown, body?: Buffer) => {
      clearTimeout(timer);
      request.off('data', onData);
      request.off('end', onEnd);
      request.off('error', onError);
      request.off('aborted', onError);
      signal?.removeEventListener('abort', onAbort);
      if (body !== undefined) resolve(body);
      else reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) finish(tooLarge());
      else chunks.push(chunk);
    };
    const onEnd = () => finish(undefined, chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks));
    const onError = (error: unknown) => finish(error ?? new Error('request aborted'));
    const onAbort = () => finish(signal?.reason);
    const timer = setTimeout(
      () =>
        finish(
          new AquiferError('HTTP_REQUEST_TIMEOUT', 'The request body did not arrive in time', {
            value: 'bodyTimeoutMs',
            hint: 'Send the body faster, or raise server.limits.bodyTimeoutMs in aquifer.json.',
          }),
        ),
      Math.max(0, deadline - Date.now()),
    );
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', onError);
    request.on('aborted', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
