import { callMessenger, type MessengerArgs, type MessengerMethod } from './forwarding-messenger.ts';
import type { Messenger, MessengerChange } from './messenger.ts';
import { MessengerError } from './messenger.ts';
import {
  isFromNewerVersion,
  readTabMessage,
  TAB_PROTOCOL_VERSION,
  type TabMessage,
  toWireError,
} from './tab-protocol.ts';
import { strings } from '../i18n/strings.ts';

/** How many answered request ids the owner remembers, so that a request asked twice is done once. */
const REMEMBERED_REQUESTS = 500;

export interface ServeOptions {
  /**
   * A tab of a newer protocol asks something: this owner runs an old build. True when it handles that by going (a
   * reload hands the copy over): the call is then left unaccepted, for the next owner to answer. False, or no
   * handler: the call is refused with `strings.tabs.otherVersion`.
   */
  onNewerTab?: () => boolean;
}

/**
 * The owner tab's side: answers the other tabs' calls with `messenger` and tells them each change. Returns the
 * function that stops it.
 */
export function serveMessenger(
  channel: BroadcastChannel,
  messenger: Messenger,
  options: ServeOptions = {},
): () => void {
  const answers = new Map<string, Promise<TabMessage>>();
  let going = false;
  const post = (message: TabMessage) => {
    try {
      channel.postMessage(message);
    } catch (error) {
      // A value that cannot be cloned (a bug): the caller still gets an answer rather than waiting for ever.
      if (message.type !== 'result') throw error;
      channel.postMessage({ v: TAB_PROTOCOL_VERSION, type: 'error', id: message.id, error: toWireError(error) });
    }
  };

  const onMessage = (event: MessageEvent) => {
    // Once going, it stays quiet to newer tabs until the page is gone (a reload is not instant).
    if (isFromNewerVersion(event.data) && (event.data as { type?: unknown }).type === 'request') {
      going ||= options.onNewerTab?.() ?? false;
      if (going) return;
    }
    const message = readTabMessage(event.data);
    if (message?.type !== 'request') return;
    const earlier = answers.get(message.id);
    if (earlier) {
      void earlier.then(post);
      return;
    }
    post({ v: TAB_PROTOCOL_VERSION, type: 'accepted', id: message.id });
    const answer = answerOf(message.id, message.v, message.method, message.args);
    answers.set(message.id, answer);
    if (answers.size > REMEMBERED_REQUESTS) answers.delete(answers.keys().next().value!);
    void answer.then(post);
  };

  const answerOf = async (id: string, version: number, method: MessengerMethod, args: unknown[]) => {
    try {
      if (version !== TAB_PROTOCOL_VERSION) throw new MessengerError('refused', strings.tabs.otherVersion);
      const value = await callMessenger(messenger, method, args as MessengerArgs<typeof method>);
      return { v: TAB_PROTOCOL_VERSION, type: 'result', id, value } satisfies TabMessage;
    } catch (error) {
      return { v: TAB_PROTOCOL_VERSION, type: 'error', id, error: toWireError(error) } satisfies TabMessage;
    }
  };

  channel.addEventListener('message', onMessage);
  // A sync page of 1,000 messages is 1,000 changes told in one go: the other tabs hear one of each kind.
  const told = new Set<MessengerChange>();
  const unsubscribe = messenger.subscribe((change) => {
    if (told.size === 0) {
      queueMicrotask(() => {
        for (const kind of told) post({ v: TAB_PROTOCOL_VERSION, type: 'change', change: kind });
        told.clear();
      });
    }
    told.add(change);
  });
  post({ v: TAB_PROTOCOL_VERSION, type: 'owner-ready' });
  return () => {
    channel.removeEventListener('message', onMessage);
    unsubscribe();
  };
}
