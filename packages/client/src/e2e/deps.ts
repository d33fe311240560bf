import type { DeviceIdentity, DeviceKeys } from '@tandem/crypto';
import type { RealtimeEvents } from '../realtime.ts';
import type { RestClient } from '../rest.ts';
import type { KeyStore } from './keyStore.ts';

/** The REST calls an encrypted room needs (`RestClient` has them; tests pass fakes). */
export type E2EApi = Pick<
  RestClient,
  'publishDevice' | 'roomDevices' | 'requestKey' | 'keyRequests' | 'postEnvelopes' | 'envelopes'
>;

/** Where the secrets live and how the server is reached: the same session code on web and phone. */
export type E2EDeps = { keys: KeyStore; api: E2EApi };

type RoomEvent = 'keyRequest' | 'keyAvailable' | 'joined';
/** Subscribes to one event of the realtime connection; returns the function that stops it. */
export type ListenRealtime = <K extends RoomEvent>(
  event: K,
  listener: (payload: RealtimeEvents[K]) => void,
) => () => void;

/**
 * What the session hands the mode it is in (waiting for a key, or answering the others'
 * requests): the room, this device, the members' devices, and whether the run that entered the
 * mode is still the session's. A mode returns the function that ends it.
 */
export type ModeContext = {
  roomId: string;
  userId: string;
  deps: E2EDeps;
  listen: ListenRealtime;
  identity: DeviceIdentity;
  /** The members' devices as last fetched (each checked against its own signature). */
  knownDevices: () => ReadonlyMap<string, DeviceKeys>;
  /** Fetches the members' devices again (one fetch at a time); the session's state follows. */
  refreshDevices: () => Promise<ReadonlyMap<string, DeviceKeys>>;
  /** False once the session was stopped or started again: work begun before is dropped. */
  isCurrent: () => boolean;
};
