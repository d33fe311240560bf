import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { alice, bob } from '../../test/fixtures.ts';
import { TypingIndicator } from './TypingIndicator.tsx';

describe('TypingIndicator', () => {
  it('keeps its place when nobody types, so the messages above do not jump', () => {
    const { container } = render(<TypingIndicator users={[]} />);
    expect(container.firstElementChild).toBeEmptyDOMElement();
    expect(container.firstElementChild).toHaveClass('h-6');
  });

  it('names one or two people who are typing, and counts more', () => {
    const carol = { ...bob, id: 'carol-id-001', username: 'carol' };
    const { rerender } = render(<TypingIndicator users={[bob]} />);
    expect(screen.getByText('bob is typing…')).toBeInTheDocument();
    rerender(<TypingIndicator users={[alice, bob]} />);
    expect(screen.getByText('Alice Liddell and bob are typing…')).toBeInTheDocument();
    rerender(<TypingIndicator users={[alice, bob, carol]} />);
    expect(screen.getByText('3 people are typing…')).toBeInTheDocument();
  });
});
