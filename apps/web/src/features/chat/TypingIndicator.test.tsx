import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { alice, bob } from '../../test/fixtures.ts';
import { TypingIndicator, typingText } from './TypingIndicator.tsx';

describe('typingText', () => {
  it('names one or two people and counts more', () => {
    const carol = { ...bob, id: 'carol-id-001', username: 'carol' };
    expect(typingText([])).toBe('');
    expect(typingText([bob])).toBe('bob is typing…');
    expect(typingText([alice, bob])).toBe('Alice Liddell and bob are typing…');
    expect(typingText([alice, bob, carol])).toBe('3 people are typing…');
  });
});

describe('TypingIndicator', () => {
  it('keeps its place when nobody types, so the messages above do not jump', () => {
    const { container } = render(<TypingIndicator users={[]} />);
    expect(container.firstElementChild).toBeEmptyDOMElement();
    expect(container.firstElementChild).toHaveClass('h-6');
  });

  it('shows who is typing', () => {
    render(<TypingIndicator users={[bob]} />);
    expect(screen.getByText('bob is typing…')).toBeInTheDocument();
  });
});
