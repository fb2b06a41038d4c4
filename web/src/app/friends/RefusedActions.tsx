import { useEffect, useRef } from 'react';
import { strings } from '../../i18n/strings.ts';
import type { RefusedAction } from '../../messenger/messenger.ts';
import { refusedText } from './refused-text.ts';

interface RefusedActionsProps {
  actions: RefusedAction[];
  onDismiss: (action: RefusedAction) => void;
}

/**
 * Invites, answers and unfriends the node refused after this device took them (they are checked by the node
 * later, the app working offline). The region is always there, so that a refusal that comes in is announced.
 */
export function RefusedActions({ actions, onDismiss }: RefusedActionsProps) {
  const list = useRef<HTMLUListElement>(null);
  const dismissed = useRef<number | null>(null);

  // A dismissed note takes its button (and the focus) with it: the next note's button takes the focus, or the view's
  // heading after the last one.
  useEffect(() => {
    if (dismissed.current === null || actions.some((action) => action.id === dismissed.current)) return;
    dismissed.current = null;
    if (document.activeElement !== document.body) return;
    const next = list.current?.querySelector<HTMLElement>('button');
    (next ?? document.querySelector<HTMLElement>('[data-view-heading]'))?.focus();
  }, [actions]);

  return (
    <div aria-live="polite" className="refusals">
      {actions.length > 0 && (
        <ul ref={list} className="refusals__list" aria-label={strings.friends.refusedList}>
          {actions.map((action) => {
            const text = refusedText(action);
            return (
              <li key={action.id} className="notice notice--error notice--with-action" data-testid="refused-action">
                <p>{text}</p>
                <button
                  type="button"
                  className="button button--small"
                  aria-label={strings.friends.dismissLabel(text)}
                  onClick={() => {
                    dismissed.current = action.id;
                    onDismiss(action);
                  }}
                >
                  {strings.friends.dismiss}
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}
