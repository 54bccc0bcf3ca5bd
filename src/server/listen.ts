import { AquiferError } from '../errors.js';

/** A port as given (a flag's text or a number), checked: 0 picks a free one. */
export function checkPort(port: number | string): number {
  const text = String(port);
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65_535)
    throw new AquiferError('SERVER_PORT_INVALID', `'${text}' is not a port`, {
      value: text,
      hint: 'Give a whole number from 0 to 65535 (0 picks a free port).',
    });
  return Number(text);
}

export function listenError(error: Error & { code?: string }, host: string, port: number): Error {
  if (error.code === 'EADDRINUSE')
    return new AquiferError('SERVER_PORT_IN_USE', `Port ${port} on ${host} is in use`, {
      value: port,
      hint: 'Stop the other process, or pick another --port (0 picks a free one).',
    });
  if (error.code === 'EACCES')
    return new AquiferError('SERVER_PORT_INVALID', `Port ${port} needs privileges this process lacks`, { value: port, hint: 'Use a port above 1023.' });
  if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND' || error.code === 'EAI_AGAIN' || error.code === 'EAI_NONAME' || error.code === 'EINVAL')
    return new AquiferError('SERVER_HOST_INVALID', `Cannot listen on '${host}'`, {
      value: host,
      hint: 'Give an address of this machine, such as 127.0.0.1 or 0.0.0.0.',
    });
  return error;
}
