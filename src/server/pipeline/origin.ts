import type http from 'node:http';
import { AquiferError } from '../../errors.js';

const LOOPBACK_HOST = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])(?::\d+)?$/i;
/** A host name or IPv4 address, or a bracketed IPv6 address, with an optional port. */
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?\.?|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * Browsers attach an Origin to cross-site requests, and a DNS-rebinding page reaches a
 * loopback server under its own host name. The server does no CORS, so any Origin other than
 * a loopback one is refused; a server listening on loopback also refuses a Host that is not.
 */
export function checkOrigin(headers: http.IncomingHttpHeaders, listensOnLoopback: boolean): void {
  // The router builds the request's URL from Host: one it cannot parse would be an untyped 400.
  const host = headers.host;
  if (host !== undefined && host !== '' && (!HOST.test(host) || Number(host.split(':').pop()) > 65_535)) {
    throw new AquiferError('HTTP_REQUEST_INVALID', 'The Host header is not a host name', {
      value: host.slice(0, 200),
      hint: 'Send the host and port you connected to, such as localhost:8080.',
    });
  }
  const origin = headers.origin;
  if (origin !== undefined) {
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      throw forbidden('Origin', origin);
    }
    if (!LOOPBACK_HOST.test(originHost)) throw forbidden('Origin', origin);
  }
  if (listensOnLoopback && !LOOPBACK_HOST.test(headers.host ?? '')) throw forbidden('Host', headers.host ?? '');
}

function forbidden(header: string, value: string): AquiferError {
  return new AquiferError('HTTP_ORIGIN_FORBIDDEN', `The ${header} header is not allowed`, {
    value: value.slice(0, 200),
    hint: 'Call the server from a program, not a web page; on loopback use localhost or 127.0.0.1 as the host.',
  });
}
