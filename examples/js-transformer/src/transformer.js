// A Kait transformer plugin written in JavaScript.
//
// Kait hands every event to this component; the component answers with what
// to send. This one turns an order event into a Discord-style chat message
// ("content") that lists the items and the total, and asks the host to POST it
// to the webhook URL from the configuration.
//
// The component implements the `transformer` world of ../../wit/plugin.wit.
// componentize-js maps that world to this ES module:
//   * each exported WIT function is an exported JS function, with its name in
//     camelCase: `info`, `validateConfig`, `transform`;
//   * each imported WIT interface is an ES import from 'package:name/interface',
//     here `log` from the host interface;
//   * records are plain objects with camelCase fields (`occurredAt`),
//     variants are `{ tag, val }` objects, enums are strings ('info'),
//     list<u8> is a Uint8Array, and option<T> is the value or undefined;
//   * for a `result<T, E>` return, the returned value is the `ok` case and a
//     thrown value is the `err` case (here a plugin-error variant). Throw
//     plain values: a thrown `Error` object is not converted, it traps.
//
// The plugin runs in a sandbox with no network, files or clock: it only
// computes. The host sends the requests it returns.

import { log } from 'kait:plugin/host@0.1.0';
import { invalidConfig, parseEvent, postJson, send } from 'kait-plugin-kit';

// ---------------------------------------------------------------------------
// info: what the plugin says about itself.
// ---------------------------------------------------------------------------

// JSON Schema of the configuration. Kait shows it to users and can check the
// configuration against it; validateConfig below is the authoritative check.
const CONFIG_SCHEMA = {
  type: 'object',
  required: ['url'],
  additionalProperties: false,
  properties: {
    url: {
      type: 'string',
      format: 'uri',
      description: 'The Discord (or compatible) webhook URL',
    },
    username: {
      type: 'string',
      description: 'Name the message is posted under; default Kait',
    },
  },
};

export function info() {
  return {
    name: 'discord',
    version: '1.0.0',
    description:
      'Discord-style message listing the items and the total (JavaScript example)',
    configSchema: JSON.stringify(CONFIG_SCHEMA),
  };
}

// ---------------------------------------------------------------------------
// validateConfig: reject a bad configuration when the webhook is saved,
// not at delivery time.
// ---------------------------------------------------------------------------

// invalidConfig(message) from the kit is the plugin-error case
// `{ tag: 'invalid-config', val: message }`, as componentize-js expects a
// thrown variant.

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

// Parses and checks the configuration JSON text; returns it as an object or
// throws an invalid-config error.
function parseConfig(text) {
  let config;
  try {
    config = JSON.parse(text);
  } catch {
    config = undefined;
  }
  if (!isObject(config)) throw invalidConfig('config must be a JSON object');

  if (typeof config.url !== 'string') throw invalidConfig('url: required, a string');
  if (!config.url.startsWith('https://') && !config.url.startsWith('http://')) {
    throw invalidConfig('url: must start with https:// or http://');
  }
  if ('username' in config && typeof config.username !== 'string') {
    throw invalidConfig('username: must be a string');
  }
  for (const key of Object.keys(config)) {
    if (key !== 'url' && key !== 'username') {
      throw invalidConfig(`${key}: unknown field; expected url, username`);
    }
  }
  return config;
}

export function validateConfig(config) {
  parseConfig(config); // throws on error; returning nothing means ok
}

// ---------------------------------------------------------------------------
// transform: turn one event into the requests to send.
// ---------------------------------------------------------------------------

// Money and amounts with exactly two decimals: 59.8 -> "59.80".
const money = (n) => (typeof n === 'number' ? n : 0).toFixed(2);

// One line per item: "• 2 × Product (Variant): MYR 59.80".
function itemLine(item, checkout) {
  const quantity = typeof item.quantity === 'number' ? item.quantity : 1;
  const product =
    isObject(item.product) && typeof item.product.name === 'string'
      ? item.product.name
      : 'item';
  const variant =
    typeof item.name === 'string' && item.name !== '' ? ` (${item.name})` : '';
  const currency =
    typeof item.currency === 'string'
      ? item.currency
      : typeof checkout.currency === 'string'
        ? checkout.currency
        : '';
  const subtotal =
    typeof item.subtotal === 'number'
      ? item.subtotal
      : typeof item.price === 'number'
        ? item.price * quantity
        : 0;
  return `• ${quantity} × ${product}${variant}: ${currency} ${money(subtotal)}`;
}

// The order id as JSON would print it, but a string without its quotes.
function orderId(id) {
  if (typeof id === 'string') return id;
  if (id === undefined) return '';
  return JSON.stringify(id);
}

export function transform(event, configText) {
  // 1. The configuration is checked again: it may predate a plugin upgrade.
  const config = parseConfig(configText);

  // 2. The payload is JSON text: {"checkout": {...}}. The kit's parseEvent
  //    reads it (throwing invalid-event when there is no checkout).
  const { checkout } = parseEvent(event);

  // 3-4. The message text.
  const items = Array.isArray(checkout.items) ? checkout.items : [];
  const currency = typeof checkout.currency === 'string' ? checkout.currency : '';
  const lines = [
    `**${event.kind}** · order ${orderId(checkout.id)}`,
    ...items.map((item) => itemLine(isObject(item) ? item : {}, checkout)),
    `Total: ${currency} ${money(checkout.total)}`,
  ];
  const content = lines.join('\n');

  // 5. A line in the delivery's log (the `level` enum is a string in JS).
  log('info', `formatted ${items.length} items for ${event.kind}`);

  // 6. One POST with a JSON body ({ tag: 'send', val: [request] }); `auth` is
  //    left out (option none), since a Discord webhook URL carries its own secret.
  return send(postJson(config.url, { username: config.username ?? 'Kait', content }));
}
