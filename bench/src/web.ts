/**
 * `npm run bench:web` (`-- --sizes=2000` for one room size; `-- --no-build` to reuse apps/web/dist;
 * `-- --label=before` to name the results file; `-- --web-dir=<dir>` to serve another build): issue 18 item 4, the web app in a long room.
 *
 * Builds the web app, starts the real server on a free port with a throwaway SQLite file, seeds a
 * room of N messages straight into that file (the server stopped: one transaction of prepared
 * inserts, as bench/src/seed.ts does, ~1 s for 20,000, where the API's send budget would take
 * many minutes), then opens the room in Debian's Chromium with the CPU slowed 4× (CDP
 * `Emulation.setCPUThrottlingRate`) and measures:
 *  - main-thread time (CDP `Performance.getMetrics` TaskDuration, idle baseline subtracted) for a
 *    typing notice from a second person, a presence change (a third person coming or going), and
 *    a read receipt (the second person reading on);
 *  - Enter to send: keydown to the pending message painted (the next frame after it is in the DOM);
 *  - a keystroke in the message field: main-thread time, and keydown to the next paint;
 *  - long tasks (PerformanceObserver 'longtask') while loading all history by scrolling up, and
 *    while scrolling from the top of the history to the bottom;
 *  - DOM elements and the JS heap (after a GC) with all history loaded.
 * Prints a table and writes the raw figures to bench/results/web-<label>-<time>.json.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CDPSession, chromium, type Page } from '@playwright/test';
import SQLite from 'better-sqlite3';
import { startServerProcess, stopServerProcess } from '../../apps/server/scripts/server-process.ts';
import { hashToken, messageId } from '../../apps/server/src/ids.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../../apps/web/e2e/chromium.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../..');
const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const sizes = (arg('sizes') ?? '2000,20000').split(',').map(Number);
const label = arg('label') ?? 'run';
const build = !process.argv.includes('--no-build');
/** Loading all history gives up after this long (the slow "before" at 20,000 may never finish). */
const HISTORY_BUDGET_MS = Number(arg('history-budget-s') ?? 600) * 1000;
const CPU_SLOWDOWN = 4;
/** Repetitions of each event measured; medians and maxima are reported. */
const REPEAT = 10;
/**
 * `-- --profile=<dir>`: a CPU profile (CDP `Profiler`) of the page while the others' events are
 * measured, written to <dir>/events-<N>.cpuprofile (open it in Chrome's DevTools, Performance).
 * The profiler adds its own cost: figures from such a run are for finding where time goes, not
 * for the table.
 */
const profileDir = arg('profile');

const SERVER_ENV = {
  DEFAULT_ROOMS: '',
  AUTH_RATE_LIMIT: '100000',
  SEND_RATE_LIMIT: '1000000',
  WS_SENDS_PER_SECOND: '100000',
  WS_SEND_BURST: '100000',
  WEB_DIR: arg('web-dir') ?? path.join(repo, 'apps/web/dist'),
};

type Guest = { token: string; user: { id: string } };

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.floor((s.length - 1) / 2)] as number);
};
const max = (xs: number[]) => (xs.length === 0 ? Number.NaN : Math.max(...xs));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * N messages by the two people in runs of 1–5, a few minutes apart (day separators every few
 * hundred), bodies from a few words to several lines. The reader's read mark is at the newest;
 * the other person's 200 behind, so their receipts can move on one at a time.
 */
function seedRoom(file: string, roomId: string, reader: Guest, other: Guest, count: number): void {
  const db = new SQLite(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = OFF');
    const userOf = (g: Guest) =>
      (db.prepare('select user_id from sessions where token_hash = ?').get(hashToken(g.token)) as { user_id: string })
        .user_id;
    const people = [userOf(reader), userOf(other)];
    const insert = db.prepare(
      `insert into messages (id, room_id, seq, sender_id, client_message_id, body, sealed, created_at)
       values (?, ?, ?, ?, ?, ?, null, ?)`,
    );
    const words = 'the quick brown fox jumps over a lazy dog while we pair on this code review today'.split(' ');
    let at = Date.now() - count * 3 * 60_000;
    let who = 0;
    let run = 0;
    db.transaction(() => {
      for (let seq = 1; seq <= count; seq++) {
        if (run === 0) {
          who = 1 - who;
          run = 1 + (seq % 5);
          at += 4 * 60_000;
        }
        run--;
        at += 20_000 + (seq % 7) * 10_000;
        const length = 3 + ((seq * 7919) % 40);
        let body = `#${seq} ${Array.from({ length }, (_, i) => words[(seq + i) % words.length]).join(' ')}`;
        if (seq % 23 === 0) body += '\nand a second line\nand a third';
        insert.run(messageId(), roomId, seq, people[who], `seed-${seq}`, body, at);
      }
      db.prepare('update rooms set last_seq = ?, last_activity_at = ? where id = ?').run(count, at, roomId);
      db.prepare('update room_members set last_read_seq = ? where room_id = ? and user_id = ?').run(
        count,
        roomId,
        people[0],
      );
      db.prepare('update room_members set last_read_seq = ? where room_id = ? and user_id = ?').run(
        Math.max(0, count - 200),
        roomId,
        people[1],
      );
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/** A person on the socket (the second and third people), as a plain client would be. */
class SocketPerson {
  private ws: WebSocket;
  private ref = 0;
  private constructor(ws: WebSocket) {
    this.ws = ws;
  }
  static async connect(wsUrl: string, token: string, roomId: string): Promise<SocketPerson> {
    const ws = new WebSocket(wsUrl);
    await new Promise((resolve, reject) => {
      ws.addEventListener('open', resolve, { once: true });
      ws.addEventListener('error', reject, { once: true });
    });
    const person = new SocketPerson(ws);
    await person.request({ type: 'auth', token }, 'hello');
    await person.request({ type: 'join', roomId }, 'joined');
    return person;
  }
  /** Sends a frame with a ref and waits for the reply of `type` carrying it. */
  request(frame: Record<string, unknown>, type: string): Promise<void> {
    const ref = `r${++this.ref}`;
    return new Promise((resolve, reject) => {
      const onMessage = (event: MessageEvent) => {
        const reply = JSON.parse(String(event.data)) as { type: string; ref?: string; message?: string };
        if (reply.ref !== ref) return;
        this.ws.removeEventListener('message', onMessage);
        if (reply.type === type) resolve();
        else reject(new Error(`${String(frame.type)}: ${reply.type} ${reply.message ?? ''}`));
      };
      this.ws.addEventListener('message', onMessage);
      this.ws.send(JSON.stringify({ ...frame, ref }));
    });
  }
  send(frame: Record<string, unknown>): void {
    this.ws.send(JSON.stringify(frame));
  }
  close(): Promise<void> {
    return new Promise((resolve) => {
      this.ws.addEventListener('close', () => resolve(), { once: true });
      this.ws.close();
    });
  }
}

/** The page's main-thread busy time so far (ms), from the renderer's own counter. */
async function taskMs(cdp: CDPSession): Promise<number> {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return (metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0) * 1000;
}

/** Main-thread time in a window of `windowMs` after `trigger`, minus the page's idle time over as long. */
async function mainThreadCost(cdp: CDPSession, trigger: () => Promise<void> | void, windowMs: number, idleMs: number) {
  await sleep(300);
  const before = await taskMs(cdp);
  await trigger();
  await sleep(windowMs);
  return Math.max(0, (await taskMs(cdp)) - before - idleMs);
}

async function idleCost(cdp: CDPSession, windowMs: number): Promise<number> {
  const samples: number[] = [];
  for (let i = 0; i < 5; i++) {
    await sleep(200);
    const before = await taskMs(cdp);
    await sleep(windowMs);
    samples.push((await taskMs(cdp)) - before);
  }
  return median(samples);
}

/** In the page: long tasks from now on, collected until asked for. */
async function watchLongTasks(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __long?: number[]; __longObserver?: PerformanceObserver };
    w.__longObserver?.disconnect();
    w.__long = [];
    w.__longObserver = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) w.__long?.push(entry.duration);
    });
    w.__longObserver.observe({ type: 'longtask' });
  });
}
async function longTasks(page: Page): Promise<number[]> {
  // Entries are delivered asynchronously: give the observer a moment.
  await sleep(200);
  return page.evaluate(() => (window as unknown as { __long: number[] }).__long);
}

const conversation = (page: Page) => page.locator('section[aria-label="Conversation"]');

type RoomResult = {
  messages: number;
  historyLoaded: number;
  historyMs: number;
  historyComplete: boolean;
  longTasksLoadingHistory: number[];
  longTasksScrollingDown: number[];
  scrollSteps: number;
  domElements: number;
  domElementsAtBottom: number;
  heapMiB: number;
  idleMsPerWindow: number;
  typingMs: number[];
  typingStopMs: number[];
  presenceMs: number[];
  receiptMs: number[];
  enterToPaintMs: number[];
  enterMainThreadMs: number[];
  keystrokeMainThreadMs: number[];
  keystrokeToPaintMs: number[];
};

async function measureRoom(count: number): Promise<RoomResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-bench-web-'));
  const file = path.join(dir, 'bench.db');
  const env = { ...SERVER_ENV, DATABASE_URL: `sqlite:${file}`, UPLOAD_DIR: path.join(dir, 'uploads') };
  let server = await startServerProcess('bench-web', env);
  const post = async <T>(route: string, body: unknown, token?: string): Promise<T> => {
    const response = await fetch(`${server.http}${route}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${route}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const suffix = Date.now().toString(36);
  const [reader, other, visitor] = await Promise.all(
    ['reader', 'other', 'visitor'].map((n) => post<Guest>('/auth/guest', { username: `${n}_${suffix}` })),
  );
  if (!reader || !other || !visitor) throw new Error('no guests');
  const name = `Long room ${count}`;
  const { room } = await post<{ room: { id: string } }>('/rooms/join', { name }, reader.token);
  await post('/rooms/join', { name }, other.token);
  await post('/rooms/join', { name }, visitor.token);
  await stopServerProcess(server.child);
  const seeding = Date.now();
  seedRoom(file, room.id, reader, other, count);
  console.log(`  seeded ${count} messages straight into SQLite in ${Date.now() - seeding} ms`);
  server = await startServerProcess('bench-web', env);
  const wsUrl = server.ws;

  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addCookies([
      { name: 'tandem_session', value: reader.token, url: server.http, httpOnly: true, sameSite: 'Lax' },
    ]);
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(`${server.http}/chat/${room.id}`);
    await page.getByText(`#${count} `).waitFor();
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
    await sleep(1000);

    // Everything loaded by scrolling up, as a person would.
    await watchLongTasks(page);
    const started = Date.now();
    let historyComplete = false;
    while (Date.now() - started < HISTORY_BUDGET_MS) {
      await conversation(page).evaluate((el) => {
        el.scrollTop = 0;
        el.dispatchEvent(new Event('scroll'));
      });
      await sleep(50);
      await page.waitForFunction(() => !document.body.textContent?.includes('Loading earlier messages'), null, {
        timeout: 120_000,
        polling: 100,
      });
      if ((await page.getByRole('button', { name: 'Load earlier messages' }).count()) === 0) {
        historyComplete = true;
        break;
      }
    }
    const historyMs = Date.now() - started;
    const longTasksLoadingHistory = await longTasks(page);
    const historyLoaded = await page.evaluate(() => {
      // The oldest message shown: "#<seq> …" in the first bubble.
      const first = document.querySelector(
        'ol[aria-label="Messages"] li p, ol[aria-label="Messages"] [role="listitem"] p',
      );
      return Number(/#(\d+)/.exec(first?.textContent ?? '')?.[1] ?? Number.NaN);
    });
    console.log(
      `  history ${historyComplete ? 'complete' : 'INCOMPLETE'} (oldest #${historyLoaded}) in ${historyMs} ms, ${longTasksLoadingHistory.length} long tasks`,
    );
    const domElements = await page.evaluate(() => document.getElementsByTagName('*').length);

    // Top to bottom, a screenful at a time, a frame or two each.
    await conversation(page).evaluate((el) => {
      el.scrollTop = 0;
    });
    await sleep(500);
    await watchLongTasks(page);
    const scrollSteps = await conversation(page).evaluate(async (el) => {
      const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
      let steps = 0;
      while (el.scrollTop + el.clientHeight < el.scrollHeight - 2 && steps < 20_000) {
        el.scrollTop += el.clientHeight * 0.9;
        steps++;
        await frame();
        await frame();
      }
      return steps;
    });
    const longTasksScrollingDown = await longTasks(page);
    console.log(`  scrolled down in ${scrollSteps} steps, ${longTasksScrollingDown.length} long tasks`);
    await sleep(500);
    const domElementsAtBottom = await page.evaluate(() => document.getElementsByTagName('*').length);
    await cdp.send('HeapProfiler.collectGarbage');
    const heap = await cdp.send('Runtime.getHeapUsage');
    const heapMiB = heap.usedSize / 2 ** 20;

    // Events from the others, one at a time, each given a window to be handled and painted.
    const WINDOW_MS = 700;
    const idleMsPerWindow = await idleCost(cdp, WINDOW_MS);
    const bob = await SocketPerson.connect(wsUrl, other.token, room.id);
    await sleep(1000);
    if (profileDir) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
      await cdp.send('Profiler.start');
    }
    const typingMs: number[] = [];
    const typingStopMs: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      typingMs.push(
        await mainThreadCost(
          cdp,
          () => bob.send({ type: 'typing', roomId: room.id, active: true }),
          WINDOW_MS,
          idleMsPerWindow,
        ),
      );
      if (i === 0) await page.getByText('is typing…').waitFor({ timeout: 60_000 });
      typingStopMs.push(
        await mainThreadCost(
          cdp,
          () => bob.send({ type: 'typing', roomId: room.id, active: false }),
          WINDOW_MS,
          idleMsPerWindow,
        ),
      );
    }
    const receiptMs: number[] = [];
    for (let i = 0; i < REPEAT; i++) {
      const seq = count - 200 + 20 * (i + 1);
      receiptMs.push(
        await mainThreadCost(
          cdp,
          () => bob.send({ type: 'read', ref: `read-${i}`, roomId: room.id, seq }),
          WINDOW_MS,
          idleMsPerWindow,
        ),
      );
    }
    const presenceMs: number[] = [];
    for (let i = 0; i < REPEAT / 2; i++) {
      let carol: SocketPerson | undefined;
      presenceMs.push(
        await mainThreadCost(
          cdp,
          async () => {
            carol = await SocketPerson.connect(wsUrl, visitor.token, room.id);
          },
          WINDOW_MS,
          idleMsPerWindow,
        ),
      );
      presenceMs.push(await mainThreadCost(cdp, () => carol?.close(), WINDOW_MS, idleMsPerWindow));
    }
    await bob.close();
    if (profileDir) {
      const { profile } = await cdp.send('Profiler.stop');
      fs.mkdirSync(profileDir, { recursive: true });
      const file = path.join(profileDir, `events-${count}.cpuprofile`);
      fs.writeFileSync(file, JSON.stringify(profile));
      console.log(`  wrote ${file}`);
    }

    // Your own typing and sending, measured in the page: keydown to the next frame painted.
    await page.evaluate(() => {
      const w = window as unknown as { __keys: number[]; __sent: number[] };
      w.__keys = [];
      w.__sent = [];
      const afterPaint = (from: number, into: number[]) =>
        requestAnimationFrame(() => {
          // A message posted from a frame's callback runs after that frame is painted.
          const channel = new MessageChannel();
          channel.port1.onmessage = () => into.push(performance.now() - from);
          channel.port2.postMessage(null);
        });
      document.addEventListener(
        'keydown',
        (event) => {
          if (!(event.target instanceof HTMLTextAreaElement)) return;
          const from = event.timeStamp;
          if (event.key !== 'Enter') {
            afterPaint(from, w.__keys);
            return;
          }
          const text = event.target.value.trim();
          const list = document.querySelector('ol[aria-label="Messages"]')?.parentElement ?? document.body;
          const observer = new MutationObserver(() => {
            const shown = [...list.querySelectorAll('p')].some((p) => p.textContent?.includes(text));
            if (!shown) return;
            observer.disconnect();
            afterPaint(from, w.__sent);
          });
          observer.observe(list, { childList: true, subtree: true, characterData: true });
        },
        { capture: true },
      );
    });
    const field = page.getByPlaceholder('Start typing...');
    await field.click();
    const keystrokeMainThreadMs: number[] = [];
    const enterMainThreadMs: number[] = [];
    const keyWindow = 250;
    const keyIdle = await idleCost(cdp, keyWindow);
    for (let m = 0; m < REPEAT; m++) {
      const text = `bench message ${m} from the reader`;
      for (const ch of text.slice(0, 12)) {
        keystrokeMainThreadMs.push(
          await mainThreadCost(cdp, () => page.keyboard.press(ch === ' ' ? 'Space' : ch), keyWindow, keyIdle),
        );
      }
      await page.keyboard.type(text.slice(12));
      enterMainThreadMs.push(await mainThreadCost(cdp, () => page.keyboard.press('Enter'), WINDOW_MS, idleMsPerWindow));
      await page.getByText(text).first().waitFor();
      await sleep(300);
    }
    const { keystrokeToPaintMs, enterToPaintMs } = await page.evaluate(() => {
      const w = window as unknown as { __keys: number[]; __sent: number[] };
      return { keystrokeToPaintMs: w.__keys, enterToPaintMs: w.__sent };
    });
    await context.close();
    return {
      messages: count,
      historyLoaded,
      historyMs,
      historyComplete,
      longTasksLoadingHistory,
      longTasksScrollingDown,
      scrollSteps,
      domElements,
      domElementsAtBottom,
      heapMiB,
      idleMsPerWindow,
      typingMs,
      typingStopMs,
      presenceMs,
      receiptMs,
      enterToPaintMs,
      enterMainThreadMs,
      keystrokeMainThreadMs,
      keystrokeToPaintMs,
    };
  } finally {
    await browser.close();
    await stopServerProcess(server.child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '–');

function table(results: RoomResult[]): string {
  const rows: Array<[string, (r: RoomResult) => string]> = [
    [
      'typing notice, main thread (median / max ms)',
      (r) => `${fmt(median(r.typingMs), 1)} / ${fmt(max(r.typingMs), 1)}`,
    ],
    [
      'typing stopped, main thread (median / max ms)',
      (r) => `${fmt(median(r.typingStopMs), 1)} / ${fmt(max(r.typingStopMs), 1)}`,
    ],
    [
      'presence change, main thread (median / max ms)',
      (r) => `${fmt(median(r.presenceMs), 1)} / ${fmt(max(r.presenceMs), 1)}`,
    ],
    [
      'read receipt, main thread (median / max ms)',
      (r) => `${fmt(median(r.receiptMs), 1)} / ${fmt(max(r.receiptMs), 1)}`,
    ],
    [
      'Enter to send, keydown → painted (median / max ms)',
      (r) => `${fmt(median(r.enterToPaintMs), 1)} / ${fmt(max(r.enterToPaintMs), 1)}`,
    ],
    [
      'Enter to send, main thread (median / max ms)',
      (r) => `${fmt(median(r.enterMainThreadMs), 1)} / ${fmt(max(r.enterMainThreadMs), 1)}`,
    ],
    [
      'keystroke, main thread (median / max ms)',
      (r) => `${fmt(median(r.keystrokeMainThreadMs), 1)} / ${fmt(max(r.keystrokeMainThreadMs), 1)}`,
    ],
    [
      'keystroke, keydown → painted (median / max ms)',
      (r) => `${fmt(median(r.keystrokeToPaintMs), 1)} / ${fmt(max(r.keystrokeToPaintMs), 1)}`,
    ],
    [
      'loading all history: time (s)',
      (r) => `${fmt(r.historyMs / 1000, 1)}${r.historyComplete ? '' : ` (gave up at #${r.historyLoaded})`}`,
    ],
    [
      'loading all history: long tasks (count / max ms)',
      (r) => `${r.longTasksLoadingHistory.length} / ${fmt(max(r.longTasksLoadingHistory))}`,
    ],
    [
      'scrolling top → bottom: long tasks (count / max ms)',
      (r) => `${r.longTasksScrollingDown.length} / ${fmt(max(r.longTasksScrollingDown))}`,
    ],
    ['DOM elements, all history loaded (at top / at bottom)', (r) => `${r.domElements} / ${r.domElementsAtBottom}`],
    ['JS heap after GC (MiB)', (r) => fmt(r.heapMiB, 1)],
  ];
  const header = `| 4× CPU | ${results.map((r) => `${r.messages.toLocaleString('en')} messages`).join(' | ')} |`;
  const rule = `|---|${results.map(() => '---').join('|')}|`;
  return [header, rule, ...rows.map(([name, f]) => `| ${name} | ${results.map(f).join(' | ')} |`)].join('\n');
}

if (build) {
  console.log('building the web app…');
  execFileSync('npm', ['run', 'build', '-w', '@tandem/web'], { cwd: repo, stdio: ['ignore', 'ignore', 'inherit'] });
}
// The code measured: the commit the build was made from.
const commit = gitHead();
const results: RoomResult[] = [];
for (const size of sizes) {
  console.log(`room of ${size} messages`);
  results.push(await measureRoom(size));
}
const output = table(results);
console.log(`\n${output}`);
const outDir = path.join(repo, 'bench/results');
fs.mkdirSync(outDir, { recursive: true });
const outFile = path.join(outDir, `web-${label}-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
fs.writeFileSync(
  outFile,
  JSON.stringify({ label, cpuSlowdown: CPU_SLOWDOWN, commit, results, table: output }, null, 2),
);
console.log(`\nwrote ${path.relative(repo, outFile)}`);

function gitHead(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}
