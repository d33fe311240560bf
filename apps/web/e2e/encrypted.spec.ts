import { expect, type Page, test } from './fixtures';
import { messageItem, newUserPage, person, register, send, signIn, uniqueSuffix } from './helpers.ts';

/** The safety code one person's browser shows for another member (the people aside). */
async function safetyCodeFor(page: Page, name: string): Promise<string> {
  const aside = page.getByRole('complementary', { name: 'People in this room' });
  await aside.getByText(`Safety code with ${name}`).click();
  const code = aside.locator('details[open] code').first();
  await expect(code).toHaveText(/^(\d{5} ){11}\d{5}$/);
  return (await code.textContent()) ?? '';
}

test('an encrypted room: create, join by name and wait for the key, invite link, refresh', async ({ browser }) => {
  test.setTimeout(90_000);
  const alice = person('Alice');
  const bob = person('Bob');
  const room = `Secret ${uniqueSuffix()}`;
  const aContext = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  const a = await aContext.newPage();
  const b = await newUserPage(browser);

  // Alice creates a room: end-to-end encrypted is the form's choice unless she picks otherwise (as
  // on the phone). The header says so in words, and her message reads normally.
  await register(a, alice);
  await a.getByLabel('Enter new room name').fill(room);
  await expect(a.getByRole('radio', { name: 'End-to-end encrypted', exact: true })).toBeChecked();
  await expect(a.getByRole('radio', { name: 'Not end-to-end encrypted' })).not.toBeChecked();
  await a.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(a.getByRole('heading', { level: 1, name: room })).toBeVisible();
  await expect(a.getByRole('banner')).toContainText('End-to-end encrypted');
  await expect(a.getByRole('banner')).not.toContainText('Not end-to-end encrypted');
  // Ready once the browser has its keys: then the invite link can be copied too.
  await expect(a.getByRole('button', { name: 'Copy invite link' })).toBeVisible();
  await send(a, 'canary-alpha before Bob');
  await expect(messageItem(a, 'canary-alpha before Bob')).toBeVisible();

  // The server only ever got ciphertext.
  const roomId = new URL(a.url()).pathname.split('/').at(-1) ?? '';
  const stored = await a.request.get(`/rooms/${roomId}/messages`);
  const history = (await stored.json()) as { messages: Array<{ body: string; sealed: unknown }> };
  expect(history.messages.length).toBeGreaterThan(0);
  for (const m of history.messages) {
    expect(m.body).toBe('');
    expect(m.sealed).not.toBeNull();
  }
  expect(JSON.stringify(history)).not.toContain('canary');

  // The room list marks it. With Alice away, nobody can hand Bob the key: he waits.
  await a.getByRole('link', { name: 'Back' }).click();
  await expect(
    a.getByRole('link', { name: new RegExp(room) }).getByRole('img', { name: 'End-to-end encrypted' }),
  ).toBeVisible();
  await register(b, bob);
  await b.getByLabel('Enter existing room name').fill(room);
  await b.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(b.getByRole('heading', { level: 1, name: room })).toBeVisible();
  await expect(b.getByRole('status').filter({ hasText: 'Waiting for a member to share the key…' })).toBeVisible();
  await expect(b.getByText('canary-alpha')).toHaveCount(0);

  // Alice comes back: her browser answers Bob's request, and the history opens for him.
  await a.getByRole('link', { name: new RegExp(room) }).click();
  await expect(messageItem(b, 'canary-alpha before Bob')).toBeVisible({ timeout: 15_000 });
  await expect(b.getByText('Waiting for a member to share the key…')).toHaveCount(0);
  await expect(b.getByRole('button', { name: 'Copy invite link' })).toBeVisible();

  await send(b, 'canary-bravo from Bob');
  await expect(messageItem(a, 'canary-bravo from Bob')).toBeVisible();
  await send(a, 'canary-charlie back to Bob');
  await expect(messageItem(b, 'canary-charlie back to Bob')).toBeVisible();

  // A refresh keeps access: the keys live in this browser.
  await b.reload();
  await expect(messageItem(b, 'canary-charlie back to Bob')).toBeVisible();
  await expect(b.getByRole('button', { name: 'Copy invite link' })).toBeVisible();
  await expect(messageItem(b, 'canary-alpha before Bob')).toBeVisible();

  // Carol joins by the invite link, as a guest; the key never stays in the address bar.
  await a.getByRole('button', { name: 'Copy invite link' }).click();
  const link = await a.evaluate(() => navigator.clipboard.readText());
  expect(link).toMatch(new RegExp(`/join/${roomId}#k=[A-Za-z0-9_-]{43}$`));
  const c = await newUserPage(browser);
  await c.goto(link);
  await expect(c).not.toHaveURL(/#/);
  await c.getByLabel('Your name').fill(`carol_${uniqueSuffix()}`);
  await c.getByRole('button', { name: 'Join as guest' }).click();
  await expect(c.getByRole('heading', { level: 1, name: room })).toBeVisible();
  await expect(c).not.toHaveURL(/#/);
  await expect(messageItem(c, 'canary-alpha before Bob')).toBeVisible();
  await expect(messageItem(c, 'canary-charlie back to Bob')).toBeVisible();
  await expect(c.getByRole('button', { name: 'Copy invite link' })).toBeVisible();
  await send(c, 'canary-delta from Carol');
  await expect(messageItem(a, 'canary-delta from Carol')).toBeVisible();
  await expect(messageItem(b, 'canary-delta from Carol')).toBeVisible();
  await c.reload();
  await expect(messageItem(c, 'canary-delta from Carol')).toBeVisible();

  // Files are encrypted before upload: the server keeps ciphertext under a neutral name.
  const chooser = b.waitForEvent('filechooser');
  await b.getByRole('button', { name: 'Attach files' }).click();
  await (await chooser).setFiles({
    name: 'canary-plan.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('canary-foxtrot: the secret plan\n'),
  });
  await expect(b.getByRole('list', { name: 'Files to send' }).getByText('Uploaded')).toBeVisible();
  await send(b, 'Plan attached');
  const withFile = messageItem(a, 'Plan attached');
  const fileLink = withFile.getByRole('link', { name: /^canary-plan\.txt/ });
  await expect(fileLink).toBeVisible();
  const href = (await fileLink.getAttribute('href')) ?? '';
  expect(href).toMatch(/^blob:/);
  // Downloaded (the page's policy keeps scripts from fetching blob: URLs): the original bytes.
  const download = a.waitForEvent('download');
  await fileLink.click();
  const saved = await (await download).createReadStream();
  const chunks: Buffer[] = [];
  for await (const chunk of saved) chunks.push(chunk as Buffer);
  expect(Buffer.concat(chunks).toString()).toBe('canary-foxtrot: the secret plan\n');
  expect((await download).suggestedFilename()).toBe('canary-plan.txt');
  const raw = (await (await a.request.get(`/rooms/${roomId}/messages`)).json()) as {
    messages: Array<{ attachments: Array<{ url: string; name: string }> }>;
  };
  const storedFiles = raw.messages.flatMap((m) => m.attachments);
  expect(storedFiles).toHaveLength(1);
  expect(storedFiles[0]?.name).toBe('encrypted.bin');
  expect(await (await a.request.get(storedFiles[0]?.url ?? '')).text()).not.toContain('canary');

  // Alice and Bob see the same safety code for each other.
  const aliceSees = await safetyCodeFor(a, bob.name);
  expect(await safetyCodeFor(b, alice.name)).toBe(aliceSees);

  // Bob signs in on a new browser: a new device. Alice is told his keys changed, her browser
  // hands the new device the key, and the history opens there too.
  const b2 = await newUserPage(browser);
  await signIn(b2, bob);
  await b2.goto(`/chat/${roomId}`);
  await expect(messageItem(b2, 'canary-delta from Carol')).toBeVisible({ timeout: 15_000 });
  await expect(b2.getByRole('button', { name: 'Copy invite link' })).toBeVisible();
  await send(b2, 'canary-echo from Bob’s new browser');
  await expect(messageItem(a, 'canary-echo from Bob’s new browser')).toBeVisible();
  await expect(a.getByText(`${bob.name}’s device keys changed`)).toBeVisible();

  // Nothing the server stored or relayed holds a canary.
  const after = await a.request.get(`/rooms/${roomId}/messages`);
  expect(await after.text()).not.toContain('canary');
});
