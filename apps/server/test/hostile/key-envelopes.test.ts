import { createDeviceIdentity, type DeviceIdentity, deviceKeysOf, generateRoomKey, sealEnvelope } from '@tandem/crypto';
import type { DeviceKeys, Envelope } from '@tandem/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { E2E_LIMITS } from '../../src/services/e2e.service.ts';
import { backends, guest, startApp, testConfig, uniqueName } from '../helpers.ts';

/**
 * Issue 15 #4, key-envelope substitution. Before: any member could overwrite the envelope another
 * member had sealed for a device (the later upsert won, and the recipient's client would take the
 * new key), any well-formed envelope closed the recipient's pending request, and a person could
 * publish devices and post key requests without end. Now: the first answer to a request wins and
 * only its sender may replace it; an envelope no request asked for is refused without touching
 * anything; devices and key requests are capped and rate-limited.
 */
describe.each(backends)('key envelopes under attack, on $name', (backend) => {
  let app: App;
  beforeAll(async () => {
    app = await startApp(testConfig(await backend.database()));
  });
  afterAll(() => app.close());

  type Person = Awaited<ReturnType<typeof guest>> & { device: DeviceIdentity; keys: DeviceKeys };
  async function person(): Promise<Person> {
    const g = await guest(app);
    const device = createDeviceIdentity();
    const keys = deviceKeysOf(device, g.user.id);
    const res = await app.inject({
      method: 'PUT',
      url: `/devices/${keys.deviceId}`,
      headers: g.headers,
      payload: keys,
    });
    expect(res.statusCode).toBe(204);
    return { ...g, device, keys };
  }
  const call = (method: 'GET' | 'POST' | 'PUT', url: string, who: Person, payload?: object) =>
    app.inject({ method, url, headers: who.headers, ...(payload ? { payload } : {}) });
  const envelope = (roomId: string, from: Person, to: Person, roomKey = generateRoomKey()) =>
    sealEnvelope({ roomKey, roomId, epoch: 1, sender: from.device, recipient: to.keys });
  const post = (roomId: string, who: Person, envelopes: Envelope[]) =>
    call('POST', `/rooms/${roomId}/envelopes`, who, { envelopes });
  const pending = async (roomId: string, who: Person) =>
    ((await call('GET', `/rooms/${roomId}/key-requests`, who)).json().requests as Array<{ device: DeviceKeys }>).map(
      (r) => r.device.deviceId,
    );
  const envelopesOf = async (roomId: string, who: Person) =>
    (await call('GET', `/rooms/${roomId}/envelopes?deviceId=${who.keys.deviceId}`, who)).json().envelopes as Envelope[];

  /** Alice made the room and holds the key; Carol is another member; Bob joined and asked. */
  async function scene() {
    const [alice, bob, carol] = [await person(), await person(), await person()];
    const created = await call('POST', '/rooms', alice, { name: uniqueName('Secret '), encrypted: true });
    const roomId = created.json().roomId as string;
    for (const p of [bob, carol]) expect((await call('POST', `/rooms/${roomId}/join`, p)).statusCode).toBe(200);
    const asked = await call('POST', `/rooms/${roomId}/key-requests`, bob, { deviceId: bob.keys.deviceId });
    expect(asked.statusCode).toBe(204);
    return { roomId, alice, bob, carol, roomKey: generateRoomKey() };
  }

  it('keeps the first answer: another member cannot overwrite it, its sender may replace its own', async () => {
    const { roomId, alice, bob, carol, roomKey } = await scene();
    const genuine = envelope(roomId, alice, bob, roomKey);
    expect((await post(roomId, alice, [genuine])).statusCode).toBe(204);
    expect(await pending(roomId, alice)).toEqual([]);

    // Before the fix: 204, and Bob's envelope became Carol's (her key).
    const substitute = await post(roomId, carol, [envelope(roomId, carol, bob)]);
    expect(substitute.statusCode).toBe(409);
    expect(substitute.json().error).toMatchObject({
      code: 'conflict',
      details: { recipientDeviceId: bob.keys.deviceId },
    });
    expect(substitute.json().error.message).toContain('already answered');
    expect(await envelopesOf(roomId, bob)).toEqual([genuine]);

    // Alice may seal it again (a retry); it stays hers.
    const again = envelope(roomId, alice, bob, roomKey);
    expect((await post(roomId, alice, [again])).statusCode).toBe(204);
    expect(await envelopesOf(roomId, bob)).toEqual([again]);

    // Bob could not use it and asks again: the next answer wins, whoever sends it.
    expect((await call('POST', `/rooms/${roomId}/key-requests`, bob, { deviceId: bob.keys.deviceId })).statusCode).toBe(
      204,
    );
    const fromCarol = envelope(roomId, carol, bob, roomKey);
    expect((await post(roomId, carol, [fromCarol])).statusCode).toBe(204);
    expect(await envelopesOf(roomId, bob)).toEqual([fromCarol]);
    expect((await post(roomId, alice, [envelope(roomId, alice, bob)])).statusCode).toBe(409);
  });

  it('leaves the pending request alone for junk: wrong shape, non-member, unasked device, own device', async () => {
    const { roomId, alice, bob, carol } = await scene();
    const mallory = await person();
    const dave = await person();
    expect((await call('POST', `/rooms/${roomId}/join`, dave)).statusCode).toBe(200);
    const good = envelope(roomId, carol, bob);

    const junk: Array<[string, Person, unknown, number]> = [
      ['not an envelope', carol, [{ ...good, ciphertext: 'not base64url!' }], 400],
      ['another room', carol, [{ ...good, roomId: 'AAAAAAAAAAAAAAAAAAAAAA' }], 400],
      ['from a non-member', mallory, [envelope(roomId, mallory, bob)], 403],
      ['from a device not the poster’s', carol, [envelope(roomId, alice, bob)], 403],
      ['for a device that never asked, with a good one', carol, [good, envelope(roomId, carol, dave)], 409],
      ['twice for one device', carol, [good, envelope(roomId, carol, bob)], 400],
      ['for the sender itself', bob, [envelope(roomId, bob, bob)], 400],
    ];
    for (const [what, who, envelopes, status] of junk) {
      const res = await call('POST', `/rooms/${roomId}/envelopes`, who, { envelopes: envelopes as object[] });
      expect({ what, status: res.statusCode }).toEqual({ what, status });
      // Before the fix the batch with an unasked device stored both and closed Bob's request.
      expect({ what, pending: await pending(roomId, alice) }).toEqual({ what, pending: [bob.keys.deviceId] });
      expect({ what, envelopes: await envelopesOf(roomId, bob) }).toEqual({ what, envelopes: [] });
    }
    expect(await envelopesOf(roomId, dave)).toEqual([]);

    // A member's well-formed answer fulfils it.
    expect((await post(roomId, carol, [good])).statusCode).toBe(204);
    expect(await pending(roomId, alice)).toEqual([]);
    expect(await envelopesOf(roomId, bob)).toEqual([good]);
  });

  it('caps devices per person and pending requests per room, and rate-limits both', async () => {
    const eve = await person(); // one device already
    const put = (keys: DeviceKeys) => call('PUT', `/devices/${keys.deviceId}`, eve, keys);
    const devices = [eve.device];
    for (let i = 1; i < E2E_LIMITS.devicesPerUser; i++) {
      const device = createDeviceIdentity();
      devices.push(device);
      expect((await put(deviceKeysOf(device, eve.user.id))).statusCode).toBe(204);
    }
    // Before the fix: 204 without end.
    const eleventh = await put(deviceKeysOf(createDeviceIdentity(), eve.user.id));
    expect(eleventh.statusCode).toBe(409);
    expect(eleventh.json().error.message).toContain(`${E2E_LIMITS.devicesPerUser} devices`);
    // Re-publishing a device she has stays allowed, until the publication rate runs out.
    let status = 204;
    let republished = 0;
    while (status === 204 && republished < 100) {
      status = (await put(eve.keys)).statusCode;
      republished++;
    }
    expect(status).toBe(429);
    expect(republished).toBeLessThanOrEqual(E2E_LIMITS.publishDevice.burst + 1);

    const owner = await person();
    const created = await call('POST', '/rooms', owner, { name: uniqueName('Secret '), encrypted: true });
    const roomId = created.json().roomId as string;
    expect((await call('POST', `/rooms/${roomId}/join`, eve)).statusCode).toBe(200);
    const ask = (device: DeviceIdentity) =>
      call('POST', `/rooms/${roomId}/key-requests`, eve, { deviceId: device.deviceId });
    const cap = E2E_LIMITS.pendingKeyRequestsPerUserPerRoom;
    for (const device of devices.slice(0, cap)) expect((await ask(device)).statusCode).toBe(204);
    const over = await ask(devices[cap] as DeviceIdentity);
    expect(over.statusCode).toBe(409);
    expect(over.json().error.message).toContain('key requests waiting');
    expect((await pending(roomId, owner)).length).toBe(cap);
    // Asking again for a device already waiting is not a new request, but still counts against the rate.
    let asked = cap + 1;
    let last = 204;
    while (last !== 429 && asked < 100) {
      last = (await ask(devices[0] as DeviceIdentity)).statusCode;
      asked++;
    }
    expect(last).toBe(429);
    expect(asked).toBeLessThanOrEqual(E2E_LIMITS.keyRequest.burst + 1);
  });
});
