import { strings } from '../../i18n/strings.ts';
import type { TickState } from './tick-state.ts';

/** The sender's delivery mark: a clock, one tick, two ticks, two coloured ticks, or a warning sign. */
export function Tick({ state }: { state: TickState }) {
  const label = strings.conversation.ticks[state];
  return (
    <svg
      className={`tick tick--${state}`}
      viewBox="0 0 24 16"
      role="img"
      aria-label={label}
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      data-testid="tick"
    >
      <title>{label}</title>
      {state === 'pending' && (
        <>
          <circle cx="12" cy="8" r="6" />
          <path d="M12 5v3.2l2 1.6" />
        </>
      )}
      {state === 'sent' && <path d="m6 8.5 3.5 3.5L17 4.5" />}
      {(state === 'acked' || state === 'read') && (
        <>
          <path d="m2 8.5 3.5 3.5L13 4.5" />
          <path d="m10.5 11.2.8.8L19 4.5" />
        </>
      )}
      {state === 'failed' && (
        <>
          <circle cx="12" cy="8" r="6.5" />
          <path d="M12 4.8v3.6M12 11.2h.01" />
        </>
      )}
    </svg>
  );
}
