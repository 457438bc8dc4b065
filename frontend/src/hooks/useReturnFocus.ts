import { useLayoutEffect, useRef } from 'react';

/**
 * Remembers what had the focus when a dialog opened, and gives it back when the dialog closes.
 * Radix does this for dialogs opened by their own Trigger; these dialogs open from the store.
 */
export function useReturnFocus(open: boolean): (event: Event) => void {
  const opener = useRef<HTMLElement | null>(null);
  useLayoutEffect(() => {
    if (open && document.activeElement instanceof HTMLElement && document.activeElement !== document.body) {
      opener.current = document.activeElement;
    }
  }, [open]);
  return (event: Event) => {
    const target = opener.current;
    opener.current = null;
    if (target?.isConnected) {
      event.preventDefault();
      target.focus();
    }
  };
}
