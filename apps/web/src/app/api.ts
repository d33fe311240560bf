import { createApi, fakeBaseQuery } from '@reduxjs/toolkit/query/react';
import type { AppError } from './errors.ts';
import type { Services } from './services.ts';

/**
 * The one RTK Query API. Endpoints are injected by each feature (auth, rooms, chat) and run as
 * `queryFn`s over `@tandem/client`'s typed REST client, so request and response types are the
 * protocol's own and every failure becomes an AppError.
 */
export const api = createApi({
  reducerPath: 'api',
  baseQuery: fakeBaseQuery<AppError>(),
  tagTypes: ['Rooms'],
  endpoints: () => ({}),
});

/**
 * For `onCacheEntryAdded`: socket events can arrive before the first fetch is in the cache.
 * Changes made through the returned function are held until it is, then applied in order.
 */
export function liveChanges<T>(
  updateCachedData: (recipe: (draft: T) => void) => unknown,
  cacheDataLoaded: Promise<unknown>,
): (recipe: (draft: T) => void) => void {
  let loaded = false;
  const held: Array<(draft: T) => void> = [];
  cacheDataLoaded.then(
    () => {
      loaded = true;
      updateCachedData((draft) => {
        for (const recipe of held) recipe(draft);
      });
    },
    // The entry went away before it loaded: nothing to apply.
    () => {},
  );
  return (recipe) => {
    if (loaded) updateCachedData(recipe);
    else held.push(recipe);
  };
}

/** RTK Query hands the thunk's extra argument to every queryFn and lifecycle as `unknown`. */
export const servicesOf = (extra: unknown) => extra as Services;

/**
 * After the session changes (sign-in, sign-out, a new guest) nothing cached belongs to the new
 * person, and the socket was authenticated with the old cookie: drop both.
 */
export function startAfresh(extra: unknown, dispatch: (action: ReturnType<typeof api.util.resetApiState>) => unknown) {
  servicesOf(extra).realtime.close();
  dispatch(api.util.resetApiState());
}
