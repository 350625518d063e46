/**
 * @module
 * The SimRemoter: one connection accepted by a {@link SimServant} on the
 * simulated network. Every fact delivered to it marks it ready in its
 * servant.
 */
import { formatAddress } from '../address.js';
import type { Remoter } from '../connection.js';
import { SimEndpoint, type SimEndpointOptions } from './sim-endpoint.js';
import type { SimFabric, SimSleeper } from './sim-fabric.js';

/** An accepted simulated connection. */
export class SimRemoter extends SimEndpoint implements Remoter {
  readonly remoteKey: string;
  /** For the network (the {@link SimEnd} contract): the servant's sleeper, whose passes take in this end's deliveries. */
  readonly sleeper: SimSleeper | null;
  readonly #notify: (remoter: SimRemoter) => void;

  /** Made by its servant when the network hands it a connect ({@link SimListener.acceptFrom}). */
  constructor(
    net: SimFabric,
    host: string,
    localPort: number,
    remote: { readonly host: string; readonly port: number },
    notify: (remoter: SimRemoter) => void,
    sleeper: SimSleeper | null,
    options: SimEndpointOptions,
  ) {
    super(net, host, options);
    this.#notify = notify;
    this.sleeper = sleeper;
    this.establish({ host, port: localPort }, remote);
    this.remoteKey = formatAddress(remote);
  }

  protected get logKey(): string {
    return this.remoteKey;
  }

  notify(): void {
    this.#notify(this);
  }

  override close(): void {
    super.close();
    this.detach();
  }
}
