import { act, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithProviders } from '../../test/renderWithProviders.tsx';
import { AttachmentTray } from './AttachmentTray.tsx';
import { fileOf, installFakeXhr } from './fakeXhr.ts';
import { useAttachmentDrafts } from './useAttachmentDrafts.ts';

/** The tray over the real drafts hook; "Add" chooses `files`, as the picker, a paste or a drop would. */
function Tray({ files }: { files: File[] }) {
  const drafts = useAttachmentDrafts();
  return (
    <>
      <button type="button" onClick={() => drafts.add(files)}>
        Add
      </button>
      <AttachmentTray
        drafts={drafts.drafts}
        notice={drafts.notice}
        onRemove={drafts.remove}
        onRetry={drafts.retry}
        onEmptied={() => document.getElementById('message-box')?.focus()}
      />
      <textarea id="message-box" aria-label="Message" />
      <output aria-label="Problem">{drafts.problem}</output>
    </>
  );
}

async function setup(files: File[]) {
  const xhr = installFakeXhr();
  renderWithProviders(<Tray files={files} />);
  await userEvent.click(screen.getByRole('button', { name: 'Add' }));
  return { xhr, tray: screen.getByRole('list', { name: 'Files to send' }) };
}

const row = (name: string) => screen.getByText(name).closest('li') as HTMLElement;
const problem = () => screen.getByRole('status', { name: 'Problem' });

afterEach(() => vi.unstubAllGlobals());

describe('AttachmentTray', () => {
  it('shows each file with its name, size and its own progress', async () => {
    const { xhr, tray } = await setup([
      fileOf('photo.png', 'image/png', 2000),
      fileOf('menu.pdf', 'application/pdf', 48_213),
    ]);
    expect(within(tray).getAllByRole('listitem')).toHaveLength(2);
    // One request per file, each with the session cookie.
    expect(xhr.map((r) => [r.method, r.url, r.file.name, r.withCredentials])).toEqual([
      ['POST', '/uploads', 'photo.png', true],
      ['POST', '/uploads', 'menu.pdf', true],
    ]);
    expect(within(row('photo.png')).getByText('2 KB')).toBeInTheDocument();
    expect(within(row('menu.pdf')).getByText('47 KB')).toBeInTheDocument();

    await act(async () => xhr[0]?.progress(1000));
    expect(screen.getByRole('progressbar', { name: 'Uploading photo.png' })).toHaveAttribute('aria-valuenow', '50');
    expect(within(row('photo.png')).getByText('50%')).toBeInTheDocument();
    expect(screen.getByRole('progressbar', { name: 'Uploading menu.pdf' })).toHaveAttribute('aria-valuenow', '0');
    expect(problem()).toHaveTextContent('Wait for 2 files to finish uploading.');

    await act(async () => xhr[0]?.succeed());
    expect(within(row('photo.png')).getByText('Uploaded')).toBeInTheDocument();
    expect(screen.getByRole('progressbar', { name: 'Uploading photo.png' })).toHaveAttribute('aria-valuenow', '100');
    expect(problem()).toHaveTextContent('Wait for the file to finish uploading.');
    await act(async () => xhr[1]?.succeed());
    expect(problem()).toBeEmptyDOMElement();
  });

  it('cancels a running upload and removes the file', async () => {
    const { xhr } = await setup([fileOf('big.mov', 'video/quicktime', 5_000_000), fileOf('a.txt', 'text/plain')]);
    await userEvent.click(screen.getByRole('button', { name: 'Cancel upload of big.mov' }));
    expect(xhr[0]?.aborted).toBe(true);
    expect(xhr[1]?.aborted).toBe(false);
    expect(screen.queryByText('big.mov')).not.toBeInTheDocument();
    // No error for a cancel: it is simply gone.
    expect(screen.queryByRole('alert')).not.toBeInTheDocument();

    await act(async () => xhr[1]?.succeed());
    await userEvent.click(screen.getByRole('button', { name: 'Remove a.txt' }));
    expect(screen.queryByRole('list', { name: 'Files to send' })).not.toBeInTheDocument();
  });

  it('keeps the keyboard focus in the tray as files are removed, then hands it to the message box', async () => {
    const { xhr } = await setup([
      fileOf('a.txt', 'text/plain'),
      fileOf('b.txt', 'text/plain'),
      fileOf('c.txt', 'text/plain'),
    ]);
    for (const request of xhr) await act(async () => request.succeed());
    screen.getByRole('button', { name: 'Remove b.txt' }).focus();
    await userEvent.keyboard('{Enter}');
    // The row below takes the removed one's place, and its button the focus.
    expect(screen.getByRole('button', { name: 'Remove c.txt' })).toHaveFocus();
    await userEvent.keyboard('{Enter}');
    // The last row gone: the one above.
    expect(screen.getByRole('button', { name: 'Remove a.txt' })).toHaveFocus();
    await userEvent.keyboard('{Enter}');
    expect(screen.getByRole('textbox', { name: 'Message' })).toHaveFocus();
  });

  it('says what went wrong in the server’s words, and tries again on request', async () => {
    const { xhr } = await setup([fileOf('huge.zip', 'application/zip', 3000), fileOf('busy.png', 'image/png')]);
    await act(async () => xhr[0]?.fail(413, 'payload_too_large', 'Each file may be at most 25 MB.'));
    expect(within(row('huge.zip')).getByRole('alert')).toHaveTextContent('Each file may be at most 25 MB.');
    // Too large stays too large: no retry for it.
    expect(within(row('huge.zip')).queryByRole('button', { name: /again/ })).not.toBeInTheDocument();
    // What needs doing comes before what only needs waiting.
    expect(problem()).toHaveTextContent('A file could not be uploaded: remove it.');

    await act(async () => xhr[1]?.fail(429, 'rate_limited', 'Too many uploads. Try again in a minute.'));
    expect(within(row('busy.png')).getByRole('alert')).toHaveTextContent('Too many uploads. Try again in a minute.');
    expect(problem()).toHaveTextContent('2 files could not be uploaded: remove them or try again.');
    await userEvent.click(screen.getByRole('button', { name: 'Try busy.png again' }));
    expect(xhr).toHaveLength(3);
    expect(within(row('busy.png')).queryByRole('alert')).not.toBeInTheDocument();
    await act(async () => xhr[2]?.succeed());
    expect(within(row('busy.png')).getByText('Uploaded')).toBeInTheDocument();
  });

  it('puts answers without a message, and a lost connection, in its own words', async () => {
    const { xhr } = await setup([fileOf('a.png', 'image/png'), fileOf('b.png', 'image/png')]);
    await act(async () => xhr[0]?.respond(502, '<html>Bad Gateway</html>'));
    await act(async () => xhr[1]?.networkError());
    expect(within(row('a.png')).getByRole('alert')).toHaveTextContent('The upload failed (HTTP 502). Try again.');
    expect(within(row('b.png')).getByRole('alert')).toHaveTextContent(
      'Cannot reach the server. Check your connection and try again.',
    );
    expect(problem()).toHaveTextContent('2 files could not be uploaded: remove them or try again.');
  });

  it('takes at most ten files for one message and says so', async () => {
    const files = Array.from({ length: 12 }, (_, n) => fileOf(`f${n}.txt`, 'text/plain'));
    const { xhr, tray } = await setup(files);
    expect(within(tray).getAllByRole('listitem')).toHaveLength(10);
    expect(xhr).toHaveLength(10);
    expect(screen.getByText('A message can carry at most 10 files: 2 files were left out.')).toBeInTheDocument();
  });
});
