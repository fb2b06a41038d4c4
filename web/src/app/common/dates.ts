import { strings } from '../../i18n/strings.ts';

const formats = new Map<string, Intl.DateTimeFormat>();

/**
 * One `Intl.DateTimeFormat` per language and options, made once: making one costs far more than formatting with it,
 * and a conversation formats a time per message on every render.
 */
export function dateFormat(locale: string | undefined, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale ?? ''}|${JSON.stringify(options)}`;
  let format = formats.get(key);
  if (!format) formats.set(key, (format = new Intl.DateTimeFormat(locale, options)));
  return format;
}

/** The calendar day of `date` in the browser's time zone, as `YYYY-MM-DD` (sorts as text). */
export function localDayKey(date: Date): string {
  const month = String(date.getMonth() + 1).padStart(2, '0');
  const day = String(date.getDate()).padStart(2, '0');
  return `${date.getFullYear()}-${month}-${day}`;
}

function daysBefore(now: Date, days: number): Date {
  return new Date(now.getFullYear(), now.getMonth(), now.getDate() - days);
}

/** "Today", "Yesterday", else the weekday and the date ("Monday 30 November", with the year when not this one). */
export function dayLabel(date: Date, now: Date, locale?: string): string {
  const key = localDayKey(date);
  if (key === localDayKey(now)) return strings.conversation.today;
  if (key === localDayKey(daysBefore(now, 1))) return strings.conversation.yesterday;
  return dateFormat(locale, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    ...(date.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }),
  }).format(date);
}

/** A message's time of day: "14:05" or "2:05 PM", as the browser's language writes it. */
export function timeOfDay(date: Date, locale?: string): string {
  return dateFormat(locale, { timeStyle: 'short' }).format(date);
}

/** The inbox's short time: the time today, "Yesterday", the weekday this week, else the date. */
export function shortWhen(date: Date, now: Date, locale?: string): string {
  const key = localDayKey(date);
  if (key === localDayKey(now) || date > now) return timeOfDay(date, locale);
  if (key === localDayKey(daysBefore(now, 1))) return strings.conversation.yesterday;
  if (date >= daysBefore(now, 6)) return dateFormat(locale, { weekday: 'short' }).format(date);
  if (date.getFullYear() === now.getFullYear()) {
    return dateFormat(locale, { day: 'numeric', month: 'short' }).format(date);
  }
  return dateFormat(locale, { dateStyle: 'short' }).format(date);
}

/** A moment in a sentence: "today · 14:05", "yesterday · 09:12", "3 March 2026 at 10:00". */
export function longWhen(date: Date, now: Date, locale?: string): string {
  const day = localDayKey(date);
  const time = timeOfDay(date, locale);
  if (day === localDayKey(now)) return `${relativeDay(0, locale)} · ${time}`;
  if (day === localDayKey(daysBefore(now, 1))) return `${relativeDay(-1, locale)} · ${time}`;
  return dateFormat(locale, { dateStyle: 'long', timeStyle: 'short' }).format(date);
}

function relativeDay(offset: number, locale?: string): string {
  return new Intl.RelativeTimeFormat(locale, { numeric: 'auto' }).format(offset, 'day');
}

/** The date alone, for "Friends since …". */
export function calendarDate(date: Date, locale?: string): string {
  return dateFormat(locale, { dateStyle: 'medium' }).format(date);
}
