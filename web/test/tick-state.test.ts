import type { LocalMessage } from '@mylife/client';
import { describe, expect, it } from 'vitest';
import { failureText } from '../src/app/conversation/failure-text.ts';
import { messageView } from '../src/app/conversation/tick-state.ts';

type Fields = Pick<LocalMessage, 'status' | 'readAt' | 'deliveryStatus' | 'lastDeliveryError' | 'error'>;

function outgoing(fields: Partial<Fields>): Fields {
  return { status: 'sent', readAt: null, deliveryStatus: null, lastDeliveryError: null, error: null, ...fields };
}

describe('messageView', () => {
  it('shows a message still in the outbox as pending', () => {
    expect(messageView(outgoing({ status: 'queued' })).state).toBe('pending');
    expect(messageView(outgoing({ status: 'draft' })).state).toBe('pending');
  });

  it('shows a message to a friend on the same node as sent once the node has it (no delivery status)', () => {
    expect(messageView(outgoing({ deliveryStatus: null }))).toEqual({ state: 'sent', reason: null, failure: null });
  });

  it('follows the delivery to another server: pending, sent, acked', () => {
    expect(messageView(outgoing({ deliveryStatus: 'pending' })).state).toBe('pending');
    expect(messageView(outgoing({ deliveryStatus: 'sent' })).state).toBe('sent');
    expect(messageView(outgoing({ deliveryStatus: 'acked' })).state).toBe('acked');
  });

  it('shows read whenever the recipient read it, on the same node or another', () => {
    const readAt = '2026-12-01T10:00:00.000Z';
    expect(messageView(outgoing({ readAt })).state).toBe('read');
    expect(messageView(outgoing({ readAt, deliveryStatus: 'acked' })).state).toBe('read');
    expect(messageView(outgoing({ readAt, deliveryStatus: 'sent' })).state).toBe('read');
  });

  it('shows a refusal by the home node as failed, with its reason, to retry or discard', () => {
    expect(messageView(outgoing({ status: 'failed', error: 'not friends' }))).toEqual({
      state: 'failed',
      reason: 'not friends',
      failure: 'refused',
    });
  });

  it('shows a delivery the home node gave up as failed, with the last delivery error', () => {
    expect(messageView(outgoing({ deliveryStatus: 'failed', lastDeliveryError: 'peer answered 403' }))).toEqual({
      state: 'failed',
      reason: 'peer answered 403',
      failure: 'undelivered',
    });
  });

  it('leaves a failure without a reason to the view to word', () => {
    expect(messageView(outgoing({ status: 'failed' })).reason).toBeNull();
  });

  it('shows incoming messages as received, read or not', () => {
    expect(messageView(outgoing({ status: 'received' })).state).toBe('received');
    expect(messageView(outgoing({ status: 'received', readAt: '2026-12-01T10:00:00.000Z' })).state).toBe('received');
  });
});

describe('failureText', () => {
  it('shows the home node refusal as it is', () => {
    const view = messageView(outgoing({ status: 'failed', error: 'you and carol@a.example are not friends' }));
    expect(failureText(view, 'carol@a.example')).toEqual({
      text: 'Not sent: you and carol@a.example are not friends',
      details: null,
    });
  });

  it('says which server did not take an undelivered message, and keeps the federation account for Details', () => {
    const lastDeliveryError = 'gave up after 8 attempts: bob.example: ECONNREFUSED connect ECONNREFUSED 10.0.0.2:443';
    const view = messageView(outgoing({ deliveryStatus: 'failed', lastDeliveryError }));
    expect(failureText(view, 'bob@bob.example')).toEqual({
      text: 'Not delivered: bob.example could not be reached or did not accept it.',
      details: lastDeliveryError,
    });
  });

  it('says nothing for a message that did not fail', () => {
    expect(failureText(messageView(outgoing({})), 'bob@bob.example')).toBeNull();
  });
});
