/**
 * @module
 * The NetRemoter: one connection accepted by a {@link NetServant}, over a
 * node:net or node:tls socket. Its socket events mark it ready in its servant
 * and wake the servant's scheduler.
 */
import type { Socket } from 'node:net';
import { formatAddress } from './address.js';
import type { Remoter } from './connection.js';
import { NetConnection, type NetConnectionOptions } from './net-connection.js';

/** An accepted socket connection. */
export class NetRemoter extends NetConnection implements Remoter {
  readonly #notify: (remoter: NetRemoter) => void;
  #remoteKey: string | null = null;

  /**
   * Wraps an accepted socket. `notify` is the servant's hook, called on every
   * socket event and every tx() with this remoter.
   */
  constructor(socket: Socket, notify: (remoter: NetRemoter) => void, options: NetConnectionOptions = {}) {
    super(options);
    this.#notify = notify;
    this.attach(socket);
    this.readAddresses();
  }

  /**
   * The peer's "host:port", read from the socket on first use (a system
   * call); `socket:N` when the socket lost its peer address before anyone
   * asked (it was already reset or closed).
   */
  get remoteKey(): string {
    if (this.#remoteKey === null) {
      const address = this.remoteAddress;
      this.#remoteKey = address === null ? `socket:${nextOrphan++}` : formatAddress(address);
    }
    return this.#remoteKey;
  }

  protected get logKey(): string {
    return this.remoteKey;
  }

  protected notify(): void {
    this.#notify(this);
  }
}

/** Keys for sockets that lost their peer address before it was first read (already closed). */
let nextOrphan = 0;
