// Issue 15, items 3 and 16: the web app's Content-Security-Policy. Nothing under /static/ (the
// uploads) may ever run as a script, and the app may connect only to its own origin (and
// UPLOADS_ORIGIN) — not `ws:`/`wss:` anywhere. Checked two ways: the header read with CSP's
// matching rules (every test run), and the real thing in Chromium (when /usr/bin/chromium exists).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../src/app.ts';
import { backends, guest, startApp, testConfig } from '../helpers.ts';
import { listen } from '../ws-helpers.ts';

const [sqlite] = backends;
const database = () => {
  if (!sqlite) throw new Error('no SQLite backend');
  return sqlite.database();
};
const html = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

// ---------------------------------------------------------------------------------------------
// A small reading of CSP Level 3 source matching (§6.7.2), enough for the sources we emit and
// the ones we must not: keywords, scheme-sources, host-sources with wildcards and paths.

type Policy = Map<string, string[]>;

/** One header may carry several policies, separated by commas; every one of them is enforced. */
function parsePolicies(header: string): Policy[] {
  return header.split(',').map(
    (policy) =>
      new Map(
        policy
          .split(';')
          .map((d) => d.trim().split(/\s+/))
          .filter(([name]) => name)
          .map(([name, ...sources]) => [name?.toLowerCase() ?? '', sources]),
      ),
  );
}

const FALLBACK: Record<string, string[]> = {
  'script-src-elem': ['script-src-elem', 'script-src', 'default-src'],
  'connect-src': ['connect-src', 'default-src'],
  'img-src': ['img-src', 'default-src'],
};

function sourceMatches(source: string, url: URL, self: URL): boolean {
  const s = source.toLowerCase();
  if (s === "'self'") {
    if (url.host !== self.host && !(url.hostname === self.hostname && url.port === '' && self.port === '')) {
      return false;
    }
    const upgrades: Record<string, string[]> = {
      'http:': ['http:', 'https:', 'ws:', 'wss:'],
      'https:': ['https:', 'wss:'],
    };
    return (upgrades[self.protocol] ?? [self.protocol]).includes(url.protocol);
  }
  if (s.startsWith("'")) return false; // 'none', 'unsafe-inline', nonces: never a URL
  if (/^[a-z][a-z0-9+.-]*:$/.test(s)) {
    // A scheme-source; http: also allows https:, ws: wss: (CSP3's upgrades).
    return (
      s === url.protocol || (s === 'http:' && url.protocol === 'https:') || (s === 'ws:' && url.protocol === 'wss:')
    );
  }
  const m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\*|(?:\*\.)?[a-z0-9.-]+)(?::(\*|\d+))?(\/.*)?$/.exec(s);
  if (!m) return false;
  const [, scheme, host = '', port, pathPart] = m;
  const urlScheme = url.protocol.slice(0, -1);
  if (scheme) {
    const ok =
      scheme === urlScheme ||
      (scheme === 'http' && urlScheme === 'https') ||
      (scheme === 'ws' && ['wss', 'http', 'https'].includes(urlScheme)) ||
      (scheme === 'wss' && urlScheme === 'https');
    if (!ok) return false;
  } else {
    const selfScheme = self.protocol.slice(0, -1);
    if (!(urlScheme === selfScheme || (selfScheme === 'http' && urlScheme === 'https'))) return false;
  }
  if (host !== '*') {
    if (host.startsWith('*.')) {
      if (!url.hostname.endsWith(host.slice(1))) return false;
    } else if (host !== url.hostname) return false;
  }
  if (port !== '*') {
    const defaults: Record<string, string> = { http: '80', https: '443', ws: '80', wss: '443' };
    const urlPort = url.port || defaults[urlScheme] || '';
    const wanted = port ?? defaults[scheme ?? urlScheme] ?? '';
    if (urlPort !== wanted && !(port === undefined && wanted === '80' && urlPort === '443')) return false;
  }
  if (pathPart && pathPart !== '/') {
    const pathname = decodeURIComponent(url.pathname);
    if (pathPart.endsWith('/') ? !pathname.startsWith(pathPart) : pathname !== pathPart) return false;
  }
  return true;
}

/** Would a browser fetch `target` for `directive` on a page at `self` under these policies? */
function allows(policies: Policy[], directive: string, target: string, self: URL): boolean {
  const url = new URL(target, self);
  return policies.every((policy) => {
    const name = (FALLBACK[directive] ?? [directive]).find((d) => policy.has(d));
    if (!name) return true; // this policy says nothing about it
    return (policy.get(name) ?? []).some((source) => sourceMatches(source, url, self));
  });
}

const inlineScriptsAllowed = (policies: Policy[]) =>
  policies.every((policy) => {
    const name = FALLBACK['script-src-elem']?.find((d) => policy.has(d));
    return !name || (policy.get(name) ?? []).includes("'unsafe-inline'");
  });

// ---------------------------------------------------------------------------------------------

function builtApp(env: Record<string, string> = {}) {
  const webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-csp-web-'));
  const uploadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'tandem-csp-uploads-'));
  const ctx = { app: undefined as unknown as App, base: '', webDir };
  beforeAll(async () => {
    fs.mkdirSync(path.join(webDir, 'assets'));
    // As Vite builds it: one module script under /assets/. This one plays the attacker who got
    // HTML into the page: it adds a <script> for the URL in the fragment, and opens sockets.
    fs.writeFileSync(
      path.join(webDir, 'index.html'),
      '<!doctype html><title>t</title><script type="module" src="/assets/index-abc123.js"></script><div id="root"></div>',
    );
    fs.writeFileSync(
      path.join(webDir, 'assets', 'index-abc123.js'),
      `window.appRan = true;
       window.violations = [];
       document.addEventListener('securitypolicyviolation', (e) => window.violations.push(e.blockedURI));
       const params = new URLSearchParams(location.hash.slice(1));
       const s = document.createElement('script');
       s.src = params.get('script');
       s.onload = () => { window.scriptLoaded = true; };
       s.onerror = () => { window.scriptFailed = true; };
       document.head.append(s);
       window.sockets = {};
       for (const [name, url] of [['own', 'ws://' + location.host + '/ws'], ['other', params.get('other')]]) {
         try {
           const ws = new WebSocket(url);
           ws.onopen = () => { window.sockets[name] = 'open'; ws.close(); };
           ws.onerror = () => { window.sockets[name] ??= 'error'; };
         } catch { window.sockets[name] = 'refused'; }
       }`,
    );
    ctx.app = await startApp(testConfig(await database(), { WEB_DIR: webDir, UPLOAD_DIR: uploadDir, ...env }));
    ctx.base = (await listen(ctx.app)).http;
  });
  afterAll(async () => {
    await ctx.app.close();
    fs.rmSync(webDir, { recursive: true, force: true });
    fs.rmSync(uploadDir, { recursive: true, force: true });
  });
  return ctx;
}

describe('the app’s Content-Security-Policy', () => {
  const ctx = builtApp();

  it('lets only the built /assets/ scripts run: never an upload under /static/, nothing inline or elsewhere', async () => {
    for (const url of ['/', '/lobby', '/chat/some-room']) {
      const res = await ctx.app.inject({ method: 'GET', url, headers: { ...html, host: 'tandem.test' } });
      expect(res.statusCode, url).toBe(200);
      const policies = parsePolicies(String(res.headers['content-security-policy']));
      const self = new URL('http://tandem.test/');
      const script = (src: string) => allows(policies, 'script-src-elem', src, self);
      expect(script('/assets/index-abc123.js'), url).toBe(true);
      expect(script('https://tandem.test/assets/CodeRoomPage-x1.js'), url).toBe(true);
      // The old policy, script-src 'self', allowed every one of these.
      expect(script('/static/Fz3k9QwLm2Xp8Rt5Vb7Nc1.js'), url).toBe(false);
      expect(script('/static/Fz3k9QwLm2Xp8Rt5Vb7Nc1.mjs'), url).toBe(false);
      expect(script('/favicon.svg'), url).toBe(false);
      expect(script('/docs/static/swagger-ui-bundle.js'), url).toBe(false);
      expect(script('https://evil.example/assets/index.js'), url).toBe(false);
      expect(inlineScriptsAllowed(policies), url).toBe(false);
    }
  });

  it('connects only to its own origin, over HTTP or WebSocket', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/', headers: { ...html, host: 'tandem.test:8000' } });
    const policies = parsePolicies(String(res.headers['content-security-policy']));
    const self = new URL('http://tandem.test:8000/');
    const connect = (target: string) => allows(policies, 'connect-src', target, self);
    expect(connect('/rooms')).toBe(true);
    expect(connect('ws://tandem.test:8000/ws')).toBe(true);
    // The old policy's `ws: wss:` allowed a socket to any host: a way out for stolen keys.
    expect(connect('wss://evil.example/exfiltrate')).toBe(false);
    expect(connect('ws://evil.example:8000/ws')).toBe(false);
    expect(connect('https://evil.example/')).toBe(false);
    expect(String(res.headers['content-security-policy'])).not.toMatch(/connect-src[^;,]*\b(ws|wss):(\s|;|,|$)/);
  });

  it.skipIf(!fs.existsSync(process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'))(
    'in Chromium: an uploaded script named in a <script> does not run, and only the own socket opens',
    async () => {
      const g = await guest(ctx.app);
      const body = new FormData();
      body.append('file', new Blob(['window.pwned = true'], { type: 'text/javascript' }), 'evil.js');
      const res = await fetch(`${ctx.base}/uploads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${g.token}` },
        body,
      });
      const [evil] = (await res.json()) as Array<{ url: string }>;
      const browser = await chromium.launch({
        executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
        args: ['--headless', '--no-sandbox', '--disable-gpu'],
      });
      try {
        const page = await browser.newPage();
        const other = `ws://localhost:${new URL(ctx.base).port}/ws`; // the same server under another name
        await page.goto(`${ctx.base}/#${new URLSearchParams({ script: evil?.url ?? '', other }).toString()}`);
        await page.waitForFunction(
          () => {
            const w = globalThis as unknown as { scriptFailed?: boolean; scriptLoaded?: boolean; sockets?: object };
            return (w.scriptFailed || w.scriptLoaded) && Object.keys(w.sockets ?? {}).length === 2;
          },
          undefined,
          { timeout: 10_000 },
        );
        const seen = await page.evaluate(() => {
          const w = globalThis as unknown as Record<string, unknown>;
          return {
            appRan: w.appRan,
            pwned: w.pwned,
            scriptLoaded: w.scriptLoaded,
            sockets: w.sockets,
            violations: w.violations,
          };
        });
        expect(seen.appRan).toBe(true);
        expect(seen.pwned).toBeUndefined();
        expect(seen.scriptLoaded).toBeUndefined();
        expect(seen.sockets).toEqual({ own: 'open', other: 'error' });
        // Refused by the policy itself, before any request: not just by the file's type.
        expect(seen.violations).toEqual(expect.arrayContaining([`${ctx.base}${evil?.url}`, other]));
      } finally {
        await browser.close();
      }
    },
  );
});

describe('the CSP with UPLOADS_ORIGIN', () => {
  const ctx = builtApp({ UPLOADS_ORIGIN: 'https://files.tandem.test' });

  it('lets the app show and fetch files there, and still never run them', async () => {
    const res = await ctx.app.inject({ method: 'GET', url: '/', headers: { ...html, host: 'tandem.test' } });
    const policies = parsePolicies(String(res.headers['content-security-policy']));
    const self = new URL('https://tandem.test/');
    const file = 'https://files.tandem.test/static/Fz3k9QwLm2Xp8Rt5Vb7Nc1';
    expect(allows(policies, 'img-src', `${file}.png`, self)).toBe(true);
    expect(allows(policies, 'connect-src', `${file}.bin`, self)).toBe(true);
    expect(allows(policies, 'script-src-elem', `${file}.js`, self)).toBe(false);
    expect(allows(policies, 'connect-src', 'wss://files.tandem.test/ws', self)).toBe(false);
    expect(allows(policies, 'connect-src', 'wss://tandem.test/ws', self)).toBe(true);
  });
});
