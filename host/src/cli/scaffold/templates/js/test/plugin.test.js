import { test } from 'node:test';
import assert from 'node:assert/strict';

import { info, transform, validateConfig } from '../src/plugin.js';

const event = (payload) => ({
  id: 'evt_1',
  kind: 'order.paid',
  shop: 'demo',
  occurredAt: '2024-03-08T21:14:05+08:00',
  payload,
});

test('posts a summary', () => {
  const logged = [];
  const payload = '{"checkout":{"id":1262140,"currency":"MYR","total":203.7}}';
  const action = transform(event(payload), '{"url":"https://x.example/h"}', (...l) => logged.push(l));
  assert.equal(action.tag, 'send');
  const [request] = action.val;
  assert.equal(request.url, 'https://x.example/h');
  const body = JSON.parse(new TextDecoder().decode(request.body));
  assert.deepEqual(body, { text: 'order.paid · order 1262140 · RM 203.70' });
  assert.deepEqual(logged, [['info', 'summarised order.paid']]);
  assert.equal(info().name, '__NAME__');
});

test('errors are thrown plugin-error values', () => {
  assert.throws(() => validateConfig('[]'), { tag: 'invalid-config', val: 'config must be a JSON object' });
  assert.throws(() => validateConfig('{}'), { tag: 'invalid-config', val: 'url: required, a string' });
  assert.throws(() => transform(event('{}'), '{"url":"https://x.example/h"}'), { tag: 'invalid-event' });
});
