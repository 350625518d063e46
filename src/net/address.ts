/**
 * @module
 * Network addresses as `{ host, port }`, for real and simulated transports
 * alike. A port of 0 asks the transport for a free port; once listening, the
 * servant reports the port it got.
 */
import { HioError } from '../core/errors.js';

/** A host (name or IP literal) and a port. */
export interface Address {
  readonly host: string;
  readonly port: number;
}

/** "host:port", with IPv6 literals in brackets. */
export function formatAddress(address: Address): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

/** Throws `HIO_ERR_NET_ADDRESS` unless the host is a non-empty string and the port an integer in [0, 65535]. */
export function checkAddress(owner: string, address: Address): Address {
  if (typeof address.host !== 'string' || address.host.length === 0) {
    throw new HioError('HIO_ERR_NET_ADDRESS', `${owner}: host must be a non-empty string`);
  }
  if (!Number.isInteger(address.port) || address.port < 0 || address.port > 65535) {
    throw new HioError('HIO_ERR_NET_ADDRESS', `${owner}: port must be an integer in [0, 65535], got ${String(address.port)}`);
  }
  return { host: address.host, port: address.port };
}
