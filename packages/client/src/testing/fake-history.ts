import type { HistoryQuery, HistoryResponse, Message } from '@tandem/protocol';

/**
 * A room's stored messages behind `history`, paged as the server pages them: `before` gives the
 * newest ones under it (hasMore: older exist), `after` the oldest ones over it (hasMore: newer
 * exist). `calls` records every query; `fail(n)` makes the next n calls throw.
 */
export function fakeHistory(stored: readonly Message[]) {
  const calls: HistoryQuery[] = [];
  let failures = 0;
  const sorted = [...stored].sort((a, b) => a.seq - b.seq);
  return {
    calls,
    fail(times = 1) {
      failures = times;
    },
    async history(_roomId: string, query: HistoryQuery = {}): Promise<HistoryResponse> {
      calls.push(query);
      if (failures > 0) {
        failures -= 1;
        throw new Error('Cannot reach the server. Check your connection and try again.');
      }
      const limit = Number(query.limit ?? 50);
      const after = query.after == null ? undefined : Number(query.after);
      const before = query.before == null ? undefined : Number(query.before);
      const latestSeq = sorted.at(-1)?.seq ?? 0;
      if (after !== undefined) {
        const newer = sorted.filter((m) => m.seq > after);
        return { messages: newer.slice(0, limit), hasMore: newer.length > limit, latestSeq };
      }
      const older = sorted.filter((m) => before === undefined || m.seq < before);
      return { messages: older.slice(-limit), hasMore: older.length > limit, latestSeq };
    },
  };
}
export type FakeHistory = ReturnType<typeof fakeHistory>;
