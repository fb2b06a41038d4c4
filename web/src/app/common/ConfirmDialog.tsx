import { type ReactNode, useRef } from 'react';
import { Dialog } from './Dialog.tsx';

interface ConfirmDialogProps {
  title: string;
  children: ReactNode;
  confirm: string;
  cancel: string;
  onConfirm: () => void;
  onCancel: () => void;
}

/** A question before something that cannot be undone: the safe answer (cancel) has the focus first. */
export function ConfirmDialog({ title, children, confirm, cancel, onConfirm, onCancel }: ConfirmDialogProps) {
  const cancelButton = useRef<HTMLButtonElement>(null);
  return (
    <Dialog
      title={title}
      initialFocus={cancelButton}
      onClose={onCancel}
      bodyDescribes
      actions={
        <>
          <button ref={cancelButton} type="button" className="button" onClick={onCancel}>
            {cancel}
          </button>
          <button type="button" className="button button--danger" onClick={onConfirm}>
            {confirm}
          </button>
        </>
      }
    >
      {children}
    </Dialog>
  );
}
