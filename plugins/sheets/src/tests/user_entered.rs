//! Cells typed under USER_ENTERED, the header row, and columns tried on the samples.

use super::*;

#[test]
fn columns_are_tried_on_every_sample() {
    let only_packed = "{% if event.type == 'order.packed' %}{{ checkout.id // 0 }}{% endif %}";
    let message = config_error(&config(
        json!({"columns": [{"header": "A", "value": only_packed}]}),
    ));
    assert!(
        message.starts_with("columns[0].value: on the sample order.packed event, "),
        "{message}"
    );
    validate_config(&config(json!({"row_per": "item"}))).unwrap();
}

#[test]
fn dates_are_typed_as_dates() {
    let columns = json!([
        {"header": "Paid", "value": "{{ checkout.completed_at }}"},
        {"header": "Day", "value": "{{ checkout.completed_at|date('%Y-%m-%d') }}"},
        {"header": "Local", "value": "{{ checkout.completed_at|date('%d/%m/%Y') }}"},
        {"header": "Event", "value": "{{ event.occurred_at }}"},
    ]);
    let event = event("order.paid", json!({"checkout": help_page_checkout()}));
    assert_eq!(
        rows(&event, &config(json!({ "columns": columns }))),
        json!([[
            "2021-03-03 22:58:32",
            "2021-03-03",
            "'03/03/2021",
            "2021-03-03 22:58:32"
        ]])
    );
}

#[test]
fn a_header_row_is_written_before_the_rows() {
    let columns = json!([
        {"header": "Tarikh", "value": "{{ checkout.completed_at }}"},
        {"header": "=Jumlah", "value": "{{ checkout.total }}"},
    ]);
    let settings = config(json!({"sheet": "Jualan Mac", "header_row": true, "columns": columns}));
    let Ok(Action::Send(requests)) = transform(&example("order.paid"), &settings) else {
        panic!("expected requests");
    };
    assert_eq!(requests.len(), 2);
    let (header, append) = (&requests[0], &requests[1]);
    assert_eq!(header.method, "PUT");
    assert_eq!(
        header.url,
        "https://sheets.googleapis.com/v4/spreadsheets/1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms/values/%27Jualan%20Mac%27!A1?valueInputOption=RAW"
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&header.body).unwrap(),
        json!({"values": [["Tarikh", "=Jumlah"]]})
    );
    assert!(matches!(header.auth, Some(Auth::GoogleServiceAccount(_))));
    assert_eq!(append.method, "POST");
    assert!(
        append
            .url
            .contains("/values/%27Jualan%20Mac%27!A1:append?valueInputOption=USER_ENTERED")
    );
    let rows: Value = serde_json::from_slice(&append.body).unwrap();
    assert_eq!(rows["values"].as_array().unwrap().len(), 1);
    // Without header_row (the default), only the append.
    send(&example("order.paid"), &config(json!({})));
    let no_items = event("order.paid", json!({"checkout": {"id": 1}}));
    let items = config(json!({"row_per": "item", "header_row": true}));
    assert!(matches!(
        transform(&no_items, &items).unwrap(),
        Action::Skip(_)
    ));
}
