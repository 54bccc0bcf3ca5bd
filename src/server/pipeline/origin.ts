import type http from 'node:http';
import { AquiferError } from '../../errors.js';

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;

/**
 * Browsers attach an Origin to cross-site requests, and a DNS-rebinding page reaches a
 * loopback server under its own host name. The server does no CORS, so any Origin other than
 * a loopback one is refused; a server listening on loopback also refuses a Host that is not.
 */
export function checkOrigin(headers: http.IncomingHttpHeaders, listensOnLoopback: boolean): void {
  const origin = headers.origin;
  if (origin !== undefined) {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      throw forbidden('Origin', origin);
    }
    if (!LOOPBACK_HOST.test(host)) throw forbidden('Origin', origin);
  }
  if (listensOnLoopback && !LOOPBACK_HOST.test(headers.host ?? '')) throw forbidden('Host', headers.host ?? '');
}

function forbidden(header: string, value: string): AquiferError {
  return new AquiferError('HTTP_ORIGIN_FORBIDDEN', `The ${header} header is not allowed`, { value: value.slice(0, 200), hint: 'Call the server from a program, not a web page; on loopback use localhost or 127.0.0.1 as the host.' });
}
