import { type Envelope, openEnvelope } from '@tandem/crypto';
import type { ModeContext } from './deps.ts';

/** How many times a session asks again after envelopes it could not use. */
const MAX_ASK_AGAIN = 3;

/**
 * No key: ask the members for one, look once for an envelope (one may have come while the app
 * was closed), then again whenever the socket says one is waiting for this device, and after
 * each rejoin (a reconnect may have missed that news). The keys taken are saved, then
 * `keysSaved` lets the session read them and move on. Returns the function that ends the wait.
 *
 * An envelope is taken only when it is for this room and this device and its sender device is
 * one the room lists for a current member, self-signed (`refreshDevices`), with a signature and
 * ciphertext that hold. Anything else is ignored, and since the server closed the request when
 * that envelope arrived, the device asks again (a few times at most per session) so that a
 * genuine member can still answer.
 */
export function waitForKey(ctx: ModeContext, keysSaved: () => Promise<void>): () => void {
  const { deps, roomId, userId, listen, identity } = ctx;
  let live = true;
  const ignored = new Set<string>();
  let askedAgain = 0;
  const look = async () => {
    const envelopes = await deps.api.envelopes(roomId, identity.deviceId);
    if (!live || envelopes.length === 0) return;
    let known = ctx.knownDevices();
    if (envelopes.some((e) => !known.has(e.senderDeviceId))) known = await ctx.refreshDevices();
    const opened = new Map<number, Uint8Array>();
    for (const envelope of envelopes as Envelope[]) {
      const sender = known.get(envelope.senderDeviceId);
      if (!sender || envelope.roomId !== roomId || sender.deviceId === identity.deviceId) continue;
      try {
        opened.set(envelope.epoch, openEnvelope(envelope, identity, sender));
      } catch {
        // Not signed by a member's device, or changed on the way: ignored.
      }
    }
    if (opened.size === 0) {
      const fresh = envelopes.filter((e) => !ignored.has(e.signature));
      for (const e of fresh) ignored.add(e.signature);
      if (fresh.length > 0 && askedAgain < MAX_ASK_AGAIN && live && ctx.isCurrent()) {
        askedAgain += 1;
        await deps.api.requestKey(roomId, identity.deviceId).catch(() => {});
      }
      return;
    }
    for (const [epoch, key] of opened) await deps.keys.saveRoomKey(userId, roomId, epoch, key);
    if (!live || !ctx.isCurrent()) return;
    await keysSaved();
  };
  // One look at a time; news during a look means one more look after it.
  let looking: Promise<void> | undefined;
  let again = false;
  const lookSoon = () => {
    if (!live) return;
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
  const stopAvailable = listen('keyAvailable', (frame) => {
    if (frame.roomId === roomId && frame.recipientDeviceId === identity.deviceId) lookSoon();
  });
  const stopJoined = listen('joined', (frame) => {
    if (frame.room.id === roomId) lookSoon();
  });
  deps.api
    .requestKey(roomId, identity.deviceId)
    .catch(() => {})
    .then(lookSoon);
  return () => {
    live = false;
    stopAvailable();
    stopJoined();
  };
}
