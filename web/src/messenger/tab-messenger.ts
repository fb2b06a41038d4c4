import {
  callMessenger,
  ForwardingMessenger,
  type MessengerArgs,
  type MessengerMethod,
  type MessengerResult,
} from './forwarding-messenger.ts';
import { MESSENGER_CHANGES, type Messenger, type MessengerChange } from './messenger.ts';
import { canAskAgain, ownerClosedError, type PendingCall } from './remote-messenger.ts';

/**
 * The Messenger the UI of a tab keeps for the tab's whole life: inside, the local one while this tab owns the copy,
 * the remote one while another tab does. Calls made while neither is ready wait; a swap tells the listeners that
 * anything may have changed (every kind of change is told).
 */
export class TabMessenger extends ForwardingMessenger {
  private current: Promise<Messenger>;
  private settle: ((messenger: Messenger) => void) | null = null;
  private unsubscribeInner: (() => void) | null = null;
  private readonly listeners = new Set<(change: MessengerChange) => void>();

  constructor() {
    super();
    this.current = this.waiting();
  }

  /** From now on calls go to `messenger`; `handedOver` are the calls the previous one left unanswered. */
  use(messenger: Messenger, handedOver: readonly PendingCall[] = []): void {
    this.unsubscribeInner?.();
    this.unsubscribeInner = messenger.subscribe((change) => this.notify(change));
    if (this.settle) {
      this.settle(messenger);
      this.settle = null;
    }
    this.current = Promise.resolve(messenger);
    for (const call of handedOver) {
      if (canAskAgain(call)) callMessenger(messenger, call.method, call.args as never).then(call.resolve, call.reject);
      else call.reject(ownerClosedError());
    }
    for (const change of MESSENGER_CHANGES) this.notify(change);
  }

  /** Calls made from now on wait for the next `use` (the tab is changing from follower to owner). */
  hold(): void {
    this.unsubscribeInner?.();
    this.unsubscribeInner = null;
    if (!this.settle) this.current = this.waiting();
  }

  subscribe(listener: (change: MessengerChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  protected async invoke<M extends MessengerMethod>(method: M, args: MessengerArgs<M>): Promise<MessengerResult<M>> {
    return callMessenger(await this.current, method, args);
  }

  private waiting(): Promise<Messenger> {
    return new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  private notify(change: MessengerChange): void {
    for (const listener of this.listeners) listener(change);
  }
}
