import { strings } from '../i18n/strings.ts';
import {
  ForwardingMessenger,
  isReadOnly,
  type MessengerArgs,
  type MessengerMethod,
  type MessengerResult,
} from './forwarding-messenger.ts';
import { MESSENGER_CHANGES, MessengerError, type MessengerChange } from './messenger.ts';
import {
  type FinalImage,
  fromWireError,
  isFromNewerVersion,
  readTabMessage,
  TAB_PROTOCOL_VERSION,
  type TabMessage,
} from './tab-protocol.ts';

/** A call sent to the owner tab and not answered yet. */
export interface PendingCall {
  method: MessengerMethod;
  args: unknown[];
  /** The owner said it started on it: asking again elsewhere could do it twice. */
  accepted: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export interface RemoteMessengerOptions {
  /** How long a call waits for an owner tab to take it before it fails. */
  acceptTimeoutMs?: number;
  /** The owner runs a newer protocol: this tab runs an old build (it reloads). Its calls fail with `otherVersion`. */
  onNewerOwner?: () => void;
}

/**
 * The Messenger of a tab that does not own the local copy: each call goes to the owner tab over the tabs'
 * BroadcastChannel, and the owner's change notifications come back. A call made while no owner answers waits for one.
 */
export class RemoteMessenger extends ForwardingMessenger {
  private readonly tabId = crypto.randomUUID();
  private readonly pending = new Map<string, PendingCall & { timer: ReturnType<typeof setTimeout> | null }>();
  private readonly listeners = new Set<(change: MessengerChange) => void>();
  private readonly acceptTimeoutMs: number;
  private counter = 0;
  private closed = false;
  private finalImage: FinalImage | null = null;
  private readonly onMessage = (event: MessageEvent) => {
    if (isFromNewerVersion(event.data)) this.options.onNewerOwner?.();
    this.receive(readTabMessage(event.data));
  };

  constructor(
    private readonly channel: BroadcastChannel,
    private readonly options: RemoteMessengerOptions = {},
  ) {
    super();
    this.acceptTimeoutMs = options.acceptTimeoutMs ?? 15_000;
    channel.addEventListener('message', this.onMessage);
  }

  subscribe(listener: (change: MessengerChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The image a closing owner sent since the last owner started (the one this tab should start from if it becomes
   * the owner now), or null.
   */
  get handedImage(): FinalImage | null {
    return this.finalImage;
  }

  /**
   * Stops listening (this tab becomes the owner) and hands over the calls still waiting, for the new owner to
   * answer: see `canAskAgain`.
   */
  close(): PendingCall[] {
    this.closed = true;
    this.channel.removeEventListener('message', this.onMessage);
    const waiting = [...this.pending.values()].map(({ timer, ...call }) => {
      if (timer !== null) clearTimeout(timer);
      return call;
    });
    this.pending.clear();
    return waiting;
  }

  protected invoke<M extends MessengerMethod>(method: M, args: MessengerArgs<M>): Promise<MessengerResult<M>> {
    if (this.closed) return Promise.reject(new Error(`RemoteMessenger.${method} after close()`));
    const id = `${this.tabId}:${++this.counter}`;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {
        method,
        args,
        accepted: false,
        resolve: resolve as (value: unknown) => void,
        reject,
        timer: this.acceptTimer(id),
      });
      this.send(id);
    });
  }

  private receive(message: TabMessage | null): void {
    if (!message) return;
    switch (message.type) {
      case 'request':
        return;
      case 'accepted': {
        const call = this.pending.get(message.id);
        if (!call) return;
        call.accepted = true;
        if (call.timer !== null) clearTimeout(call.timer);
        call.timer = null;
        return;
      }
      case 'result':
      case 'error': {
        const call = this.pending.get(message.id);
        if (!call) return;
        this.pending.delete(message.id);
        if (call.timer !== null) clearTimeout(call.timer);
        if (message.type === 'result') call.resolve(message.value);
        else call.reject(fromWireError(message.error));
        return;
      }
      case 'change':
        this.notify(message.change);
        return;
      case 'owner-ready':
        // The new owner started from the image, or from a later save: either way it is no longer the latest.
        this.finalImage = null;
        this.ownerChanged();
        return;
      case 'final-image':
        this.finalImage = { image: message.image, exportedAt: message.exportedAt };
        return;
    }
  }

  /** A new owner knows nothing of the calls the previous one had: ask again what can be, give up the rest. */
  private ownerChanged(): void {
    for (const [id, call] of this.pending) {
      if (canAskAgain(call)) {
        if (call.timer !== null) clearTimeout(call.timer);
        call.accepted = false;
        call.timer = this.acceptTimer(id);
        this.send(id);
      } else {
        this.pending.delete(id);
        call.reject(ownerClosedError());
      }
    }
    // The new owner opened the saved copy: what the views show may be older or newer than it.
    for (const change of MESSENGER_CHANGES) this.notify(change);
  }

  private send(id: string): void {
    const call = this.pending.get(id)!;
    this.channel.postMessage({
      v: TAB_PROTOCOL_VERSION,
      type: 'request',
      id,
      method: call.method,
      args: call.args,
    } satisfies TabMessage);
  }

  private acceptTimer(id: string): ReturnType<typeof setTimeout> {
    return setTimeout(() => {
      const call = this.pending.get(id);
      if (!call || call.accepted) return;
      this.pending.delete(id);
      call.reject(new MessengerError('unreachable', strings.tabs.noOwner));
    }, this.acceptTimeoutMs);
  }

  private notify(change: MessengerChange): void {
    for (const listener of this.listeners) listener(change);
  }
}

/**
 * Whether a call the owner tab may have lost can be asked again: yes when it never started on it, or when it only
 * reads; an action it started may have been done, and doing it twice (a message sent twice) is worse than saying so.
 */
export function canAskAgain(call: Pick<PendingCall, 'method' | 'accepted'>): boolean {
  return !call.accepted || isReadOnly(call.method);
}

export function ownerClosedError(): MessengerError {
  return new MessengerError('unreachable', strings.tabs.ownerClosed);
}
