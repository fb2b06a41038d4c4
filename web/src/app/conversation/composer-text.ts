/**
 * What stays in the composer once `sent` (the text as it was when the send started) is stored: whatever was typed
 * meanwhile, without the part that went. A send over another tab takes a moment, and a fast typist goes on.
 */
export function textAfterSend(current: string, sent: string): string {
  if (current === sent) return '';
  if (current.startsWith(sent)) return current.slice(sent.length).replace(/^\s+/, '');
  return current;
}

/**
 * Whether an Enter key press is the "send" gesture: not with Shift or Alt (a new line), and not the Enter that
 * ends an input method's composition (isComposing; Safari reports that one as keyCode 229 after compositionend).
 */
export function isSendKey(event: {
  key: string;
  shiftKey: boolean;
  altKey: boolean;
  isComposing: boolean;
  keyCode: number;
}): boolean {
  return event.key === 'Enter' && !event.shiftKey && !event.altKey && !event.isComposing && event.keyCode !== 229;
}
