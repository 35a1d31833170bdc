// The browser tests' harness: the real `kait serve` (the debug build cargo made),
// a local receiver, the API over fetch, and Debian's Chromium driven by
// playwright-core. Everything listens on 127.0.0.1 only.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
export const ADMIN_KEY = 'browser-admin-key-0123456789abcdef';
export const SHOTS = join(here, 'screenshots');
mkdirSync(SHOTS, { recursive: true });

/** Starts `kait serve` on a fresh data folder; resolves with its base URL. */
export async function startKait(env = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'kait-browser-'));
  const bin = process.env.KAIT_BIN || join(root, 'target', 'debug', 'kait');
  const child = spawn(bin, ['serve'], {
    env: {
      ...process.env,
      KAIT_DATA: join(dir, 'kait.db'),
      KAIT_LISTEN: '127.0.0.1:0',
      KAIT_ADMIN_KEY: ADMIN_KEY,
      KAIT_ALLOW_PRIVATE_DESTINATIONS: 'true',
      KAIT_RETRY_SCHEDULE: '["200ms", "400ms"]',
      KAIT_RETRY_JITTER: '0.0',
      KAIT_CACHE_DIR: join(root, 'target', 'kait-browser-cache'),
      KAIT_LOG: 'warn',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const base = await new Promise((resolve, reject) => {
    let seen = '';
    child.stdout.on('data', (chunk) => {
      seen += chunk;
      const found = seen.match(/kait listening on (http:\/\/\S+)/);
      if (found) resolve(found[1]);
    });
    child.on('exit', (code) => reject(new Error(`kait serve exited with ${code}`)));
    setTimeout(() => reject(new Error('kait serve did not start')), 60000);
  });
  return { base, stop: () => child.kill('SIGKILL') };
}

/** Calls the API; resolves with [status, body]. */
export async function api(kait, method, path, key, body) {
  const response = await fetch(kait.base + path, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed;
  try { parsed = JSON.parse(text); } catch { parsed = text; }
  return [response.status, parsed];
}

/** A shop on `plan`; resolves with its key. */
export async function shop(kait, id, plan = 'premium') {
  const [status, body] = await api(kait, 'POST', '/v1/shops', ADMIN_KEY, { id, name: id.toUpperCase(), plan });
  if (status !== 201) throw new Error(`shop: ${status} ${JSON.stringify(body)}`);
  return body.key;
}

/** A one-time portal link into `id`'s page. */
export async function portalLink(kait, id, key) {
  const [status, body] = await api(kait, 'POST', `/v1/shops/${id}/portal-sessions`, key, {});
  if (status !== 201) throw new Error(`portal link: ${status}`);
  return body.url;
}

/** An event of `kind` for shop `id`, from the samples. */
export async function sendEvent(kait, id, key, kind, eventId) {
  const [status, body] = await api(kait, 'POST', `/v1/shops/${id}/events`, key, {
    id: eventId, type: kind, shop: id, occurred_at: '2026-12-01T10:00:00+08:00',
    data: { checkout: { id: 1262140, total: 10, customer: { first_name: 'Abu', last_name: 'Ali' } } },
  });
  if (status !== 202) throw new Error(`event: ${status} ${JSON.stringify(body)}`);
  return body;
}

/** A local receiver: every request it gets, and a way to wait for the next. */
export async function startReceiver() {
  const got = [];
  const waiting = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (c) => { body += c; });
    request.on('end', () => {
      const entry = { path: request.url, body };
      got.push(entry);
      waiting.splice(0).forEach((w) => w());
      response.writeHead(200).end('ok');
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    got,
    /** Resolves once `count` requests have arrived, or rejects after `ms`. */
    until(count, ms = 15000) {
      return new Promise((resolve, reject) => {
        const check = () => (got.length >= count ? resolve(got) : null);
        if (check()) return;
        waiting.push(check);
        const timer = setInterval(() => { if (check()) clearInterval(timer); }, 50);
        setTimeout(() => { clearInterval(timer); reject(new Error(`only ${got.length} of ${count} requests arrived`)); }, ms);
      });
    },
    stop: () => server.close(),
  };
}

/** Headless Chromium from Debian's package; never a downloaded browser. */
export async function browser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  });
}

/** A page in a fresh context speaking `locale`; any dialog fails the test. */
export async function newPage(chrome, locale = 'en-US') {
  const context = await chrome.newContext({ locale, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.dialogs = [];
  page.on('dialog', async (dialog) => { page.dialogs.push(dialog.message()); await dialog.dismiss(); });
  return page;
}

/** Saves the page at desktop width and at a phone's 375 px. */
export async function shot(page, name) {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: join(SHOTS, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize({ width: 375, height: 812 });
  await page.screenshot({ path: join(SHOTS, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
}
