import { act, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFakeRealtime } from '../../test/fakeRealtime.ts';
import { alice, joined, message, ROOM_ID } from '../../test/fixtures.ts';
import { type FakeRoute, renderWithProviders } from '../../test/renderWithProviders.tsx';
import { fileOf, installFakeXhr } from '../attachments/fakeXhr.ts';
import { useAttachmentDrafts } from '../attachments/useAttachmentDrafts.ts';
import { Composer } from './Composer.tsx';
import { useRoomSession } from './useRoomSession.ts';

const signedIn = { auth: { status: 'signedIn' as const, user: alice, notice: null } };

/**
 * The composer as the chat page holds it: the page owns the files (they can be dropped on it
 * too), and the room's RoomSession takes the draft and the sends.
 */
function ComposerWithFiles() {
  const attachments = useAttachmentDrafts();
  const { session } = useRoomSession(ROOM_ID, alice.id);
  if (!session) return null;
  return (
    <Composer
      attachments={attachments}
      onDraft={session.setDraft}
      onSend={(body, files) => session.send(body, { attachments: files })}
    />
  );
}

function setup(route?: FakeRoute) {
  const realtime = createFakeRealtime(() => joined());
  const result = renderWithProviders(<ComposerWithFiles />, { preloadedState: signedIn, route, realtime });
  return { ...result, field: screen.getByPlaceholderText('Start typing...') };
}

const attachInput = () => document.querySelector('input[type="file"]') as HTMLInputElement;

afterEach(() => vi.unstubAllGlobals());

describe('Composer', () => {
  it('sends on Enter (trimmed) and clears the field', async () => {
    const { field, realtime } = setup();
    await userEvent.type(field, '  Anyone on for lunch today  {Enter}');
    expect(realtime.send).toHaveBeenCalledWith({
      body: 'Anyone on for lunch today',
      clientMessageId: expect.any(String),
      attachmentIds: [],
    });
    expect(field).toHaveValue('');
    expect(realtime.sent).toHaveLength(1);
  });

  it('adds a line on Shift+Enter instead of sending', async () => {
    const { field, realtime } = setup();
    await userEvent.type(field, 'one{Shift>}{Enter}{/Shift}two');
    expect(field).toHaveValue('one\ntwo');
    expect(realtime.send).not.toHaveBeenCalled();
    await userEvent.click(screen.getByRole('button', { name: 'Send' }));
    expect(realtime.send).toHaveBeenCalledWith({
      body: 'one\ntwo',
      clientMessageId: expect.any(String),
      attachmentIds: [],
    });
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

  it('opens the file picker from the paperclip', async () => {
    setup();
    const click = vi.spyOn(attachInput(), 'click');
    await userEvent.click(screen.getByRole('button', { name: 'Attach files' }));
    expect(click).toHaveBeenCalled();
    expect(attachInput()).toHaveAttribute('multiple');
  });

  it('waits for the uploads, then sends the text with the files’ ids', async () => {
    const xhr = installFakeXhr();
    const { field, realtime } = setup();
    await userEvent.upload(attachInput(), [
      fileOf('photo.png', 'image/png', 2048),
      fileOf('menu.pdf', 'application/pdf'),
    ]);
    expect(xhr).toHaveLength(2);
    expect(xhr[0]?.url).toBe('/uploads');

    await userEvent.type(field, 'The menu{Enter}');
    const send = screen.getByRole('button', { name: 'Send' });
    expect(send).toHaveAttribute('aria-disabled', 'true');
    expect(send).toHaveAccessibleDescription('Wait for 2 files to finish uploading.');
    expect(realtime.send).not.toHaveBeenCalled();
    expect(field).toHaveValue('The menu');

    const photo = await act(async () => xhr[0]?.succeed());
    expect(send).toHaveAccessibleDescription('Wait for the file to finish uploading.');
    const menu = await act(async () => xhr[1]?.succeed());
    expect(send).not.toHaveAttribute('aria-disabled');

    await userEvent.click(send);
    // Seed 004: the text goes over the socket once the uploads are done, with the files' ids.
    await waitFor(() => expect(realtime.sent).toHaveLength(1));
    expect(realtime.sent[0]).toMatchObject({ body: 'The menu', attachmentIds: [photo?.id, menu?.id] });
    expect(field).toHaveValue('');
    const sent = realtime.sent[0];
    await act(async () =>
      realtime.ack({ ...message(7, alice, 'The menu'), clientMessageId: sent?.clientMessageId ?? '' }),
    );
    expect(screen.queryByRole('list', { name: 'Files to send' })).not.toBeInTheDocument();
  });

  it('sends files without text', async () => {
    const xhr = installFakeXhr();
    const { field, realtime } = setup();
    await userEvent.upload(attachInput(), fileOf('notes.txt', 'text/plain'));
    await act(async () => xhr[0]?.succeed());
    await userEvent.type(field, '{Enter}');
    await waitFor(() =>
      expect(realtime.sent).toEqual([expect.objectContaining({ body: '', attachmentIds: ['up-notes.txt'] })]),
    );
    expect(screen.queryByText('Type a message first.')).not.toBeInTheDocument();
  });

  it('takes files pasted into the field', async () => {
    const xhr = installFakeXhr();
    const { field } = setup();
    await userEvent.click(field);
    await userEvent.paste({ files: [fileOf('screenshot.png', 'image/png')], items: [], getData: () => '' } as never);
    expect(await screen.findByText('screenshot.png')).toBeInTheDocument();
    expect(xhr).toHaveLength(1);
    expect(field).toHaveValue('');
  });
});
