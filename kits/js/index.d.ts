// Types for kait-plugin-kit: the event format and the WIT contract
// (kait:plugin@0.1.0, world `transformer`) as componentize-js maps it.

// ---------------------------------------------------------------------------
// The WIT contract
// ---------------------------------------------------------------------------

/** WIT `event`: what `transform` receives. `payload` is the JSON text of the event's `data`. */
export interface WitEvent {
  id: string;
  /** The event type, e.g. "order.paid". */
  kind: string;
  shop: string;
  /** RFC 3339, the shop's offset. */
  occurredAt: string;
  /** JSON text: `{"checkout": {...}}`. */
  payload: string;
}

/** WIT `google-credentials`. */
export interface GoogleCredentials {
  keyJson: string;
  scopes: string[];
}

/** WIT `auth` variant: the host adds the credentials when it sends. */
export type Auth =
  | { tag: 'bearer'; val: string }
  | { tag: 'google-service-account'; val: GoogleCredentials };

/** WIT `outgoing-request`: one HTTP request the host sends for the plugin. */
export interface OutgoingRequest {
  method: string;
  url: string;
  headers: Array<[string, string]>;
  body: Uint8Array;
  /** `option<auth>`: undefined for none. */
  auth?: Auth;
}

/** WIT `action` variant: what `transform` returns. */
export type Action =
  | { tag: 'send'; val: OutgoingRequest[] }
  | { tag: 'skip'; val: string };

/** WIT `plugin-error` variant: THROW it (a plain value, never an Error). */
export type PluginError =
  | { tag: 'invalid-config'; val: string }
  | { tag: 'invalid-event'; val: string }
  | { tag: 'failed'; val: string };

/** WIT `plugin-info`: what `info` returns. */
export interface PluginInfo {
  name: string;
  version: string;
  description: string;
  /** JSON Schema of the configuration, as JSON text. */
  configSchema: string;
}

/** WIT `host.level` enum. */
export type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * The exports of the `transformer` world. `validateConfig` returns nothing
 * for ok; both it and `transform` throw a PluginError for err.
 */
export interface Transformer {
  info(): PluginInfo;
  validateConfig(config: string): void;
  transform(event: WitEvent, config: string): Action;
}

// ---------------------------------------------------------------------------
// The event format (GET /v1/event-types/schema)
// ---------------------------------------------------------------------------

export type EventType =
  | 'order.paid'
  | 'order.shipped'
  | 'checkout.abandoned'
  | 'checkout.completed'
  | 'checkout.updated'
  | 'order.processing'
  | 'order.completed'
  | 'order.updated'
  | 'order.ready_for_pickup'
  | 'order.packed';

export const EVENT_TYPES: readonly EventType[];

export interface Product {
  name?: string;
  /** SKU of the product variant. */
  sku?: string;
}

/** One item (variant) of the checkout. */
export interface Item {
  product?: Product;
  /** Variant name, e.g. "2 Unit/ Hitam". */
  name?: string;
  currency?: string;
  price?: number;
  quantity?: number;
  /** Line total. */
  subtotal?: number;
  [field: string]: unknown;
}

export interface Person {
  first_name?: string;
  last_name?: string;
  /** Digits with the country code, e.g. 60123456789. */
  phone?: string;
  email?: string;
  [field: string]: unknown;
}

export interface Address extends Person {
  address1?: string | null;
  address2?: string | null;
  zip?: string | null;
  city?: string | null;
  state?: string | null;
}

/** The checkout, with the platform's fields; any other fields pass through. */
export interface Checkout {
  /** e.g. 1262140 */
  id?: number | string;
  /** e.g. "mirfaith.myshoppegram.com" */
  domain?: string;
  url?: string;
  /** e.g. "MYR" */
  currency?: string;
  total?: number;
  shipping?: number;
  /** Name of the shipping rate chosen. */
  rate?: string;
  /** RFC 3339; null until paid. */
  completed_at?: string | null;
  created_at?: string;
  /** Always an array after parseEvent. */
  items: Item[];
  customer?: Person;
  shipping_address?: Address;
  /** order.shipped */
  courier?: string;
  /** order.shipped */
  tracking_number?: string;
  [field: string]: unknown;
}

/** An event in the event format (examples/events/*.json). */
export interface EventEnvelope {
  id?: string | null;
  type: EventType | string;
  shop: string;
  occurred_at: string;
  data: { checkout: Checkout; [field: string]: unknown };
}

/** The typed event parseEvent returns. */
export interface ParsedEvent {
  id: string;
  type: EventType | string;
  shop: string;
  occurredAt: string;
  checkout: Checkout;
  /** The whole `data` object (checkout and any other fields). */
  data: { checkout: Checkout; [field: string]: unknown };
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** The WIT event (or an event-format object or JSON text) as a ParsedEvent; throws invalid-event. */
export function parseEvent(event: WitEvent | EventEnvelope | string): ParsedEvent;

export function invalidConfig(message: string): PluginError & { tag: 'invalid-config' };
export function invalidEvent(message: string): PluginError & { tag: 'invalid-event' };
export function failed(message: string): PluginError & { tag: 'failed' };
export function isPluginError(value: unknown): value is PluginError;

export function send(...requests: Array<OutgoingRequest | OutgoingRequest[]>): Action & { tag: 'send' };
export function skip(reason: string): Action & { tag: 'skip' };
export function bearer(token: string): Auth & { tag: 'bearer' };
export function postJson(
  url: string,
  body: unknown,
  options?: { method?: string; headers?: Array<[string, string]>; auth?: Auth },
): OutgoingRequest;

/** `"RM 1,234.50"`, `"USD 10.00"`: rounded half-up, MYR shown as RM (the default). */
export function money(value: unknown, currency?: string): string;

export const DEFAULT_DATE_FORMAT: '%d/%m/%Y %H:%M';
/** An RFC 3339 date-time in its own offset, strftime syntax; default `%d/%m/%Y %H:%M`. */
export function date(value: unknown, format?: string): string;
