import { describe, expect, it } from 'vitest';
import { testStore } from '../../test/testStore.ts';
import { selectConnectionProblem, selectIsReconnecting } from './connectionSlice.ts';

describe('connection', () => {
  it('follows the socket and calls a dropped connection "reconnecting", not a first connect', () => {
    const { store, services, realtime } = testStore();
    services.realtime.get();
    realtime.emit('status', 'connecting');
    expect(selectIsReconnecting(store.getState())).toBe(false);
    realtime.emit('status', 'open');
    realtime.emit('status', 'reconnecting');
    expect(selectIsReconnecting(store.getState())).toBe(true);
    realtime.emit('status', 'open');
    expect(selectIsReconnecting(store.getState())).toBe(false);
  });
});

describe('connection problems', () => {
  it('keeps the server’s words for a refused frame and for a final close', () => {
    const { store, services, realtime } = testStore();
    services.realtime.get();
    realtime.emit('error', { type: 'error', code: 'rate_limited', message: 'Slow down: too many messages.' });
    expect(selectConnectionProblem(store.getState())).toBe('Slow down: too many messages.');
    realtime.emit('closed', { code: 4426, reason: 'Unsupported protocol version.' });
    expect(selectConnectionProblem(store.getState())).toBe(
      'Unsupported protocol version. Reload the page to reconnect.',
    );
  });

  it('says nothing when the app itself closed the connection', () => {
    const { store, services, realtime } = testStore();
    services.realtime.get();
    realtime.emit('closed', { code: 1000, reason: 'client closed' });
    expect(selectConnectionProblem(store.getState())).toBeNull();
  });
});
