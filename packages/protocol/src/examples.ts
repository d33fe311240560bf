/** Example values shown in the API documentation; one place so they agree with each other. */
export const examplePublicUser = {
  id: 'UXkV1n3c9Lw2bq7ZsA0ePg',
  username: 'alice',
  name: 'Alice Liddell',
  guest: false,
} as const;

export const exampleUser = {
  ...examplePublicUser,
  email: 'alice@example.com',
  createdAt: '2026-11-21T11:00:00.000Z',
} as const;

export const exampleRoom = {
  id: 'q3Z8vJb0S4mYdE1xKpLr2w',
  name: 'Team Unicorns',
  kind: 'chat',
  encrypted: false,
  createdBy: examplePublicUser.id,
  createdAt: '2026-11-21T11:00:00.000Z',
} as const;

export const exampleRoomSummary = {
  ...exampleRoom,
  messageCount: 42,
  memberCount: 2,
  latestSeq: 42,
  onlineCount: 1,
  lastActivityAt: '2026-11-21T11:31:00.000Z',
  membership: { joinedAt: '2026-11-21T11:00:00.000Z', lastReadSeq: 40, unreadCount: 2 },
} as const;

export const exampleAttachment = {
  id: 'Fz3k9QwLm2Xp8Rt5Vb7Nc1',
  url: '/static/Fz3k9QwLm2Xp8Rt5Vb7Nc1.pdf',
  name: 'lunch-menu.pdf',
  size: 48_213,
  contentType: 'application/pdf',
} as const;

export const exampleMessage = {
  id: '0193a5c2-8a4f-7b21-8c3d-5e6f7a8b9c0d',
  roomId: exampleRoom.id,
  seq: 42,
  sender: examplePublicUser,
  clientMessageId: '0193a5c2-7c1e-7d4a-9b1e-3f2a1c0d9e8f',
  body: 'Anyone on for lunch today',
  attachments: [] as Array<typeof exampleAttachment>,
  sealed: null,
  createdAt: '2026-11-21T11:31:00.000Z',
} as const;

/** A real, self-signed device bundle (made from a fixed seed), for the documentation. */
export const exampleDeviceKeys = {
  userId: examplePublicUser.id,
  deviceId: 'ZbT4nQ2xWc8Lk1Pa',
  signingKey: 'JMOklPoimWJmRLllqRMtp5z-ZxUf3ELeYAzwkJfbgkc',
  exchangeKey: 'nar_qUTOhNJsvIizuXVhYA5aRQgzYO-3nw-ZGUjMkGg',
  signature: 'oLlvPhb2Dz2wAkMFMddpV6-Ol8EKK9mmOZnudfb9Nnwfhwo3DJMScItBi1Mt8a_G3NkbpsaaXssvlmqdPJlWCA',
} as const;
