import { strings } from '../../i18n/strings.ts';
import { WarningIcon } from '../common/icons.tsx';
import './security.css';

interface KeyChangeBannerProps {
  peer: string;
  name: string;
  /** The warning's words (keyChangeWarning). */
  text: string;
  busy: boolean;
  onViewNumber: () => void;
  onAcknowledge: () => void;
}

/** The friend's keys changed: what that may mean, the way to the new safety number, and the one way to send again. */
export function KeyChangeBanner({ peer, name, text, busy, onViewNumber, onAcknowledge }: KeyChangeBannerProps) {
  return (
    <section
      className="notice key-change conversation__notice"
      aria-label={strings.security.keyChangedLabel(name)}
      data-testid="key-change-banner"
      data-peer={peer}
    >
      <WarningIcon className="key-change__icon" />
      <p role="alert" className="key-change__text">
        {text}
      </p>
      <div className="key-change__actions">
        <button type="button" className="button button--small button--quiet" onClick={onViewNumber}>
          {strings.security.viewNumber}
        </button>
        <button
          type="button"
          className="button button--small button--primary"
          aria-disabled={busy}
          onClick={() => !busy && onAcknowledge()}
        >
          {strings.security.acknowledge}
        </button>
      </div>
    </section>
  );
}
