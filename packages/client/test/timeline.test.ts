import type { Message } from '@tandem/protocol';
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../src/backoff.ts';
import { Timeline } from '../src/timeline.ts';

const msg = (seq: number) => ({ seq, id: `m${seq}` }) as unknown as Message;
const seqs = (ms: Message[]) => ms.map((m) => m.seq);

describe('Timeline', () => {
  it('hands messages over in seq order, once each', () => {
    const t = new Timeline();
    expect(seqs(t.accept(msg(1)))).toEqual([1]);
    expect(seqs(t.accept(msg(1)))).toEqual([]);
    expect(seqs(t.accept(msg(2)))).toEqual([2]);
    expect(t.lastSeq).toBe(2);
  });

  it('holds a message that arrives after a gap until the gap is filled', () => {
    const t = new Timeline(5);
    expect(seqs(t.accept(msg(8)))).toEqual([]);
    expect(seqs(t.accept(msg(7)))).toEqual([]);
    expect(t.gap()).toEqual({ after: 5, before: 7 });
    expect(seqs(t.accept(msg(6)))).toEqual([6, 7, 8]);
    expect(t.gap()).toBeNull();
    expect(seqs(t.accept(msg(7)))).toEqual([]);
  });

  it('starts afresh on reset', () => {
    const t = new Timeline(3);
    t.accept(msg(9));
    t.reset(20);
    expect(t.gap()).toBeNull();
    expect(seqs(t.accept(msg(21)))).toEqual([21]);
  });
});

describe('backoffDelay', () => {
  const options = { baseMs: 500, maxMs: 15_000 };
  it('grows exponentially up to the cap, with full jitter', () => {
    expect(backoffDelay(0, options, () => 0.999)).toBe(499);
    expect(backoffDelay(3, options, () => 0.999)).toBe(3996);
    expect(backoffDelay(10, options, () => 0.999)).toBe(14_985);
    expect(backoffDelay(200, options, () => 0.999)).toBe(14_985);
    expect(backoffDelay(3, options, () => 0)).toBe(0);
  });
});
