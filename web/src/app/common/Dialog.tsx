import { type ReactNode, type RefObject, useEffect, useId, useRef } from 'react';

interface DialogProps {
  title: string;
  children: ReactNode;
  /** The buttons at the bottom. */
  actions: ReactNode;
  /** What has the focus when the dialog opens: the safe choice. */
  initialFocus: RefObject<HTMLElement | null>;
  /** Escape, or the dialog's own way out. */
  onClose: () => void;
  /** The body is short and is what the dialog asks: screen readers read it with the title. */
  bodyDescribes?: boolean;
  className?: string;
  testId?: string;
}

/**
 * A modal on the native <dialog>: the browser traps focus and Escape closes it; focus starts on `initialFocus` and
 * returns to what opened the dialog when it goes.
 */
export function Dialog({
  title,
  children,
  actions,
  initialFocus,
  onClose,
  bodyDescribes = false,
  className,
  testId,
}: DialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const bodyId = useId();

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    element.showModal();
    initialFocus.current?.focus();
    return () => {
      element.close();
      if (opener?.isConnected) opener.focus();
    };
  }, [initialFocus]);

  return (
    <dialog
      ref={dialog}
      className={`dialog ${className ?? ''}`}
      aria-labelledby={titleId}
      aria-describedby={bodyDescribes ? bodyId : undefined}
      data-testid={testId}
      onCancel={(event) => {
        event.preventDefault();
        onClose();
      }}
    >
      <h2 id={titleId} className="dialog__title">
        {title}
      </h2>
      <div id={bodyId} className="dialog__body">
        {children}
      </div>
      <div className="dialog__actions">{actions}</div>
    </dialog>
  );
}
