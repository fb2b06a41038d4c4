import { serverOf } from '@mylife/client';
import { strings } from '../../i18n/strings.ts';
import type { MessageView } from './tick-state.ts';

export interface FailureText {
  /** What happened, in words for the person who sent it. */
  text: string;
  /** The node's own account (for whoever runs it), shown on request; null when there is nothing more to say. */
  details: string | null;
}

/**
 * Why a message of ours failed. The home node's refusal ("you and carol@… are not friends") is written for the
 * sender and shown as it is; a delivery to another server that was given up carries the federation's account
 * ("gave up after 8 attempts: ECONNREFUSED …", a setting to change), which goes under "Details".
 */
export function failureText(view: MessageView, peer: string): FailureText | null {
  const reason = view.reason?.trim() || null;
  switch (view.failure) {
    case null:
      return null;
    case 'refused':
      return { text: strings.conversation.failed(reason ?? strings.conversation.unknownReason), details: null };
    case 'undelivered':
      return { text: strings.conversation.notDelivered(serverOf(peer)), details: reason };
  }
}
