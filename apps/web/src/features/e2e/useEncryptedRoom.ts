import {
  type DeviceIdentity,
  type DeviceKeys,
  type Envelope,
  openEnvelope,
  ReplayGuard,
  sealEnvelope,
  verifyDeviceKeys,
} from '@tandem/crypto';
import type { Message } from '@tandem/protocol';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useAppDispatch } from '../../app/hooks.ts';
import { listenRealtime } from '../chat/realtimeThunks.ts';
import { e2eDeps } from './deps.ts';
import { deviceIdentity } from './identity.ts';
import type { RoomKeys } from './keyStore.ts';
import { isFinal, type Opened, openOne } from './sealing.ts';

export type EncryptedRoom = {
  /** loading: reading the device and keys; waiting: no key yet (asked for one); ready: can read and send. */
  status: 'off' | 'loading' | 'waiting' | 'ready' | 'error';
  identity: DeviceIdentity | undefined;
  roomKeys: RoomKeys;
  devices: ReadonlyMap<string, DeviceKeys>;
  /** Each sealed message opened once (by message id). */
  opened: ReadonlyMap<string, Opened>;
  /** Members whose device keys changed since this browser last saw them, and when that was noticed. */
  changedKeys: KeyChange[];
};

export type KeyChange = { userId: string; at: string; afterSeq: number };

const sameKeys = (a: DeviceKeys, b: DeviceKeys) =>
  a.userId === b.userId &&
  a.deviceId === b.deviceId &&
  a.signingKey === b.signingKey &&
  a.exchangeKey === b.exchangeKey;

/**
 * The browser side of an encrypted room (E2E.md): this device's identity, the room keys it holds,
 * the members' devices, asking for the key and waiting for it, answering others' requests, and
 * every message opened in the browser. Nothing polls: the pending requests and envelopes are
 * fetched once when the room opens (and after each rejoin), then the socket's `keyRequest` and
 * `keyAvailable` events say when to act.
 */
export function useEncryptedRoom(roomId: string, userId: string, enabled: boolean, messages: Message[]): EncryptedRoom {
  const [identity, setIdentity] = useState<DeviceIdentity>();
  const [roomKeys, setRoomKeys] = useState<RoomKeys>();
  const [devices, setDevices] = useState<ReadonlyMap<string, DeviceKeys>>(new Map());
  const [missing, setMissing] = useState<ReadonlySet<string>>(new Set());
  const [changedKeys, setChangedKeys] = useState<KeyChange[]>([]);
  const latestSeq = useRef(0);
  latestSeq.current = messages.at(-1)?.seq ?? 0;
  const [failed, setFailed] = useState(false);
  const cache = useRef(new Map<string, Opened>());
  const guard = useRef(new ReplayGuard());
  const devicesNow = useRef(devices);
  devicesNow.current = devices;
  const dispatch = useAppDispatch();

  // The device and the keys this browser already has.
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    (async () => {
      const id = await deviceIdentity(userId);
      const keys = await e2eDeps().keys.roomKeys(userId, roomId);
      if (!live) return;
      setIdentity(id);
      setRoomKeys(keys);
    })().catch(() => live && setFailed(true));
    return () => {
      live = false;
    };
  }, [enabled, roomId, userId]);

  const fetching = useRef<Promise<ReadonlyMap<string, DeviceKeys>> | undefined>(undefined);
  const refreshDevices = useCallback(async (): Promise<ReadonlyMap<string, DeviceKeys>> => {
    fetching.current ??= (async () => {
      try {
        const { api, keys } = e2eDeps();
        const list = (await api.roomDevices(roomId)).filter(verifyDeviceKeys);
        const next = new Map(list.map((d) => [d.deviceId, d]));
        setDevices(next);
        // A member with a signing key this browser has not seen for them before: their keys changed.
        const seen = await keys.seenKeys(userId, roomId);
        const changed: string[] = [];
        for (const device of list) {
          const known = seen[device.userId];
          if (known && !known.includes(device.signingKey) && device.userId !== userId) changed.push(device.userId);
          seen[device.userId] = [...new Set([...(known ?? []), device.signingKey])];
        }
        await keys.saveSeenKeys(userId, roomId, seen);
        if (changed.length > 0) {
          const at = new Date().toISOString();
          const afterSeq = latestSeq.current;
          setChangedKeys((now) => [
            ...now,
            ...[...new Set(changed)].map((changedUser) => ({ userId: changedUser, at, afterSeq })),
          ]);
        }
        return next;
      } finally {
        fetching.current = undefined;
      }
    })();
    return fetching.current;
  }, [roomId, userId]);

  useEffect(() => {
    if (enabled && identity) refreshDevices().catch(() => {});
  }, [enabled, identity, refreshDevices]);

  // A message from a device not known yet: ask once more; still unknown means it cannot be verified.
  const unknownSenders = useMemo(() => {
    const ids = new Set<string>();
    for (const m of messages) {
      const sender = m.sealed?.senderDeviceId;
      if (sender && !devices.has(sender) && !missing.has(sender)) ids.add(sender);
    }
    return [...ids].sort().join(' ');
  }, [messages, devices, missing]);
  useEffect(() => {
    if (!enabled || !identity || unknownSenders === '') return;
    let live = true;
    refreshDevices()
      .then((now) => {
        if (!live) return;
        const gone = unknownSenders.split(' ').filter((id) => !now.has(id));
        if (gone.length > 0) setMissing((before) => new Set([...before, ...gone]));
      })
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [enabled, identity, unknownSenders, refreshDevices]);

  const hasKey = (roomKeys?.size ?? 0) > 0;

  // No key: ask the members for one, look once for an envelope (one may have come while the page
  // was closed), then again whenever the socket says one is waiting for this device, and after
  // each rejoin (a reconnect may have missed that news).
  useEffect(() => {
    if (!enabled || !identity || !roomKeys || hasKey) return;
    const { api, keys } = e2eDeps();
    let live = true;
    const look = async () => {
      const envelopes = await api.envelopes(roomId, identity.deviceId);
      if (!live || envelopes.length === 0) return;
      let known = devicesNow.current;
      if (envelopes.some((e) => !known.has(e.senderDeviceId))) known = await refreshDevices();
      const opened = new Map<number, Uint8Array>();
      for (const envelope of envelopes as Envelope[]) {
        const sender = known.get(envelope.senderDeviceId);
        if (!sender) continue;
        try {
          opened.set(envelope.epoch, openEnvelope(envelope, identity, sender));
        } catch {
          // Not signed by a member's device, or changed on the way: ignored.
        }
      }
      for (const [epoch, key] of opened) await keys.saveRoomKey(userId, roomId, epoch, key);
      if (live && opened.size > 0) setRoomKeys(await keys.roomKeys(userId, roomId));
    };
    // One look at a time; news during a look means one more look after it.
    let looking: Promise<void> | undefined;
    let again = false;
    const lookSoon = () => {
      if (looking) {
        again = true;
        return;
      }
      looking = look()
        .catch(() => {})
        .finally(() => {
          looking = undefined;
          if (live && again) {
            again = false;
            lookSoon();
          }
        });
    };
    const stopAvailable = dispatch(
      listenRealtime('keyAvailable', (frame) => {
        if (frame.roomId === roomId && frame.recipientDeviceId === identity.deviceId) lookSoon();
      }),
    );
    const stopJoined = dispatch(
      listenRealtime('joined', (frame) => {
        if (frame.room.id === roomId) lookSoon();
      }),
    );
    api
      .requestKey(roomId, identity.deviceId)
      .catch(() => {})
      .then(() => live && lookSoon());
    return () => {
      live = false;
      stopAvailable();
      stopJoined();
    };
  }, [enabled, identity, roomKeys, hasKey, roomId, userId, refreshDevices, dispatch]);

  // Holding the key: answer the others' requests while the room is open: those pending when it
  // opens (or after a rejoin, which may have missed some), then each one the socket brings.
  useEffect(() => {
    if (!enabled || !identity || !roomKeys || !hasKey) return;
    const { api } = e2eDeps();
    const answered = new Set<string>();
    const answer = async (requests: ReadonlyArray<{ device: DeviceKeys }>) => {
      const fresh = requests.filter((r) => r.device.deviceId !== identity.deviceId && !answered.has(r.device.deviceId));
      if (fresh.length === 0) return;
      // Taken now, so a request arriving twice meanwhile is answered once.
      for (const { device } of fresh) answered.add(device.deviceId);
      try {
        const members = await refreshDevices();
        const envelopes: Envelope[] = [];
        for (const { device } of fresh) {
          const listed = members.get(device.deviceId);
          // Only a member's device, signed by itself, and exactly as the room lists it.
          if (!listed || !sameKeys(listed, device) || !verifyDeviceKeys(device)) {
            answered.delete(device.deviceId);
            continue;
          }
          for (const [epoch, roomKey] of roomKeys) {
            envelopes.push(sealEnvelope({ roomKey, roomId, epoch, sender: identity, recipient: device }));
          }
        }
        if (envelopes.length > 0) await api.postEnvelopes(roomId, envelopes);
      } catch {
        for (const { device } of fresh) answered.delete(device.deviceId);
      }
    };
    const catchUp = () =>
      api
        .keyRequests(roomId)
        .then(answer)
        .catch(() => {});
    catchUp();
    const stopRequests = dispatch(
      listenRealtime('keyRequest', (frame) => {
        if (frame.roomId === roomId) answer([frame]).catch(() => {});
      }),
    );
    const stopJoined = dispatch(
      listenRealtime('joined', (frame) => {
        if (frame.room.id !== roomId) return;
        // Look at the members' devices again too, to notice new or changed keys.
        refreshDevices().catch(() => {});
        catchUp();
      }),
    );
    return () => {
      stopRequests();
      stopJoined();
    };
  }, [enabled, identity, roomKeys, hasKey, roomId, refreshDevices, dispatch]);

  const opened = useMemo(() => {
    const result = new Map<string, Opened>();
    if (!enabled || !roomKeys) return result;
    const ctx = { roomKeys, devices, missing, guard: guard.current };
    for (const message of messages) {
      if (!message.sealed) continue;
      let value = cache.current.get(message.id);
      if (!value) {
        value = openOne(message, ctx);
        if (isFinal(value)) cache.current.set(message.id, value);
      }
      result.set(message.id, value);
    }
    return result;
  }, [enabled, messages, roomKeys, devices, missing]);

  const status: EncryptedRoom['status'] = !enabled
    ? 'off'
    : failed
      ? 'error'
      : !identity || !roomKeys
        ? 'loading'
        : hasKey
          ? 'ready'
          : 'waiting';
  return { status, identity, roomKeys: roomKeys ?? new Map(), devices, opened, changedKeys };
}
