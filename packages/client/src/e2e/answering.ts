import { type DeviceKeys, type Envelope, sealEnvelope, verifyDeviceKeys } from '@tandem/crypto';
import type { ModeContext } from './deps.ts';
import type { RoomKeys } from './keyStore.ts';

const sameKeys = (a: DeviceKeys, b: DeviceKeys) =>
  a.userId === b.userId &&
  a.deviceId === b.deviceId &&
  a.signingKey === b.signingKey &&
  a.exchangeKey === b.exchangeKey;

/**
 * Holding the key: answer the others' requests while the room is open: those pending when it
 * opens (or after a rejoin, which may have missed some), then each one the socket brings. Only
 * a member's device, signed by itself and exactly as the room lists it, gets an envelope (one for
 * each of `roomKeys`, read when answering). Each device's envelopes go in a POST of their own:
 * another member may have answered it first (the server refuses the later answer with 409), which
 * must not hold up the answers to the others. A device that asks again later (it could not use
 * what it got) is answered again. Returns the function that stops answering.
 */
export function answerRequests(ctx: ModeContext, roomKeys: () => RoomKeys): () => void {
  const { deps, roomId, listen, identity } = ctx;
  const answering = new Set<string>();
  let live = true;
  const answer = async (requests: ReadonlyArray<{ device: DeviceKeys }>) => {
    const fresh = requests.filter((r) => r.device.deviceId !== identity.deviceId && !answering.has(r.device.deviceId));
    if (fresh.length === 0 || !live || !ctx.isCurrent()) return;
    // Taken now, so a request arriving twice meanwhile is answered once.
    for (const { device } of fresh) answering.add(device.deviceId);
    try {
      const members = await ctx.refreshDevices();
      await Promise.all(
        fresh.map(async ({ device }) => {
          const listed = members.get(device.deviceId);
          if (!listed || !sameKeys(listed, device) || !verifyDeviceKeys(device)) return;
          const envelopes: Envelope[] = [];
          for (const [epoch, roomKey] of roomKeys()) {
            envelopes.push(sealEnvelope({ roomKey, roomId, epoch, sender: identity, recipient: device }));
          }
          if (envelopes.length > 0 && live) await deps.api.postEnvelopes(roomId, envelopes).catch(() => {});
        }),
      );
    } catch {
      // The devices could not be fetched: the next request or rejoin tries again.
    } finally {
      for (const { device } of fresh) answering.delete(device.deviceId);
    }
  };
  const catchUp = () =>
    deps.api
      .keyRequests(roomId)
      .then(answer)
      .catch(() => {});
  catchUp();
  const stopRequests = listen('keyRequest', (frame) => {
    if (frame.roomId === roomId) answer([frame]).catch(() => {});
  });
  const stopJoined = listen('joined', (frame) => {
    if (frame.room.id !== roomId) return;
    // Look at the members' devices again too, to notice new or changed keys.
    ctx.refreshDevices().catch(() => {});
    catchUp();
  });
  return () => {
    live = false;
    stopRequests();
    stopJoined();
  };
}
