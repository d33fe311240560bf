import { CloseCode } from '@tandem/protocol/constants';
import { describe, expect, it } from 'vitest';
import { alice, apiError, asUser } from '../../test/fixtures.ts';
import { testStore } from '../../test/testStore.ts';
import { authApi } from './authApi.ts';

describe('auth', () => {
  it('is unknown until the server says who is signed in', async () => {
    const { store } = testStore(({ path }) =>
      path === '/auth/me' ? { status: 200, body: { user: asUser(alice) } } : apiError(404, 'not_found', 'No'),
    );
    expect(store.getState().auth.status).toBe('unknown');
    await store.dispatch(authApi.endpoints.me.initiate());
    expect(store.getState().auth).toMatchObject({ status: 'signedIn', user: alice });
  });

  it('is signed out, without an error, when the server answers {"user": null} (no cookie, or it expired)', async () => {
    const { store } = testStore(({ path }) =>
      path === '/auth/me' ? { status: 200, body: { user: null } } : apiError(404, 'not_found', 'No'),
    );
    const result = await store.dispatch(authApi.endpoints.me.initiate());
    expect(result.isError).toBe(false);
    expect(result.data).toEqual({ user: null });
    expect(store.getState().auth).toMatchObject({ status: 'signedOut', user: null, notice: null });
  });

  it('signs out when a later check finds the session gone', async () => {
    let user: unknown = asUser(alice);
    const { store } = testStore(({ path }) =>
      path === '/auth/me' ? { status: 200, body: { user } } : apiError(404, 'not_found', 'No'),
    );
    await store.dispatch(authApi.endpoints.me.initiate(undefined, { subscribe: false }));
    expect(store.getState().auth.status).toBe('signedIn');
    user = null;
    await store.dispatch(authApi.endpoints.me.initiate(undefined, { subscribe: false, forceRefetch: true }));
    expect(store.getState().auth).toMatchObject({ status: 'signedOut', user: null });
  });

  it('stays unknown when the server cannot be reached, so the app can say so and retry', async () => {
    const { store } = testStore(() => apiError(503, 'unavailable', 'Down for a moment.'));
    await store.dispatch(authApi.endpoints.me.initiate());
    expect(store.getState().auth.status).toBe('unknown');
  });

  it('signing out closes the socket and forgets the cached data', async () => {
    const { store, realtime, services } = testStore(({ path }) =>
      path === '/auth/logout' ? { status: 204 } : { status: 200, body: { user: asUser(alice) } },
    );
    await store.dispatch(authApi.endpoints.me.initiate(undefined, { subscribe: false }));
    services.realtime.get();
    await store.dispatch(authApi.endpoints.logout.initiate());
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(store.getState().auth.status).toBe('signedOut');
    expect(realtime.close).toHaveBeenCalled();
    expect(store.getState().api.queries).toEqual({});
  });

  it('signing out yourself shows no "session ended" notice, though the server closes the socket first', async () => {
    const { store, services, realtime } = testStore(({ path }) =>
      path === '/auth/logout' ? { status: 204 } : { status: 200, body: { user: asUser(alice) } },
    );
    await store.dispatch(authApi.endpoints.me.initiate(undefined, { subscribe: false }));
    services.realtime.get();
    const done = store.dispatch(authApi.endpoints.logout.initiate());
    // The server ends this session's sockets before its answer to the sign-out arrives.
    realtime.emit('closed', { code: CloseCode.unauthorized, reason: 'You signed out.' });
    await done;
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(store.getState().auth).toMatchObject({ status: 'signedOut', notice: null });
  });

  it('a session the server ends (socket closed with 4401) signs out with a notice', () => {
    const { store, services, realtime } = testStore();
    services.realtime.get();
    realtime.emit('closed', { code: CloseCode.unauthorized, reason: 'Your session has expired.' });
    expect(store.getState().auth).toMatchObject({ status: 'signedOut', notice: 'Your session has expired.' });
  });
});
