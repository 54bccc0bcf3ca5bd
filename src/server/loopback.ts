/**
 * Whether an address is this machine's loopback: 127.0.0.0/8, ::1 (also as an
 * IPv4-mapped IPv6 address, as Node reports IPv4 callers on a dual-stack socket) or the
 * name localhost. Serves both the caller's socket address and the address the server
 * listens on.
 */
export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1' || address === 'localhost';
}
