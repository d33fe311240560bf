import { createRestClient } from '@tandem/client';
import { type RenderOptions, render } from '@testing-library/react';
import type { ReactElement, ReactNode } from 'react';
import { Provider } from 'react-redux';
import { MemoryRouter, Route, Routes } from 'react-router';
import { createRealtimeConnection, type Services } from '../app/services.ts';
import { type RootState, setupStore } from '../app/store.ts';
import { createFakeRealtime, type FakeRealtime } from './fakeRealtime.ts';

type Json = Record<string, unknown> | undefined;
export type FakeRoute = (request: { method: string; path: string; body: Json }) => { status: number; body?: unknown };

/** A fetch that answers from a function of method and path, as the server would (JSON, error shape). */
export function fakeFetch(route: FakeRoute) {
  return async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input), 'http://tandem.test');
    const body = init?.body ? (JSON.parse(String(init.body)) as Json) : undefined;
    const answer = route({ method: init?.method ?? 'GET', path: `${url.pathname}${url.search}`, body });
    return new Response(answer.body === undefined ? null : JSON.stringify(answer.body), {
      status: answer.status,
      headers: { 'content-type': 'application/json' },
    });
  };
}

/** 404 for anything a test did not expect, in the server's error shape. */
export const notFound = () => ({ status: 404, body: { error: { code: 'not_found', message: 'No such route.' } } });

type Options = Omit<RenderOptions, 'wrapper'> & {
  preloadedState?: Partial<RootState>;
  route?: FakeRoute;
  realtime?: FakeRealtime;
  /** Where the app starts, and the route pattern the element is mounted at. */
  path?: string;
  pattern?: string;
};

/**
 * Renders a component with a real store (real slices, real RTK Query), a memory router, a fake
 * server behind `fetch` and a fake realtime connection.
 */
export function renderWithProviders(ui: ReactElement, options: Options = {}) {
  const { preloadedState, route = notFound, path = '/', pattern, ...renderOptions } = options;
  const realtime = options.realtime ?? createFakeRealtime();
  const services: Services = {
    rest: createRestClient({ baseUrl: 'http://tandem.test', fetch: fakeFetch(route) }),
    realtime: createRealtimeConnection(() => realtime),
  };
  const store = setupStore(services, preloadedState);
  const Wrapper = ({ children }: { children: ReactNode }) => (
    <Provider store={store}>
      <MemoryRouter initialEntries={[path]}>
        <Routes>
          <Route path={pattern ?? path} element={children} />
          <Route path="*" element={<p>Elsewhere</p>} />
        </Routes>
      </MemoryRouter>
    </Provider>
  );
  return { store, realtime, ...render(ui, { wrapper: Wrapper, ...renderOptions }) };
}
