// kait-plugin-kit: helpers for Kait transformer plugins in JavaScript.
//
// One ES module with no imports, so a bundler (esbuild) can inline it into the
// single module componentize-js compiles. Types: index.d.ts.

/** The ten event types a webhook can receive. */
export const EVENT_TYPES = Object.freeze([
  'order.paid',
  'order.shipped',
  'checkout.abandoned',
  'checkout.completed',
  'checkout.updated',
  'order.processing',
  'order.completed',
  'order.updated',
  'order.ready_for_pickup',
  'order.packed',
]);

// ---------------------------------------------------------------------------
// Errors: the WIT `plugin-error` variant. Throw the value, never wrap it in an
// Error: componentize-js turns a thrown plain value into the `err` case, while
// a thrown Error object traps and its message is lost.
// ---------------------------------------------------------------------------

/** `{ tag: 'invalid-config', val: message }`: throw it from validateConfig or transform. */
export const invalidConfig = (message) => ({ tag: 'invalid-config', val: String(message) });
/** `{ tag: 'invalid-event', val: message }`: the event cannot be handled. */
export const invalidEvent = (message) => ({ tag: 'invalid-event', val: String(message) });
/** `{ tag: 'failed', val: message }`: anything else. */
export const failed = (message) => ({ tag: 'failed', val: String(message) });

/** True for a plugin-error value (as thrown by the helpers above). */
export function isPluginError(value) {
  return (
    typeof value === 'object' &&
    value !== null &&
    ['invalid-config', 'invalid-event', 'failed'].includes(value.tag) &&
    typeof value.val === 'string'
  );
}

// ---------------------------------------------------------------------------
// Actions and requests: the WIT `action` variant and `outgoing-request` record.
// ---------------------------------------------------------------------------

/** `{ tag: 'send', val: requests }`. */
export const send = (...requests) => ({ tag: 'send', val: requests.flat() });
/** `{ tag: 'skip', val: reason }`: nothing to send for this event. */
export const skip = (reason) => ({ tag: 'skip', val: String(reason) });
/** `{ tag: 'bearer', val: token }`: the host adds `Authorization: Bearer <token>`. */
export const bearer = (token) => ({ tag: 'bearer', val: String(token) });

/**
 * A POST of `body` as JSON (compact UTF-8), with `content-type: application/json`.
 * Options: `method`, `headers` (extra `[name, value]` pairs), `auth`.
 */
export function postJson(url, body, options = {}) {
  return {
    method: options.method ?? 'POST',
    url,
    headers: [['content-type', 'application/json'], ...(options.headers ?? [])],
    body: new TextEncoder().encode(JSON.stringify(body)),
    auth: options.auth,
  };
}

// ---------------------------------------------------------------------------
// Events
// ---------------------------------------------------------------------------

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The typed event: `{ id, type, shop, occurredAt, checkout, data }`.
 *
 * Takes the WIT `event` record transform receives (`{ id, kind, shop,
 * occurredAt, payload }`, payload the JSON text of `data`), or an event in the
 * event format (`{ id, type, shop, occurred_at, data }`, as an object or JSON
 * text, e.g. examples/events/order.paid.json). Throws an invalid-event error
 * when there is no `checkout` object.
 */
export function parseEvent(event) {
  let source = event;
  if (typeof source === 'string') {
    try {
      source = JSON.parse(source);
    } catch {
      throw invalidEvent('the event is not JSON');
    }
  }
  if (!isObject(source)) throw invalidEvent('the event is not an object');
  let data = source.data;
  if (typeof source.payload === 'string') {
    try {
      data = JSON.parse(source.payload);
    } catch {
      throw invalidEvent('the payload is not JSON');
    }
  }
  if (!isObject(data) || !isObject(data.checkout)) {
    throw invalidEvent('payload has no checkout');
  }
  const checkout = data.checkout;
  return {
    id: source.id ?? '',
    type: source.kind ?? source.type ?? '',
    shop: source.shop ?? '',
    occurredAt: source.occurredAt ?? source.occurred_at ?? '',
    checkout: { ...checkout, items: Array.isArray(checkout.items) ? checkout.items : [] },
    data,
  };
}

// ---------------------------------------------------------------------------
// money: as the Rust pdk's `money` filter does.
// ---------------------------------------------------------------------------

// The amount as plain decimal text, if it is a number or a numeric string.
function decimalText(value) {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined;
    if (Number.isInteger(value)) return BigInt(value).toString();
    const text = String(value);
    return text.includes('e') ? value.toFixed(20).replace(/0+$/, '') : text;
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return /^-?[0-9]+(\.[0-9]*)?$/.test(text) ? text : undefined;
}

/**
 * `money(1234.5)` is `"RM 1,234.50"`, `money(10, 'USD')` is `"USD 10.00"`.
 *
 * The currency defaults to MYR, shown as "RM"; any other as its code. Amounts
 * are rounded half-up on their decimal digits (`1.005` gives `1.01`), with
 * thousands separators. `undefined`/`null` gives `""`; a value that is not a
 * number (nor a numeric string) is returned as its text, unchanged.
 */
export function money(value, currency) {
  if (value === undefined || value === null) return '';
  const decimal = decimalText(value);
  if (decimal === undefined) return String(value);
  const code = typeof currency === 'string' && currency.trim() !== '' ? currency.trim() : 'MYR';
  const symbol = code.toUpperCase() === 'MYR' ? 'RM' : code;

  const negative = decimal.startsWith('-');
  const unsigned = negative ? decimal.slice(1) : decimal;
  const [int, frac = ''] = unsigned.split('.');
  let digits = (int + (frac + '00').slice(0, 2)).split('').map(Number);
  if (frac.length > 2 && Number(frac[2]) >= 5) {
    let i = digits.length - 1;
    while (i >= 0 && digits[i] === 9) digits[i--] = 0;
    if (i < 0) digits.unshift(1);
    else digits[i] += 1;
  }
  const cents = digits.slice(-2).join('');
  const whole = digits.slice(0, -2).join('').replace(/^0+/, '') || '0';
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const zero = whole === '0' && cents === '00';
  return `${negative && !zero ? '-' : ''}${symbol} ${grouped}.${cents}`;
}

// ---------------------------------------------------------------------------
// date: as the Rust pdk's `date` filter does (strftime, in the value's offset).
// ---------------------------------------------------------------------------

/** The format `date` uses without one: `03/03/2021 22:58`. */
export const DEFAULT_DATE_FORMAT = '%d/%m/%Y %H:%M';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July',
  'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * `date('2021-03-03T22:58:32+08:00')` is `"03/03/2021 22:58"`: an RFC 3339
 * date-time formatted in its own offset (the shop's) with strftime syntax
 * (%Y %y %m %d %e %H %I %M %S %p %b %B %a %A %j %z %Z %F %T %R %D %%).
 * `undefined`/`null` gives `""`; a value that is not an RFC 3339 date-time is
 * returned as its text. An unknown conversion throws a `failed` plugin error.
 */
export function date(value, format = DEFAULT_DATE_FORMAT) {
  if (value === undefined || value === null) return '';
  const m = typeof value === 'string' ? RFC3339.exec(value.trim()) : null;
  if (!m) return String(value);
  const [, Y, mo, d, H, Mi, S, , offset] = m;
  const month = Number(mo) - 1;
  const utcDay = new Date(Date.UTC(Number(Y), month, Number(d)));
  if (utcDay.getUTCMonth() !== month || Number(H) > 23 || Number(Mi) > 59 || Number(S) > 60) {
    return String(value);
  }
  const z = /^[Zz]$/.test(offset) ? '+0000' : offset.replace(':', '');
  const hour12 = Number(H) % 12 === 0 ? 12 : Number(H) % 12;
  const yday = Math.floor((utcDay - Date.UTC(Number(Y), 0, 1)) / 86400000) + 1;
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  const fields = {
    Y, y: Y.slice(2), m: mo, d, e: String(Number(d)).padStart(2, ' '), H, M: Mi, S,
    I: pad(hour12), p: Number(H) < 12 ? 'AM' : 'PM',
    b: MONTHS[month].slice(0, 3), h: MONTHS[month].slice(0, 3), B: MONTHS[month],
    a: DAYS[utcDay.getUTCDay()].slice(0, 3), A: DAYS[utcDay.getUTCDay()],
    j: pad(yday, 3), z, Z: /^[Zz]$/.test(offset) ? 'UTC' : offset,
    F: `${Y}-${mo}-${d}`, T: `${H}:${Mi}:${S}`, R: `${H}:${Mi}`, D: `${mo}/${d}/${Y.slice(2)}`,
    '%': '%',
  };
  return format.replace(/%(.?)/g, (_, c) => {
    if (!(c in fields) || c === '') throw failed(`date: invalid format ${JSON.stringify(format)}`);
    return fields[c];
  });
}
