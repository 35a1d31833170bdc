// __NAME__: a Kait transformer plugin.
//
// Posts {"text": "order.paid · order 1262140 · RM 203.70"} to the configured
// `url` for every event. Change `transform` to send what you need.
//
// Errors are THROWN plain values (invalidConfig(...) etc. from the kit); a
// thrown Error object would trap and lose its message.

import { invalidConfig, money, parseEvent, postJson, send } from 'kait-plugin-kit';

const CONFIG_SCHEMA = {
  type: 'object',
  required: ['url'],
  additionalProperties: false,
  properties: {
    url: { type: 'string', format: 'uri', description: 'Where to POST the message' },
  },
};

export function info() {
  return {
    name: '__NAME__',
    version: '0.1.0',
    description: 'Posts a one-line summary of each event',
    configSchema: JSON.stringify(CONFIG_SCHEMA),
  };
}

function parseConfig(text) {
  let config;
  try {
    config = JSON.parse(text);
  } catch {
    config = undefined;
  }
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw invalidConfig('config must be a JSON object');
  }
  if (typeof config.url !== 'string') throw invalidConfig('url: required, a string');
  if (!/^https?:\/\//.test(config.url)) {
    throw invalidConfig('url: must start with https:// or http://');
  }
  return config;
}

export function validateConfig(config) {
  parseConfig(config);
}

/** `log(level, message)` is the host's log; a no-op in tests unless given. */
export function transform(event, configText, log = () => {}) {
  const config = parseConfig(configText);
  const { type, checkout } = parseEvent(event);
  const text = `${type} · order ${checkout.id} · ${money(checkout.total, checkout.currency)}`;
  log('info', `summarised ${type}`);
  return send(postJson(config.url, { text }));
}
