import { createRestClient, RealtimeClient, type RestClient, type RoomRealtime } from '@tandem/client';
import { type E2EDeps, KeyStore, type KeyValueStore } from '@tandem/client/e2e';
import { createContext, type ReactNode, useContext } from 'react';
import { socketUrl } from './platform/serverUrl.ts';

/** What the screens use of a realtime connection; tests pass a fake with the same shape. */
export type Realtime = RoomRealtime & Pick<RealtimeClient, 'connect' | 'close' | 'wake'>;

/** Everything the app talks to, made once at start-up; tests build their own. */
export type Services = {
  serverUrl: string;
  rest: RestClient;
  /** The secure store: session token, device keys, room keys. */
  store: KeyValueStore;
  /** What the shared encrypted-room session needs: the key store and the REST calls. */
  e2e: E2EDeps;
  /** One realtime connection per signed-in session, authenticated with its token. */
  openRealtime(token: string): Realtime;
};

export function createServices(serverUrl: string, store: KeyValueStore): Services {
  const rest = createRestClient({ baseUrl: serverUrl });
  return {
    serverUrl,
    rest,
    store,
    e2e: { keys: new KeyStore(store), api: rest },
    openRealtime: (token) => new RealtimeClient({ url: socketUrl(serverUrl), token, rest }),
  };
}

const ServicesContext = createContext<Services | null>(null);

export function ServicesProvider({ services, children }: { services: Services; children: ReactNode }) {
  return <ServicesContext.Provider value={services}>{children}</ServicesContext.Provider>;
}

export function useServices(): Services {
  const services = useContext(ServicesContext);
  if (!services) throw new Error('useServices outside ServicesProvider');
  return services;
}
