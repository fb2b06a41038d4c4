import type { Messenger, MessengerChange } from './messenger.ts';

/** Every Messenger call but `subscribe`: what can be forwarded to another Messenger, or to another tab. */
export type MessengerMethod = Exclude<keyof Messenger, 'subscribe'>;

export type MessengerArgs<M extends MessengerMethod> = Parameters<Messenger[M]>;
export type MessengerResult<M extends MessengerMethod> = Awaited<ReturnType<Messenger[M]>>;

/** Whether a call only reads: one that may have been lost with a closing tab can be asked again without harm. */
const READS: Record<MessengerMethod, boolean> = {
  session: true,
  serverName: true,
  login: false,
  logout: false,
  devices: true,
  revokeDevice: false,
  conversations: true,
  thread: true,
  contacts: true,
  invites: true,
  sendMessage: false,
  markRead: false,
  retryMessage: false,
  discardMessage: false,
  invite: false,
  acceptInvite: false,
  declineInvite: false,
  revokeInvite: false,
  removeFriend: false,
  refusedActions: true,
  dismissRefusedAction: false,
  conversationSecurity: true,
  safetyNumber: true,
  markVerified: false,
  acknowledgeKeyChange: false,
  ownKeys: true,
  resetKeys: false,
  connection: true,
};

export const MESSENGER_METHODS = Object.keys(READS) as MessengerMethod[];

export function isMessengerMethod(name: unknown): name is MessengerMethod {
  return typeof name === 'string' && Object.hasOwn(READS, name);
}

export function isReadOnly(method: MessengerMethod): boolean {
  return READS[method];
}

/** Calls `method` of `messenger` by name, as the owner tab does for the others. */
export function callMessenger<M extends MessengerMethod>(
  messenger: Messenger,
  method: M,
  args: MessengerArgs<M>,
): Promise<MessengerResult<M>> {
  const call = messenger[method] as (...values: unknown[]) => Promise<MessengerResult<M>>;
  return call.apply(messenger, args);
}

/** A Messenger that hands each call to `invoke`: the tab facade and the remote Messenger share this one list. */
export abstract class ForwardingMessenger implements Messenger {
  protected abstract invoke<M extends MessengerMethod>(method: M, args: MessengerArgs<M>): Promise<MessengerResult<M>>;

  abstract subscribe(listener: (change: MessengerChange) => void): () => void;

  session(...args: MessengerArgs<'session'>) {
    return this.invoke('session', args);
  }

  serverName(...args: MessengerArgs<'serverName'>) {
    return this.invoke('serverName', args);
  }

  login(...args: MessengerArgs<'login'>) {
    return this.invoke('login', args);
  }

  logout(...args: MessengerArgs<'logout'>) {
    return this.invoke('logout', args);
  }

  devices(...args: MessengerArgs<'devices'>) {
    return this.invoke('devices', args);
  }

  revokeDevice(...args: MessengerArgs<'revokeDevice'>) {
    return this.invoke('revokeDevice', args);
  }

  conversations(...args: MessengerArgs<'conversations'>) {
    return this.invoke('conversations', args);
  }

  thread(...args: MessengerArgs<'thread'>) {
    return this.invoke('thread', args);
  }

  contacts(...args: MessengerArgs<'contacts'>) {
    return this.invoke('contacts', args);
  }

  invites(...args: MessengerArgs<'invites'>) {
    return this.invoke('invites', args);
  }

  sendMessage(...args: MessengerArgs<'sendMessage'>) {
    return this.invoke('sendMessage', args);
  }

  markRead(...args: MessengerArgs<'markRead'>) {
    return this.invoke('markRead', args);
  }

  retryMessage(...args: MessengerArgs<'retryMessage'>) {
    return this.invoke('retryMessage', args);
  }

  discardMessage(...args: MessengerArgs<'discardMessage'>) {
    return this.invoke('discardMessage', args);
  }

  invite(...args: MessengerArgs<'invite'>) {
    return this.invoke('invite', args);
  }

  acceptInvite(...args: MessengerArgs<'acceptInvite'>) {
    return this.invoke('acceptInvite', args);
  }

  declineInvite(...args: MessengerArgs<'declineInvite'>) {
    return this.invoke('declineInvite', args);
  }

  revokeInvite(...args: MessengerArgs<'revokeInvite'>) {
    return this.invoke('revokeInvite', args);
  }

  removeFriend(...args: MessengerArgs<'removeFriend'>) {
    return this.invoke('removeFriend', args);
  }

  refusedActions(...args: MessengerArgs<'refusedActions'>) {
    return this.invoke('refusedActions', args);
  }

  dismissRefusedAction(...args: MessengerArgs<'dismissRefusedAction'>) {
    return this.invoke('dismissRefusedAction', args);
  }

  conversationSecurity(...args: MessengerArgs<'conversationSecurity'>) {
    return this.invoke('conversationSecurity', args);
  }

  safetyNumber(...args: MessengerArgs<'safetyNumber'>) {
    return this.invoke('safetyNumber', args);
  }

  markVerified(...args: MessengerArgs<'markVerified'>) {
    return this.invoke('markVerified', args);
  }

  acknowledgeKeyChange(...args: MessengerArgs<'acknowledgeKeyChange'>) {
    return this.invoke('acknowledgeKeyChange', args);
  }

  ownKeys(...args: MessengerArgs<'ownKeys'>) {
    return this.invoke('ownKeys', args);
  }

  resetKeys(...args: MessengerArgs<'resetKeys'>) {
    return this.invoke('resetKeys', args);
  }

  connection(...args: MessengerArgs<'connection'>) {
    return this.invoke('connection', args);
  }
}
