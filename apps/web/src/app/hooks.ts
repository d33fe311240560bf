import { useMemo, useSyncExternalStore } from 'react';
import { useDispatch, useSelector } from 'react-redux';
import type { Services } from './services.ts';
import type { AppDispatch, AppThunk, RootState } from './store.ts';

export const useAppDispatch = useDispatch.withTypes<AppDispatch>();
export const useAppSelector = useSelector.withTypes<RootState>();

const servicesThunk: AppThunk<Services> = (_dispatch, _getState, services) => services;

/** The store's services (REST, the realtime connection), for hooks that bind shared models to them. */
export function useServices(): Services {
  const dispatch = useAppDispatch();
  return useMemo(() => dispatch(servicesThunk), [dispatch]);
}

const onVisibilityChange = (listener: () => void) => {
  document.addEventListener('visibilitychange', listener);
  return () => document.removeEventListener('visibilitychange', listener);
};

/** Whether the page is on screen (not a background tab, not a minimised window). */
export function usePageVisible(): boolean {
  return useSyncExternalStore(onVisibilityChange, () => document.visibilityState === 'visible');
}
