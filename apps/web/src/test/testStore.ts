import { createRestClient } from '@tandem/client';
import { createRealtimeConnection, type Services } from '../app/services.ts';
import { setupStore } from '../app/store.ts';
import { createFakeRealtime, type FakeRealtime } from './fakeRealtime.ts';
import { type FakeRoute, fakeFetch, notFound } from './renderWithProviders.tsx';

/** A real store over a fake server and a fake socket, for slice and thunk tests without React. */
export function testStore(route: FakeRoute = notFound, realtime: FakeRealtime = createFakeRealtime()) {
  const services: Services = {
    rest: createRestClient({ baseUrl: 'http://tandem.test', fetch: fakeFetch(route) }),
    realtime: createRealtimeConnection(() => realtime),
  };
  return { store: setupStore(services), realtime, services };
}
