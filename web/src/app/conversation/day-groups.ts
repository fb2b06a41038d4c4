import { dayLabel, localDayKey } from '../common/dates.ts';

export type ThreadItem<M> = { kind: 'day'; key: string; label: string } | { kind: 'message'; message: M };

/**
 * The thread with a separator before the first message of each day. Messages come in the node's order, which a
 * sender's clock can contradict by a little: a day that would come back after a later one is not repeated.
 */
export function withDaySeparators<M extends { createdAt: string }>(
  messages: readonly M[],
  now: Date,
  locale?: string,
): ThreadItem<M>[] {
  const items: ThreadItem<M>[] = [];
  let lastDay = '';
  for (const message of messages) {
    const date = new Date(message.createdAt);
    const day = localDayKey(date);
    if (day > lastDay) {
      items.push({ kind: 'day', key: day, label: dayLabel(date, now, locale) });
      lastDay = day;
    }
    items.push({ kind: 'message', message });
  }
  return items;
}
