import { initialRoomState, type RoomState } from '@tandem/client';
import { renderHook } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { alice, bob, message, ROOM_ID } from '../../test/fixtures.ts';
import { useTimeline } from './useRoomSession.ts';

const messages = [
  message(1, alice, 'one'),
  message(2, bob, 'two'),
  message(3, alice, 'three'),
  message(4, bob, 'four'),
];
// As the session's reducers do: a receipt replaces `reads` and keeps every other part.
const room: RoomState = { ...initialRoomState(ROOM_ID), messages };
const roomAt = (reads: RoomState['reads']): RoomState => ({ ...room, reads });
const seenBodies = (items: ReturnType<typeof useTimeline>) =>
  items.flatMap((item) => (item.type === 'message' && item.seen ? [item.text] : []));

describe('useTimeline', () => {
  it('puts "seen" under your newest message someone else read, and keeps the same list for a receipt that does not move it', () => {
    const { result, rerender } = renderHook(({ state }) => useTimeline(state, alice.id), {
      initialProps: { state: roomAt({ [bob.id]: 1 }) },
    });
    expect(seenBodies(result.current)).toEqual(['one']);
    const before = result.current;
    // Bob reads on to his own message: "seen" stays under "one", and nothing is rebuilt.
    rerender({ state: roomAt({ [bob.id]: 2 }) });
    expect(result.current).toBe(before);
    // Bob reads "three": "seen" moves; only the two rows concerned are new objects.
    rerender({ state: roomAt({ [bob.id]: 3 }) });
    expect(seenBodies(result.current)).toEqual(['three']);
    const changed = result.current.filter((item, i) => item !== before[i]).map((item) => item.key);
    expect(changed).toEqual(['m-1', 'm-3']);
  });
});
