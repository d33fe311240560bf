import { readFile } from 'node:fs/promises';
import { expect, type Page, test } from './fixtures';
import { composer, messageItem, newUserPage, person, register, send, uniqueSuffix } from './helpers.ts';
import { sunset } from './images.ts';
import { screenshot } from './screenshots.ts';

/** A minimal valid one-page PDF with a line of text, its cross-reference table computed. */
function pdf(text: string): Buffer {
  const content = `BT /F1 24 Tf 40 120 Td (${text}) Tj ET`;
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 240] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>',
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  let out = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((body, n) => {
    offsets.push(out.length);
    out += `${n + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

type Pick = { name: string; mimeType: string; buffer: Buffer };

/** Chooses files with the paperclip, through the browser's own file chooser. */
async function attach(page: Page, files: Pick[]) {
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Attach files' }).click();
  await (await chooser).setFiles(files);
}

const tray = (page: Page) => page.getByRole('list', { name: 'Files to send' });

/** The bytes behind a link, fetched by the page itself (its origin, its cookies). */
async function bytesAt(page: Page, url: string): Promise<Buffer> {
  const bytes = await page.evaluate(async (href) => {
    const response = await fetch(href);
    if (!response.ok) throw new Error(`${href}: HTTP ${response.status}`);
    return Array.from(new Uint8Array(await response.arrayBuffer()));
  }, url);
  return Buffer.from(bytes);
}

test('files go with a message: a thumbnail and a file chip in the other browser, the same bytes back', async ({
  browser,
}) => {
  const image = sunset();
  const menu = pdf('Friday: pizza');
  const alice = person('Alice');
  const bob = person('Bob');
  const a = await newUserPage(browser);
  const b = await newUserPage(browser);
  await register(a, alice);
  await register(b, bob);

  const room = `Lunch files ${uniqueSuffix()}`;
  await a.getByLabel('Enter new room name').fill(room);
  // A plain room: this test reads the files back from the server (encrypted rooms: encrypted.spec.ts).
  await a.getByRole('radio', { name: 'Not end-to-end encrypted' }).check();
  await a.getByRole('button', { name: 'Create', exact: true }).click();
  await expect(a.getByRole('heading', { level: 1, name: room })).toBeVisible();
  await b.getByLabel('Enter existing room name').fill(room);
  await b.getByRole('button', { name: 'Join', exact: true }).click();
  await expect(b.getByRole('heading', { level: 1, name: room })).toBeVisible();

  // Alice picks a picture and a PDF; each uploads at once with its own progress bar.
  await attach(a, [
    { name: 'team-lunch.png', mimeType: 'image/png', buffer: image },
    { name: 'lunch-menu.pdf', mimeType: 'application/pdf', buffer: menu },
  ]);
  await expect(tray(a).getByRole('listitem')).toHaveCount(2);
  await expect(tray(a).getByRole('progressbar', { name: 'Uploading lunch-menu.pdf' })).toBeVisible();
  await expect(tray(a).getByText('Uploaded')).toHaveCount(2);
  await send(a, 'Menu for Friday, and us last time');
  await expect(tray(a)).toHaveCount(0);
  await expect(composer(a)).toHaveValue('');

  // Bob sees the thumbnail (loaded, named by the file) and the chip with its size.
  const received = messageItem(b, 'Menu for Friday, and us last time');
  const thumbnail = received.getByRole('img', { name: 'team-lunch.png' });
  await expect(thumbnail).toBeVisible();
  await expect.poll(() => thumbnail.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(320);
  const chip = received.getByRole('link', { name: /^lunch-menu\.pdf/ });
  await expect(chip).toHaveAttribute('download', 'lunch-menu.pdf');
  await expect(chip).toContainText(`${menu.length} bytes`);
  await expect(received).toContainText(alice.name);

  // Both links give back exactly the bytes uploaded, at unguessable /static/ addresses.
  const imageUrl = (await received.getByRole('link', { name: 'team-lunch.png' }).getAttribute('href')) ?? '';
  const menuUrl = (await chip.getAttribute('href')) ?? '';
  expect(imageUrl).toMatch(/^\/static\/[\w-]+\.png$/);
  expect(menuUrl).toMatch(/^\/static\/[\w-]+\.pdf$/);
  expect((await bytesAt(b, imageUrl)).equals(image)).toBe(true);
  expect((await bytesAt(b, menuUrl)).equals(menu)).toBe(true);
  // The chip downloads under the original name.
  const download = b.waitForEvent('download');
  await chip.click();
  const saved = await download;
  expect(saved.suggestedFilename()).toBe('lunch-menu.pdf');
  expect((await readFile(await saved.path())).equals(menu)).toBe(true);

  // The thumbnail opens the full picture in a dialog that Escape closes.
  await thumbnail.click();
  const viewer = b.getByRole('dialog', { name: 'team-lunch.png' });
  await expect(viewer.getByRole('img', { name: 'team-lunch.png' })).toBeVisible();
  await b.keyboard.press('Escape');
  await expect(viewer).toBeHidden();

  // Bob answers with a file of his own; Alice sees her files in her blue bubble and his in grey.
  await attach(b, [{ name: 'allergies.txt', mimeType: 'text/plain', buffer: Buffer.from('Sam: no nuts\n') }]);
  await expect(tray(b).getByText('Uploaded')).toBeVisible();
  await send(b, 'Noted! Allergies list attached');
  const answer = messageItem(a, 'Noted! Allergies list attached');
  await expect(answer.getByRole('link', { name: /^allergies\.txt/ })).toBeVisible();
  const mine = messageItem(a, 'Menu for Friday, and us last time');
  await expect(mine.getByRole('img', { name: 'team-lunch.png' })).toBeVisible();
  await expect(mine).not.toContainText('Sending…');
  await expect(
    answer.getByRole('link', { name: /^allergies\.txt/ }).evaluate((el: HTMLAnchorElement) => el.download),
  ).resolves.toBe('allergies.txt');
  await expect
    .poll(() => mine.getByRole('img', { name: 'team-lunch.png' }).evaluate((img: HTMLImageElement) => img.complete))
    .toBe(true);
  await screenshot(a, 'chat-attachments');
  // At 360 px nothing runs off the side: not the page, not the conversation.
  await a.setViewportSize({ width: 360, height: 740 });
  await expect.poll(() => a.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  const conversation = a.getByRole('region', { name: 'Conversation' });
  expect(await conversation.evaluate((el) => el.scrollWidth - el.clientWidth)).toBe(0);
  await expect(mine.getByRole('link', { name: /^lunch-menu\.pdf/ })).toBeInViewport();
  await a.setViewportSize({ width: 1280, height: 720 });
});

test('upload problems are said in words, and a running upload can be cancelled', async ({ browser }) => {
  const page = await newUserPage(browser);
  // A guest in a room of its own (no password to hash: this test is about the tray).
  await page.goto('/');
  await page.getByLabel('Username').fill(`sender_${uniqueSuffix()}`);
  await page.getByLabel('Room name').fill(`Uploads ${uniqueSuffix()}`);
  await page.getByRole('button', { name: 'Join room' }).click();
  await expect(page).toHaveURL(/\/chat\//);

  // One upload is held on the way (to be cancelled), and an empty file gets the server's 400:
  // the tray says it in words, and the send button says why it waits.
  const held: Array<() => Promise<void>> = [];
  await page.route('**/uploads', async (route) => {
    if (route.request().postDataBuffer()?.includes('filename="holiday.mov"')) held.push(() => route.abort());
    else await route.continue();
  });
  await composer(page).fill('This waits');
  await attach(page, [{ name: 'holiday.mov', mimeType: 'video/quicktime', buffer: Buffer.alloc(300_000, 7) }]);
  await expect(tray(page).getByRole('progressbar', { name: 'Uploading holiday.mov' })).toBeVisible();
  const sendButton = page.getByRole('button', { name: 'Send' });
  await expect(sendButton).toHaveAttribute('aria-disabled', 'true');
  await expect(sendButton).toHaveAccessibleDescription('Wait for the file to finish uploading.');
  await attach(page, [{ name: 'empty.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) }]);
  await expect(tray(page).getByRole('alert')).toHaveText('The file "empty.txt" is empty.');
  await expect(sendButton).toHaveAccessibleDescription('A file could not be uploaded: remove it.');
  await screenshot(page, 'chat-attachments-tray');
  await composer(page).press('Enter');
  await expect(composer(page)).toHaveValue('This waits');

  await tray(page).getByRole('button', { name: 'Cancel upload of holiday.mov' }).click();
  await expect(tray(page).getByText('holiday.mov')).toHaveCount(0);
  expect(held).toHaveLength(1);
  await tray(page).getByRole('button', { name: 'Remove empty.txt' }).click();
  await expect(tray(page)).toHaveCount(0);
  await expect(sendButton).not.toHaveAttribute('aria-disabled');
  await composer(page).press('Enter');
  await expect(messageItem(page, 'This waits')).toBeVisible();
  await expect(messageItem(page, 'This waits')).not.toContainText('Sending…');
});
