/**
 * @module
 * The Client: one outgoing connection with the {@link Connection} byte
 * surface, implemented by {@link NetClient} and {@link SimClient}. Bytes
 * queued before the connection is up, and received bytes not yet consumed,
 * survive a reconnect. A reconnectable client whose connection failed or was
 * cut off connects again every `reconnectTymeout` seconds of tyme.
 */
import type { Address } from './address.js';
import type { Connection } from './connection.js';

/** An outgoing connection. */
export interface Client extends Connection {
  /** The address connected to. */
  readonly address: Address;
  /** True while the connection is established (and not cut off). */
  readonly connected: boolean;
  /** Reconnect automatically after a failure or cutoff. */
  reconnectable: boolean;
  /** Seconds of tyme between reconnect attempts. */
  reconnectTymeout: number;
  /** Called whenever something happens that a pass should handle; a scheduler sets it to wake itself. */
  waker: (() => void) | null;

  /** Starts connecting unless a connection is up or under way; completes in a later serviceConnect. */
  open(): void;
  /** Closes any current connection and starts connecting; completes in a later serviceConnect. */
  reopen(): void;
  /** Takes note of the connect's outcome, reconnecting when due; returns `connected`. */
  serviceConnect(): boolean;
  /** serviceConnect, serviceSends, serviceReceives. */
  service(): void;
  /**
   * Whether the connection keeps the process alive (a real socket's
   * ref/unref); absent where there is no process to hold (simulated).
   */
  hold?(held: boolean): void;
  /** The tyme at which this client next needs a pass even if nothing happens (see Servant.nextDue). */
  nextDue(): number;
}
