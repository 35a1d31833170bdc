// The merchant's Settings → Webhooks page in headless Chromium: the seed's
// steps in both languages, Telegram and Sheets forms, the template preview, a
// plugin uploaded and rolled back, a basic shop, hostile text, another shop's
// session, used and expired portal links, and a cross-site form. Each test
// saves screenshots at desktop width and at 375 px (screenshots/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startKait, startReceiver, browser, newPage, shot, shop, portalLink, sendEvent, api } from './harness.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TOKEN = '123456789:AAEhBP0av28xKj1lZ8T3bAEXAMPLE_token';
let kait, receiver, chrome;

before(async () => {
  kait = await startKait();
  receiver = await startReceiver();
  chrome = await browser();
});
after(async () => {
  await chrome?.close();
  receiver?.stop();
  kait?.stop();
});

const WORDS = {
  'en-US': { name: 'Name', pause: 'Pause (stop receiving data)', resume: 'Resume (receive data again)', paused: 'Paused', log: 'Delivery log', test: 'Send test', delete: 'Delete', none: 'No webhooks yet.', save: 'Save' },
  'ms-MY': { name: 'Nama', pause: 'Henti (hentikan penerimaan data)', resume: 'Sambung (terima data semula)', paused: 'Dihentikan', log: 'Log penghantaran', test: 'Hantar ujian', delete: 'Buang', none: 'Belum ada webhook.', save: 'Simpan' },
};

for (const [locale, w] of Object.entries(WORDS)) {
  test(`the seed's steps in ${locale}: add, send test, pause, resume, delete`, async () => {
    const id = `kedai-${locale.slice(0, 2)}`;
    const key = await shop(kait, id);
    const page = await newPage(chrome, locale);
    await page.goto(await portalLink(kait, id, key));
    assert.match(page.url(), /\/settings\/webhooks$/);
    await page.getByRole('link', { name: 'Add Webhook' }).click();
    await page.getByLabel(w.name, { exact: true }).fill('Pesanan');
    await page.getByLabel('Callback URL').fill(`${receiver.url}/${id}`);
    await shot(page, `add-webhook-${locale}`);
    await page.getByRole('button', { name: w.save }).click();
    await page.getByRole('cell', { name: 'Pesanan' }).waitFor();
    await shot(page, `webhooks-${locale}`);

    const before = receiver.got.length;
    await page.getByRole('link', { name: w.log }).click();
    await page.getByRole('button', { name: w.test }).click();
    await receiver.until(before + 1);
    await page.locator('details.delivery').first().waitFor();
    await page.locator('details.delivery summary').first().click();
    await shot(page, `delivery-log-${locale}`);

    await page.goto(page.url().replace(/\/settings\/webhooks\/.*$/, '/settings/webhooks'));
    await page.getByRole('button', { name: w.pause }).click();
    await page.getByText(w.paused, { exact: true }).waitFor();
    await sendEvent(kait, id, key, 'order.paid', `${id}-while-paused`);
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(receiver.got.length, before + 1, 'nothing arrives while paused');
    await page.getByRole('button', { name: w.resume }).click();
    await sendEvent(kait, id, key, 'order.paid', `${id}-after-resume`);
    const got = await receiver.until(before + 2);
    assert.match(got.at(-1).body, new RegExp(`${id}-after-resume`));

    await page.getByRole('link', { name: w.delete }).click();
    await page.getByRole('button', { name: w.delete }).click();
    await page.getByText(w.none).waitFor();
    assert.deepEqual(page.dialogs, []);
  });
}

test('a Telegram token stays masked and kept; Sheets columns are edited as rows', async () => {
  const key = await shop(kait, 'tg');
  const page = await newPage(chrome);
  await page.goto(await portalLink(kait, 'tg', key));
  await page.goto(page.url().replace(/webhooks$/, 'webhooks/new?plugin=telegram'));
  await page.getByLabel('Name', { exact: true }).fill('Telegram kedai');
  await page.getByLabel('Bot token').fill(TOKEN);
  await page.getByLabel('Chat *').fill('-1001234567890');
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('link', { name: 'Edit' }).click();
  assert.equal(await page.getByLabel('Bot token').inputValue(), '', 'the token is never put back in the page');
  assert.ok(!(await page.content()).includes(TOKEN));
  await page.getByText('••••oken').waitFor();
  await page.getByLabel('Chat *').fill('-1009999');
  await shot(page, 'edit-telegram');
  await page.getByRole('button', { name: 'Save' }).click();
  const [, list] = await api(kait, 'GET', '/v1/shops/tg/webhooks', key);
  assert.equal(list.data[0].config.chat_id, '-1009999');
  assert.ok(list.data[0].config.bot_token.endsWith('oken'), 'the token was kept');

  await page.goto(page.url().replace(/\/settings\/webhooks.*$/, '/settings/webhooks/new?plugin=sheets'));
  await page.getByLabel('Name', { exact: true }).fill('Jualan');
  await page.getByLabel('Spreadsheet id *').fill('sheet123');
  await page.getByLabel('Columns 1 header').fill('Pesanan');
  await page.getByLabel('Columns 1 value').fill('{{ checkout.id }}');
  await shot(page, 'add-sheets');
  await page.getByRole('button', { name: 'Save' }).click();
  // No service-account key yet: the plugin refuses, above the form and next to the field.
  await page.locator('#form-error').waitFor();
  await page.locator('#field-credentials .error').waitFor();
  assert.equal(await page.getByLabel('Columns 1 header').inputValue(), 'Pesanan', 'what was typed is kept');
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  await page.getByLabel('Service account key (JSON)').fill(JSON.stringify({
    type: 'service_account', client_email: 'kait@kait-test.iam.gserviceaccount.com',
    private_key: privateKey, token_uri: 'https://oauth2.googleapis.com/token',
  }));
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByRole('cell', { name: 'Jualan' }).waitFor();
  const [, sheets] = await api(kait, 'GET', '/v1/shops/tg/webhooks', key);
  const saved = sheets.data.find((h) => h.name === 'Jualan');
  // The first row as typed over the default columns, the rest as offered.
  assert.deepEqual(saved.config.columns[0], { header: 'Pesanan', value: '{{ checkout.id }}' });
  assert.ok(!(await page.content()).includes('PRIVATE KEY'), 'the key never comes back to the page');
});

test('the template preview renders the message and shows a syntax error with its line', async () => {
  const key = await shop(kait, 'preview');
  const page = await newPage(chrome);
  await page.goto(await portalLink(kait, 'preview', key));
  await page.goto(page.url().replace(/webhooks$/, 'webhooks/new?plugin=telegram'));
  await page.getByLabel('Name', { exact: true }).fill('Pratonton');
  await page.getByLabel('Bot token').fill(TOKEN);
  await page.getByLabel('Chat *').fill('-100123');
  await page.getByLabel('Message', { exact: true }).fill('<b>Pesanan {{ checkout.id }}</b> untuk {{ checkout.customer.first_name }}');
  await page.getByRole('button', { name: 'Preview', exact: true }).click();
  const bold = page.locator('#telegram-preview b');
  await bold.waitFor();
  assert.match(await bold.textContent(), /^Pesanan \d+/);
  await shot(page, 'template-preview');
  // A secret typed into an unsaved form is not sent back to the page: type it again.
  await page.getByLabel('Bot token').fill(TOKEN);
  await page.getByLabel('Message', { exact: true }).fill('Pesanan {% if checkout.id %}\n{{ checkout.id }');
  await page.getByRole('button', { name: 'Preview', exact: true }).click();
  assert.match(await page.locator('#form-error').textContent(), /line 2/);
  const [, list] = await api(kait, 'GET', '/v1/shops/preview/webhooks', key);
  assert.equal(list.data.length, 0, 'a preview saves nothing');
});

test('a plugin uploaded on the page, a webhook swapped to it, then rolled back', async () => {
  const key = await shop(kait, 'plugins');
  const component = readFileSync(join(root, 'target', 'guests', 'wasm32-wasip2', 'release', 'kait_http.wasm'));
  const variant = (tag) => {
    const name = Buffer.from('kait-browser');
    const payload = Buffer.concat([Buffer.from([name.length]), name, Buffer.from(tag)]);
    return Buffer.concat([component, Buffer.from([0, payload.length]), payload]);
  };
  const page = await newPage(chrome);
  await page.goto(await portalLink(kait, 'plugins', key));
  await page.goto(page.url().replace(/webhooks$/, 'plugins'));
  for (const tag of ['first', 'second']) {
    await page.getByLabel('Plugin name').fill('mine');
    await page.getByLabel('Component (.wasm)').setInputFiles({ name: 'mine.wasm', mimeType: 'application/wasm', buffer: variant(`${tag}-${process.pid}`) });
    await page.getByRole('button', { name: 'Upload' }).click();
    if (tag === 'first') {
      await page.locator('#plugin-mine').waitFor();
      await api(kait, 'POST', '/v1/shops/plugins/webhooks', key, { name: 'Pakai mine', plugin: 'mine@latest', config: { url: `${receiver.url}/mine` } });
    }
  }
  const [, versions] = await api(kait, 'GET', '/v1/shops/plugins/plugins/mine/versions', key);
  const [v1, v2] = versions.data.map((v) => v.version);
  await page.reload();
  assert.match(await page.locator(`#version-${v2}`).textContent(), /Pakai mine/, 'the webhook runs the latest');
  await shot(page, 'plugins');
  await page.getByLabel('Pakai mine: runs').selectOption(`mine@${v1}`);
  await page.getByRole('button', { name: 'Use this version' }).click();
  await page.locator(`#version-${v1}`).waitFor();
  assert.match(await page.locator(`#version-${v1}`).textContent(), /Pakai mine/, 'rolled back');
});

test('a basic shop is told why; hostile text is shown as text and runs nothing', async () => {
  const key = await shop(kait, 'hostile');
  await api(kait, 'POST', '/v1/shops/hostile/webhooks', key, { name: '<img src=x onerror=alert(1)>', plugin: 'http', config: { url: `${receiver.url}/h` } });
  const event = JSON.parse(readFileSync(join(root, 'examples', 'events', 'order.processing.json'), 'utf8'));
  event.shop = 'hostile';
  await api(kait, 'POST', '/v1/shops/hostile/events', key, event);
  await receiver.until(1);
  const page = await newPage(chrome);
  await page.goto(await portalLink(kait, 'hostile', key));
  assert.equal(await page.locator('td.name').textContent(), '<img src=x onerror=alert(1)>');
  assert.equal(await page.locator('td.name img').count(), 0);
  await page.getByRole('link', { name: 'Delivery log' }).click();
  await page.locator('details.delivery summary').first().click();
  assert.ok((await page.locator('#log').textContent()).includes('<script>alert(1)</script>'), 'the literal text');
  assert.equal(await page.locator('#log script').count(), 0);
  await shot(page, 'hostile');
  assert.deepEqual(page.dialogs, []);

  const basicKey = await shop(kait, 'basic', 'basic');
  const basic = await newPage(chrome, 'ms-MY');
  await basic.goto(await portalLink(kait, 'basic', basicKey));
  await basic.getByText('hanya terdapat pada langganan plan Standard, Premium dan Ultimate').waitFor();
  assert.equal(await basic.getByRole('link', { name: 'Add Webhook' }).count(), 0, 'no Add Webhook');
  await shot(basic, 'basic-plan');
});

test("another shop's session, used or expired links, and a cross-site form get nothing", async () => {
  const shortLived = await startKait({ KAIT_PORTAL_LINK_TTL: '2s' });
  try {
    const keyA = await shop(shortLived, 'shop-a');
    const keyB = await shop(shortLived, 'shop-b');
    const [, hook] = await api(shortLived, 'POST', '/v1/shops/shop-a/webhooks', keyA, { name: 'Rahsia A', plugin: 'http', config: { url: `${receiver.url}/a` } });
    const link = await portalLink(shortLived, 'shop-b', keyB);
    const b = await newPage(chrome);
    await b.goto(link);
    assert.ok(!(await b.content()).includes('Rahsia A'));
    const other = await b.goto(`${shortLived.base}/settings/webhooks/${hook.id}/edit`);
    assert.equal(other.status(), 404, "another shop's webhook does not exist for this session");

    const again = await newPage(chrome);
    const reused = await again.goto(link);
    assert.equal(reused.status(), 403, 'a link opens once');
    const late = await portalLink(shortLived, 'shop-a', keyA);
    await new Promise((r) => setTimeout(r, 2500));
    const expired = await again.goto(late);
    assert.equal(expired.status(), 403, 'an expired link opens nothing');
    await shot(again, 'link-refused');

    // A signed-in merchant visits another site whose form posts to Kait.
    const a = await newPage(chrome);
    await a.goto(await portalLink(shortLived, 'shop-a', keyA));
    const evil = await startReceiverPage(`<form id="f" method="post" action="${shortLived.base}/settings/webhooks/${hook.id}/pause"><input name="csrf" value="x"></form><script>document.getElementById('f').submit()</script>`);
    await a.goto(evil.url);
    await a.waitForLoadState('load');
    await new Promise((r) => setTimeout(r, 500));
    const [, after] = await api(shortLived, 'GET', `/v1/shops/shop-a/webhooks/${hook.id}`, keyA);
    assert.equal(after.status, 'active', 'the cross-site form changed nothing');
    evil.stop();
  } finally {
    shortLived.stop();
  }
});

/** Serves one HTML page from another origin (another port). */
async function startReceiverPage(html) {
  const { createServer } = await import('node:http');
  const server = createServer((_, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(html));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${server.address().port}/`, stop: () => server.close() };
}
