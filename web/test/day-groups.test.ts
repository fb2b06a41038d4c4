import { describe, expect, it } from 'vitest';
import { dateFormat, dayLabel, localDayKey, shortWhen, timeOfDay } from '../src/app/common/dates.ts';
import { withDaySeparators } from '../src/app/conversation/day-groups.ts';

// Local times, so that the tests hold in any time zone.
const now = new Date(2026, 10, 30, 15, 0); // Monday 30 November 2026, 15:00
const at = (day: number, hour: number, month = 10, year = 2026) => new Date(year, month, day, hour, 5).toISOString();

describe('dayLabel', () => {
  it('names today and yesterday', () => {
    expect(dayLabel(new Date(2026, 10, 30, 0, 1), now, 'en-GB')).toBe('Today');
    expect(dayLabel(new Date(2026, 10, 29, 23, 59), now, 'en-GB')).toBe('Yesterday');
  });

  it('names other days by weekday and date, with the year only when it is not this one', () => {
    expect(dayLabel(new Date(2026, 10, 23, 12), now, 'en-GB')).toBe('Monday 23 November');
    expect(dayLabel(new Date(2025, 10, 30, 12), now, 'en-GB')).toBe('Sunday, 30 November 2025');
  });

  it('handles yesterday across a month and a year boundary', () => {
    expect(dayLabel(new Date(2026, 11, 31, 12), new Date(2027, 0, 1, 9), 'en-GB')).toBe('Yesterday');
  });

  it('writes the date in the given language', () => {
    expect(dayLabel(new Date(2026, 10, 23, 12), now, 'de-DE')).toBe('Montag, 23. November');
  });
});

describe('withDaySeparators', () => {
  it('puts one separator before the first message of each day', () => {
    const messages = [
      { createdAt: at(28, 9) },
      { createdAt: at(29, 9) },
      { createdAt: at(29, 20) },
      { createdAt: at(30, 8) },
    ];
    const items = withDaySeparators(messages, now, 'en-GB');
    expect(items.map((item) => (item.kind === 'day' ? item.label : 'message'))).toEqual([
      'Saturday 28 November',
      'message',
      'Yesterday',
      'message',
      'message',
      'Today',
      'message',
    ]);
  });

  it('does not repeat a day when a clock puts a message a little before the previous one', () => {
    const messages = [{ createdAt: at(29, 23) }, { createdAt: at(30, 0) }, { createdAt: at(29, 23) }];
    const labels = withDaySeparators(messages, now, 'en-GB').filter((item) => item.kind === 'day');
    expect(labels.map((item) => item.label)).toEqual(['Yesterday', 'Today']);
  });

  it('gives nothing for no messages', () => {
    expect(withDaySeparators([], now)).toEqual([]);
  });

  it('keys days by the local calendar', () => {
    expect(localDayKey(new Date(2026, 0, 5, 23, 59))).toBe('2026-01-05');
  });
});

describe('shortWhen', () => {
  it('shows the time today, "Yesterday", the weekday this week, then the date', () => {
    expect(shortWhen(new Date(2026, 10, 30, 9, 7), now, 'en-GB')).toBe('09:07');
    expect(shortWhen(new Date(2026, 10, 29, 9, 7), now, 'en-GB')).toBe('Yesterday');
    expect(shortWhen(new Date(2026, 10, 25, 9, 7), now, 'en-GB')).toBe('Wed');
    expect(shortWhen(new Date(2026, 9, 2, 9, 7), now, 'en-GB')).toBe('2 Oct');
    expect(shortWhen(new Date(2024, 9, 2, 9, 7), now, 'en-GB')).toBe('02/10/2024');
  });
});

describe('dateFormat', () => {
  it('makes one formatter per language and options, and formats as Intl does', () => {
    const format = dateFormat('en-GB', { timeStyle: 'short' });
    expect(dateFormat('en-GB', { timeStyle: 'short' })).toBe(format);
    expect(dateFormat('en-US', { timeStyle: 'short' })).not.toBe(format);
    expect(dateFormat('en-GB', { dateStyle: 'short' })).not.toBe(format);
    const date = new Date(2026, 10, 30, 14, 5);
    expect(timeOfDay(date, 'en-GB')).toBe(new Intl.DateTimeFormat('en-GB', { timeStyle: 'short' }).format(date));
  });
});
