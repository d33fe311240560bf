import { combineReducers, configureStore, type ThunkAction, type UnknownAction } from '@reduxjs/toolkit';
import { authSlice, sessionEnded } from '../features/auth/authSlice.ts';
import { connectionChanged, connectionProblem, connectionSlice } from '../features/connection/connectionSlice.ts';
import { api, startAfresh } from './api.ts';
import type { Services } from './services.ts';

const rootReducer = combineReducers({
  [api.reducerPath]: api.reducer,
  [authSlice.reducerPath]: authSlice.reducer,
  [connectionSlice.reducerPath]: connectionSlice.reducer,
});

export type RootState = ReturnType<typeof rootReducer>;

export function setupStore(services: Services, preloadedState?: Partial<RootState>) {
  const store = configureStore({
    reducer: rootReducer,
    preloadedState,
    // The services reach thunks and RTK Query lifecycles as `extra`, so tests can swap them.
    middleware: (getDefault) => getDefault({ thunk: { extraArgument: services } }).concat(api.middleware),
  });
  services.realtime.listen({
    status: (status) => store.dispatch(connectionChanged(status)),
    problem: (message) => store.dispatch(connectionProblem(message)),
    sessionEnded: (reason) => {
      store.dispatch(sessionEnded(reason));
      startAfresh(services, store.dispatch);
    },
  });
  return store;
}

export type AppStore = ReturnType<typeof setupStore>;
export type AppDispatch = AppStore['dispatch'];
export type AppThunk<R = void> = ThunkAction<R, RootState, Services, UnknownAction>;
