import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { PresenceList } from './PresenceBar.tsx';
import type { Participant } from './useCodeCollab.ts';

const person = (name: string, self = false): Participant => ({ id: `${name}-id`, name, color: '#0369a1', self });
const four = [person('ada', true), person('grace'), person('linus'), person('margaret')];

describe('PresenceList', () => {
  it('draws everyone when they fit', () => {
    render(<PresenceList participants={four.slice(0, 2)} max={3} compact />);
    const here = screen.getByRole('list', { name: 'Here now' });
    expect(within(here).getAllByRole('listitem')).toHaveLength(2);
    expect(here).toHaveTextContent('ada (you)');
    expect(screen.queryByRole('button', { name: /more/ })).toBeNull();
  });

  it('collapses the rest into "+N", which lists everyone and closes with Escape', async () => {
    render(<PresenceList participants={four} max={3} compact />);
    // Every name is still read out; two are drawn and the other two are "+2".
    const here = screen.getByRole('list', { name: 'Here now' });
    for (const p of four) expect(here).toHaveTextContent(p.name);
    const drawn = within(here)
      .getAllByRole('listitem')
      .filter((li) => !li.classList.contains('sr-only'));
    expect(drawn.map((li) => li.getAttribute('title'))).toEqual(['ada (you)', 'grace']);
    const more = screen.getByRole('button', { name: /^\+2\s*more: everyone here/ });
    expect(more).toHaveAttribute('aria-expanded', 'false');

    await userEvent.click(more);
    expect(more).toHaveAttribute('aria-expanded', 'true');
    const everyone = screen.getByRole('list', { name: 'Everyone here' });
    expect(
      within(everyone)
        .getAllByRole('listitem')
        .map((li) => li.textContent),
    ).toEqual(['Aada (you)', 'Ggrace', 'Llinus', 'Mmargaret']);
    await userEvent.keyboard('{Escape}');
    expect(screen.queryByRole('list', { name: 'Everyone here' })).toBeNull();
    expect(more).toHaveFocus();
  });

  it('shows names on chips on a wider screen', () => {
    render(<PresenceList participants={four} max={5} compact={false} />);
    expect(screen.queryByRole('button', { name: /more/ })).toBeNull();
    expect(screen.getByText('linus')).not.toHaveClass('sr-only');
  });
});
