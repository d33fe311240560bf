import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { type ReactNode, useRef, useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { useModalDialog } from './useModalDialog.ts';

function Dialog({ name, onClose, children }: { name: string; onClose(): void; children?: ReactNode }) {
  const dialog = useRef<HTMLDivElement>(null);
  useModalDialog(dialog, { onClose });
  return (
    <div ref={dialog} role="dialog" aria-modal="true" aria-label={name}>
      <button type="button">First in {name}</button>
      <button type="button" disabled>
        Disabled in {name}
      </button>
      <button type="button" onClick={onClose}>
        Close {name}
      </button>
      {children}
    </div>
  );
}

/** A page with a button behind, a live region, and a dialog (with, on request, another over it). */
function Page({ onEscape = () => {} }: { onEscape?: () => void }) {
  const [open, setOpen] = useState(false);
  const [nested, setNested] = useState(false);
  return (
    <div>
      <header>
        <button type="button" onClick={() => setOpen(true)}>
          Open
        </button>
      </header>
      <main>
        <textarea aria-label="Behind" />
        <div aria-live="polite">news</div>
        <div role="alert">trouble</div>
        {open && (
          <section>
            <Dialog
              name="outer"
              onClose={() => {
                onEscape();
                setOpen(false);
              }}
            >
              <button type="button" onClick={() => setNested(true)}>
                More
              </button>
              {nested && <Dialog name="inner" onClose={() => setNested(false)} />}
            </Dialog>
          </section>
        )}
      </main>
    </div>
  );
}

describe('useModalDialog', () => {
  it('moves focus in, makes the page behind inert (not its live regions), and undoes both on close', async () => {
    render(<Page />);
    const opener = screen.getByRole('button', { name: 'Open' });
    opener.focus();
    await userEvent.keyboard('{Enter}');
    expect(screen.getByRole('button', { name: 'First in outer' })).toHaveFocus();
    expect(document.querySelector('header')).toHaveAttribute('inert');
    expect(screen.getByLabelText('Behind')).toHaveAttribute('inert');
    expect(screen.getByText('news')).not.toHaveAttribute('inert');
    expect(screen.getByText('trouble')).not.toHaveAttribute('inert');
    expect(screen.getByRole('dialog', { name: 'outer' }).closest('[inert]')).toBeNull();

    await userEvent.click(screen.getByRole('button', { name: 'Close outer' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(document.querySelectorAll('[inert]')).toHaveLength(0);
    expect(opener).toHaveFocus();
  });

  it('keeps Tab and Shift+Tab inside, skipping what cannot take focus', async () => {
    render(<Page />);
    screen.getByRole('button', { name: 'Open' }).focus();
    await userEvent.keyboard('{Enter}');
    const first = screen.getByRole('button', { name: 'First in outer' });
    const last = screen.getByRole('button', { name: 'More' });
    await userEvent.tab({ shift: true });
    expect(last).toHaveFocus();
    await userEvent.tab();
    expect(first).toHaveFocus();
    await userEvent.tab();
    expect(screen.getByRole('button', { name: 'Close outer' })).toHaveFocus();
  });

  it('answers Escape only in the topmost dialog; closing it leaves the one below modal', async () => {
    const onEscape = vi.fn();
    render(<Page onEscape={onEscape} />);
    screen.getByRole('button', { name: 'Open' }).focus();
    await userEvent.keyboard('{Enter}');
    const more = screen.getByRole('button', { name: 'More' });
    more.focus();
    await userEvent.keyboard('{Enter}');
    expect(screen.getByRole('button', { name: 'First in inner' })).toHaveFocus();

    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('dialog', { name: 'inner' })).not.toBeInTheDocument();
    expect(onEscape).not.toHaveBeenCalled();
    expect(more).toHaveFocus();
    expect(screen.getByLabelText('Behind')).toHaveAttribute('inert');

    await userEvent.keyboard('{Escape}');
    expect(onEscape).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Open' })).toHaveFocus();
  });
});
