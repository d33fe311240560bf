import { ApiError } from '@tandem/client';
import type { DeviceKeys, Envelope, KeyRequest } from '@tandem/protocol';

/**
 * The encrypted rooms' REST calls (`@tandem/client` has none yet): same origin, session cookie.
 * The server only stores and relays what these carry; no room key or plaintext goes through here.
 */
export type E2EApi = {
  publishDevice(keys: DeviceKeys): Promise<void>;
  roomDevices(roomId: string): Promise<DeviceKeys[]>;
  requestKey(roomId: string, deviceId: string): Promise<void>;
  keyRequests(roomId: string): Promise<KeyRequest[]>;
  postEnvelopes(roomId: string, envelopes: Envelope[]): Promise<void>;
  envelopes(roomId: string, deviceId: string): Promise<Envelope[]>;
};

export function createE2EApi(doFetch: typeof fetch = (input, init) => globalThis.fetch(input, init)): E2EApi {
  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    let response: Response;
    try {
      response = await doFetch(path, {
        method,
        credentials: 'same-origin',
        ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
      });
    } catch (error) {
      throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection and try again.', error);
    }
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    const json = text ? (JSON.parse(text) as unknown) : undefined;
    if (!response.ok) {
      const e = (json as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(response.status, e?.code ?? 'internal', e?.message ?? `HTTP ${response.status}`);
    }
    return json as T;
  }
  const room = (id: string) => `/rooms/${encodeURIComponent(id)}`;
  return {
    publishDevice: (keys) => call('PUT', `/devices/${encodeURIComponent(keys.deviceId)}`, keys),
    roomDevices: async (roomId) => (await call<{ devices: DeviceKeys[] }>('GET', `${room(roomId)}/devices`)).devices,
    requestKey: (roomId, deviceId) => call('POST', `${room(roomId)}/key-requests`, { deviceId }),
    keyRequests: async (roomId) =>
      (await call<{ requests: KeyRequest[] }>('GET', `${room(roomId)}/key-requests`)).requests,
    postEnvelopes: (roomId, envelopes) => call('POST', `${room(roomId)}/envelopes`, { envelopes }),
    envelopes: async (roomId, deviceId) =>
      (
        await call<{ envelopes: Envelope[] }>(
          'GET',
          `${room(roomId)}/envelopes?deviceId=${encodeURIComponent(deviceId)}`,
        )
      ).envelopes,
  };
}
