import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import {
  EVENT_TYPES, parseEvent, money, date, invalidConfig, invalidEvent, failed,
  isPluginError, send, skip, bearer, postJson,
} from '../index.js';

const sample = (type) =>
  readFileSync(new URL(`../../../examples/events/${type}.json`, import.meta.url), 'utf8');

test('money rounds half-up, groups thousands, shows MYR as RM', () => {
  const cases = [
    [10, 'RM 10.00'], [0, 'RM 0.00'], ['1234567.891', 'RM 1,234,567.89'],
    ['999.995', 'RM 1,000.00'], ['1.005', 'RM 1.01'], [-5.5, '-RM 5.50'],
    ['-0.001', 'RM 0.00'], ['007.1', 'RM 7.10'], [123456, 'RM 123,456.00'],
    [1234.5, 'RM 1,234.50'], ['7.255', 'RM 7.26'], [10.05, 'RM 10.05'],
    [1e20, 'RM 100,000,000,000,000,000,000.00'],
  ];
  for (const [value, expected] of cases) assert.equal(money(value), expected, String(value));
  assert.equal(money(1234.5, 'USD'), 'USD 1,234.50');
  assert.equal(money(3, 'myr'), 'RM 3.00');
  assert.equal(money('free'), 'free');
  assert.equal(money(undefined), '');
  assert.equal(money(null), '');
});

test('date formats in the value’s own offset', () => {
  assert.equal(date('2021-03-03T22:58:32+08:00'), '03/03/2021 22:58');
  assert.equal(date('2021-03-03T22:58:32+08:00', '%Y-%m-%d %H:%M:%S %z'), '2021-03-03 22:58:32 +0800');
  assert.equal(date('2024-03-08T21:13:48+08:00', '%a %d %b %Y, %I:%M %p'), 'Fri 08 Mar 2024, 09:13 PM');
  assert.equal(date('2024-01-01T00:00:00Z', '%F %T %Z %j'), '2024-01-01 00:00:00 UTC 001');
  assert.equal(date('yesterday'), 'yesterday');
  assert.equal(date(null), '');
  assert.throws(() => date('2021-03-03T22:58:32+08:00', '%Q'), (e) =>
    isPluginError(e) && e.tag === 'failed' && e.val.includes('invalid format'));
});

test('errors are plain plugin-error values', () => {
  assert.deepEqual(invalidConfig('url: required'), { tag: 'invalid-config', val: 'url: required' });
  assert.deepEqual(invalidEvent('x'), { tag: 'invalid-event', val: 'x' });
  assert.deepEqual(failed('y'), { tag: 'failed', val: 'y' });
  assert.ok(!(invalidConfig('z') instanceof Error));
  assert.ok(!isPluginError(new Error('boom')));
});

test('actions and requests have the WIT shapes', () => {
  const request = postJson('https://x.example/h', { a: 'é' }, { auth: bearer('t') });
  assert.equal(request.method, 'POST');
  assert.deepEqual(request.headers, [['content-type', 'application/json']]);
  assert.equal(new TextDecoder().decode(request.body), '{"a":"é"}');
  assert.deepEqual(request.auth, { tag: 'bearer', val: 't' });
  assert.deepEqual(send(request), { tag: 'send', val: [request] });
  assert.deepEqual(skip('no'), { tag: 'skip', val: 'no' });
});

test('parseEvent reads the WIT event and every sample', () => {
  for (const type of EVENT_TYPES) {
    const envelope = JSON.parse(sample(type));
    const wit = {
      id: envelope.id, kind: envelope.type, shop: envelope.shop,
      occurredAt: envelope.occurred_at, payload: JSON.stringify(envelope.data),
    };
    const parsed = parseEvent(wit);
    assert.equal(parsed.type, type);
    assert.deepEqual(parsed, parseEvent(sample(type)));
    assert.ok(Array.isArray(parsed.checkout.items));
  }
  const paid = parseEvent(sample('order.paid'));
  assert.equal(paid.checkout.id, 1262140);
  assert.equal(money(paid.checkout.total, paid.checkout.currency), 'RM 203.70');
  assert.equal(paid.occurredAt, JSON.parse(sample('order.paid')).occurred_at);
  assert.throws(() => parseEvent({ kind: 'order.paid', payload: '{}' }),
    { tag: 'invalid-event', val: 'payload has no checkout' });
  assert.throws(() => parseEvent('nope'), { tag: 'invalid-event', val: 'the event is not JSON' });
});
