import { fromBase64Url, toBase64Url } from './base64url.ts';

export const E2EE_CONTENT_TYPE = 'application/e2ee+ciphertext';
export const ENVELOPE_VERSION = 1;

/**
 * The `content` of an encrypted message (docs/design-notes.md): the sender device, its group, the epoch of `message`,
 * and the handshake that brings the members to that epoch: `commit` for those already in the group, `welcome` (which
 * carries the ratchet tree) for those it adds.
 */
export interface Envelope {
  device: string;
  groupId: Uint8Array;
  epoch: number;
  welcome?: Uint8Array;
  commit?: Uint8Array;
  message: Uint8Array;
}

interface EnvelopeJson {
  v: number;
  device: string;
  group: string;
  epoch: number;
  welcome?: string;
  commit?: string;
  message: string;
}

export function encodeEnvelope(envelope: Envelope): string {
  const json: EnvelopeJson = {
    v: ENVELOPE_VERSION,
    device: envelope.device,
    group: toBase64Url(envelope.groupId),
    epoch: envelope.epoch,
    ...(envelope.welcome ? { welcome: toBase64Url(envelope.welcome) } : {}),
    ...(envelope.commit ? { commit: toBase64Url(envelope.commit) } : {}),
    message: toBase64Url(envelope.message),
  };
  return JSON.stringify(json);
}

/** undefined for anything that is not an envelope this client can read: the caller shows it as undecryptable. */
export function decodeEnvelope(content: string): Envelope | undefined {
  try {
    const json = JSON.parse(content) as Partial<EnvelopeJson>;
    if (json.v !== ENVELOPE_VERSION || typeof json.device !== 'string' || typeof json.group !== 'string')
      return undefined;
    if (!Number.isSafeInteger(json.epoch) || typeof json.message !== 'string') return undefined;
    return {
      device: json.device,
      groupId: fromBase64Url(json.group),
      epoch: json.epoch!,
      ...(typeof json.welcome === 'string' ? { welcome: fromBase64Url(json.welcome) } : {}),
      ...(typeof json.commit === 'string' ? { commit: fromBase64Url(json.commit) } : {}),
      message: fromBase64Url(json.message),
    };
  } catch {
    return undefined;
  }
}
