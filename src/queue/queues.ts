import { ErrorCode, type Job } from 'bullmq';

/**
 * Every queue of the node, its job names and their payloads, declared in one place. Each job name has exactly one
 * handler (a BullMQ processor in the module that owns the queue).
 */
export const QUEUES = {
  /** Outbound federation deliveries; the job id is the outbox row's id (see src/federation). */
  federationDelivery: 'federation-delivery',
} as const;

export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];
export const ALL_QUEUES: QueueName[] = Object.values(QUEUES);

/** Payload of a federation delivery job; the job id is the same outbox id. */
export interface FederationDeliveryJob {
  outboxId: string;
  /** The row's destination and kind, so that the worker can claim it without reading it first (absent: read it). */
  server?: string;
  kind?: string;
  /** A turn in the destination's quota reserved for this job (epoch ms): when it wakes, it goes without another. */
  slotAt?: number;
}
export const FEDERATION_DELIVERY_JOB = 'deliver';

/**
 * Moves a delayed job to waiting now. True when it did; false when the job is gone or no longer delayed (another
 * promotion, or a run, came first). Anything else (Redis unreachable) is thrown.
 */
export async function promoteIfDelayed(job: Job): Promise<boolean> {
  try {
    await job.promote();
    return true;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === ErrorCode.JobNotInState || code === ErrorCode.JobNotExist) return false;
    throw error;
  }
}
