//! The default columns: every field of the help page's table, one per column.

/// A column when none are configured: its header and value template.
pub type DefaultColumn = (&'static str, &'static str);

const DATE: DefaultColumn = (
    "Date",
    r#"{{ (checkout.completed_at or checkout.created_at)|date("%Y-%m-%d %H:%M:%S") }}"#,
);

const HEAD: [DefaultColumn; 7] = [
    DATE,
    ("Event", "{{ event.type }}"),
    ("Checkout ID", "{{ checkout.id }}"),
    ("First name", "{{ checkout.customer.first_name }}"),
    ("Last name", "{{ checkout.customer.last_name }}"),
    ("Phone", "{{ checkout.customer.phone }}"),
    ("Email", "{{ checkout.customer.email }}"),
];

const TAIL: [DefaultColumn; 9] = [
    ("Total", "{{ checkout.total }}"),
    ("Shipping", "{{ checkout.shipping }}"),
    ("Rate", "{{ checkout.rate }}"),
    ("Currency", "{{ checkout.currency }}"),
    ("Address 1", "{{ checkout.shipping_address.address1 }}"),
    ("Address 2", "{{ checkout.shipping_address.address2 }}"),
    ("Zip", "{{ checkout.shipping_address.zip }}"),
    ("City", "{{ checkout.shipping_address.city }}"),
    ("State", "{{ checkout.shipping_address.state }}"),
];

const ORDER_ITEMS: [DefaultColumn; 2] = [
    ("Items", "{{ checkout.items[].product.name }}"),
    ("Quantities", "{{ checkout.items[].quantity }}"),
];

const ITEM: [DefaultColumn; 6] = [
    ("Product", "{{ item.product.name }}"),
    ("Variant", "{{ item.name }}"),
    ("SKU", "{{ item.product.sku }}"),
    ("Quantity", "{{ item.quantity }}"),
    ("Price", "{{ item.price }}"),
    ("Subtotal", "{{ item.subtotal }}"),
];

/// The default columns for one row per order.
pub fn per_order() -> Vec<DefaultColumn> {
    [&HEAD[..], &ORDER_ITEMS, &TAIL].concat()
}

/// The default columns for one row per item.
pub fn per_item() -> Vec<DefaultColumn> {
    [&HEAD[..], &ITEM, &TAIL].concat()
}
