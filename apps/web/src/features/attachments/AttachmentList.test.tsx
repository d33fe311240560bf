import type { Attachment } from '@tandem/protocol';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { alice, bob, message } from '../../test/fixtures.ts';
import { renderWithProviders } from '../../test/renderWithProviders.tsx';
import { MessageBubble } from '../chat/MessageBubble.tsx';

const photo: Attachment = {
  id: 'att-photo',
  url: '/static/Fz3k9QwLm2Xp8Rt5Vb7Nc1.png',
  name: 'team lunch.png',
  size: 183_400,
  contentType: 'image/png',
};
const menu: Attachment = {
  id: 'att-menu',
  url: '/static/Qw8Lm2Xp8Rt5Vb7Nc1Fz3k9.pdf',
  name: 'lunch-menu.pdf',
  size: 48_213,
  contentType: 'application/pdf',
};

function bubble(attachments: Attachment[], { own = false, body = 'The menu' } = {}) {
  const sender = own ? alice : bob;
  const result = renderWithProviders(
    <MessageBubble
      message={{ ...message(5, sender, body), attachments }}
      body={body}
      attachments={attachments}
      own={own}
      startsGroup
      seen={false}
    />,
  );
  return result;
}

describe('attachments in a message', () => {
  it('shows an image as a lazy thumbnail named by its file name, linking to the full image', () => {
    bubble([photo]);
    const image = screen.getByRole('img', { name: 'team lunch.png' });
    expect(image).toHaveAttribute('src', photo.url);
    expect(image).toHaveAttribute('loading', 'lazy');
    const link = screen.getByRole('link', { name: 'team lunch.png' });
    expect(link).toHaveAttribute('href', photo.url);
    expect(link).toHaveAttribute('target', '_blank');
    expect(screen.getByText('The menu')).toBeInTheDocument();
  });

  it('opens the image full size in a dialog that Escape closes, giving focus back', async () => {
    bubble([photo]);
    const link = screen.getByRole('link', { name: 'team lunch.png' });
    link.focus();
    await userEvent.keyboard('{Enter}');
    const dialog = screen.getByRole('dialog', { name: 'team lunch.png' });
    expect(within(dialog).getByRole('img', { name: 'team lunch.png' })).toHaveAttribute('src', photo.url);
    expect(within(dialog).getByRole('link', { name: 'Download' })).toHaveAttribute('download', 'team lunch.png');
    expect(within(dialog).getByRole('button', { name: 'Close' })).toHaveFocus();
    // Focus stays inside while it is open.
    await userEvent.tab();
    expect(within(dialog).getByRole('link', { name: 'Download' })).toHaveFocus();
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
    expect(link).toHaveFocus();

    await userEvent.click(link);
    await userEvent.click(screen.getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('dialog')).not.toBeInTheDocument();
  });

  it('shows any other file as a chip that downloads it under its own name, with a human size', () => {
    bubble([menu]);
    const chip = screen.getByRole('link', { name: /lunch-menu\.pdf/ });
    expect(chip).toHaveAttribute('href', menu.url);
    expect(chip).toHaveAttribute('download', 'lunch-menu.pdf');
    expect(chip).toHaveTextContent('47 KB');
    expect(chip).toHaveAccessibleName('lunch-menu.pdf, 47 KB, PDF, download');
    expect(screen.queryByRole('img')).not.toBeInTheDocument();
  });

  it('draws files in your blue bubble and in others’ grey ones, text below them', () => {
    bubble([photo, menu], { own: true });
    const mine = screen.getByText('The menu').parentElement as HTMLElement;
    expect(mine).toHaveClass('bg-blue-600');
    expect(within(mine).getByRole('img', { name: 'team lunch.png' })).toBeInTheDocument();
    expect(within(mine).getByRole('link', { name: /lunch-menu\.pdf/ })).toHaveClass('text-white');
    expect(mine).toHaveTextContent(/^You:/);
  });

  it('shows a message of files only, and several images side by side', () => {
    bubble([photo, { ...photo, id: 'att-2', name: 'second.jpg', contentType: 'image/jpeg' }, menu], { body: '' });
    const images = screen.getByRole('list', { name: 'Images' });
    expect(within(images).getAllByRole('img')).toHaveLength(2);
    expect(images).toHaveClass('grid-cols-2');
    expect(screen.getByRole('list', { name: 'Files' })).toBeInTheDocument();
    const chip = screen.getByRole('link', { name: /lunch-menu\.pdf/ });
    expect(chip).toHaveClass('bg-surface');
  });

  it('sends an SVG as a file, never into an <img>', () => {
    bubble([{ ...photo, name: 'logo.svg', contentType: 'image/svg+xml', url: '/static/x.svg' }]);
    expect(screen.queryByRole('img')).not.toBeInTheDocument();
    expect(screen.getByRole('link', { name: /logo\.svg/ })).toHaveAttribute('download', 'logo.svg');
  });
});
