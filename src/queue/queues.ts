/**
 * Every queue of the node, its job names and their payloads, declared in one place. Each job name has exactly one
 * handler (a BullMQ processor in the module that owns the queue).
 */
export const QUEUES = {
  /** Outbound federation deliveries: one job per destination server (see src/federation/delivery-queue.ts). */
  federationDelivery: 'federation-delivery',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
export const ALL_QUEUES: QueueName[] = Object.values(QUEUES);

/**
 * Payload of a destination's delivery job (job id: {@link destinationJobId}). `failures`: the destination's consecutive
 * failures, which its backoff grows with. `delayedFor`: why a delayed job waits, so that only a sign of life from the
 * server wakes a job that backs off (`failures`), never one that honours the peer's own Retry-After (`peer`).
 */
export interface DestinationJob {
  server: string;
  failures?: number;
  delayedFor?: 'failures' | 'peer';
  /** Present only on a job queued by a version with one job per outbox row (the row's id). */
  outboxId?: string;
  /** A wake timer's: when it fires (epoch ms). */
  at?: number;
}
export const FEDERATION_DELIVERY_JOB = 'deliver';
/** A timer for rows held by a wait of their own (job id: {@link wakeJobId}): when it fires, their destination's job runs. */
export const FEDERATION_WAKE_JOB = 'wake';

/** BullMQ refuses ':' in a custom job id, and a server name may carry a port. */
export function destinationJobId(server: string): string {
  return `to-${encodeURIComponent(server)}`;
}

export function wakeJobId(server: string): string {
  return `wake-${encodeURIComponent(server)}`;
}
