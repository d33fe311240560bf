import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { alice, ROOM_ID } from '../../test/fixtures.ts';
import { renderWithProviders } from '../../test/renderWithProviders.tsx';
import { Composer } from './Composer.tsx';

const signedIn = { auth: { status: 'signedIn' as const, user: alice, notice: null } };

function setup() {
  const result = renderWithProviders(<Composer roomId={ROOM_ID} />, { preloadedState: signedIn });
  return { ...result, field: screen.getByPlaceholderText('Start typing...') };
}

describe('Composer', () => {
  it('sends on Enter (trimmed) and clears the field', async () => {
    const { field, realtime, store } = setup();
    await userEvent.type(field, '  Anyone on for lunch today  {Enter}');
    expect(realtime.send).toHaveBeenCalledWith('Anyone on for lunch today');
    expect(field).toHaveValue('');
    expect(store.getState().outbox.messages).toHaveLength(1);
  });

  it('adds a line on Shift+Enter instead of sending', async () => {
    const { field, realtime } = setup();
    await userEvent.type(field, 'one{Shift>}{Enter}{/Shift}two');
    expect(field).toHaveValue('one\ntwo');
    expect(realtime.send).not.toHaveBeenCalled();
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(realtime.send).toHaveBeenCalledWith('one\ntwo');
  });

  it('does not send an empty message, and says why', async () => {
    const { field, realtime } = setup();
    await userEvent.type(field, '   {Enter}');
    expect(realtime.send).not.toHaveBeenCalled();
    expect(screen.getByText('Type a message first.')).toBeInTheDocument();
    expect(field).toHaveAccessibleDescription('Type a message first.');
  });

  it('does not send an over-long message, and says by how much', async () => {
    const { field, realtime } = setup();
    await userEvent.click(field);
    await userEvent.paste('x'.repeat(4003));
    expect(screen.getByText('This message is 3 characters too long (4,003 of 4,000).')).toBeInTheDocument();
    await userEvent.keyboard('{Enter}');
    expect(realtime.send).not.toHaveBeenCalled();
    expect(screen.getByRole('button', { name: 'Send' })).toHaveAttribute('aria-disabled', 'true');
  });

  it('reports typing while there is text, and stops when the field is emptied', async () => {
    const { field, realtime } = setup();
    await userEvent.type(field, 'hel');
    expect(realtime.typing).toHaveBeenCalledTimes(1);
    expect(realtime.typing).toHaveBeenLastCalledWith(true);
    await userEvent.clear(field);
    expect(realtime.typing).toHaveBeenLastCalledWith(false);
  });
});
