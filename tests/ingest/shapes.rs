//! Shapes: JSON nested 10,000 deep, events shaped as arrays, and the
//! connection after a 413.

use super::*;

/// `[[[…]]]` or `{"a":{"a":…}}`, `depth` levels deep.
fn nested(depth: usize, object: bool) -> String {
    if object {
        format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth))
    } else {
        format!("{}{}", "[".repeat(depth), "]".repeat(depth))
    }
}

#[test]
fn json_nested_10000_deep_is_refused_and_the_server_lives() {
    let target = Target::start();
    let mut wrong = Vec::new();
    for object in [false, true] {
        let deep = nested(10_000, object);
        // As the whole body, and inside data.checkout (which stays an object).
        let mut sent = event("order.paid", SHOP, &format!("evt-deep-{object}"));
        sent["data"]["checkout"]["items"] = "@@".into();
        let inside = sent.to_string().replace(r#""@@""#, &deep);
        for (place, body) in [("the body", deep), ("data.checkout.items", inside)] {
            let answer = target.post(body.into_bytes()).unwrap();
            if !(400..500).contains(&answer.status) {
                wrong.push(format!(
                    "10,000 levels of {} as {place}: {} {}",
                    if object { "objects" } else { "arrays" },
                    answer.status,
                    answer.body
                ));
            }
            // Whatever was accepted has been attempted once before we go on.
            for delivery in answer.body["deliveries"].as_array().into_iter().flatten() {
                let id = delivery["id"].as_str().unwrap();
                let (kait, key) = (&target.kait, &target.key);
                target
                    .rt
                    .block_on(kait.delivery_until(SHOP, key, id, |d| d["attempts"] != 0));
            }
        }
    }
    target.finish();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn events_in_the_shape_of_an_array_are_refused() {
    let target = Target::start();
    let mut wrong = Vec::new();
    let mut data_list = event("order.paid", SHOP, "evt-data-list");
    data_list["data"] = json!([data_list["data"]["checkout"]]);
    for body in [
        // The envelope's fields in order, as an array.
        json!(["evt-list", "order.paid", SHOP, "2024-03-08T21:14:05+08:00", {"checkout": {}}]),
        // `data` as an array holding the checkout.
        data_list,
    ] {
        let answer = target.post_json(&body).unwrap();
        if !(400..500).contains(&answer.status) {
            let body = body.to_string();
            let body = shortened(&body);
            wrong.push(format!(
                "{body}\n  was answered {} {}",
                answer.status, answer.body
            ));
        }
    }
    target.finish();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// One HTTP/1.1 request on `stream`: the status and the headers of the answer,
/// or what went wrong.
fn exchange(stream: &mut TcpStream, key: &str, body: &[u8]) -> Result<(u16, String), String> {
    let head = format!(
        "POST /v1/shops/{SHOP}/events HTTP/1.1\r\nhost: kait\r\nauthorization: Bearer {key}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let sent = stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(body));
    sent.map_err(|e| format!("sending: {e}"))?;
    let mut got = Vec::new();
    let mut buffer = [0; 4096];
    let end = loop {
        if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        match stream.read(&mut buffer) {
            Ok(0) => return Err("the server closed the connection".into()),
            Ok(n) => got.extend_from_slice(&buffer[..n]),
            Err(e) => return Err(format!("reading: {e}")),
        }
    };
    let head = String::from_utf8_lossy(&got[..end]).to_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    let mut rest = got.len() - end - 4;
    while rest < length {
        rest += stream.read(&mut buffer).map_err(|e| e.to_string())?;
    }
    Ok((head[9..12].parse().unwrap(), head))
}

/// A server that answers before reading the whole body must either read the
/// rest or say `connection: close`; otherwise the client's next request on the
/// same keep-alive connection (a POST, which it cannot safely repeat) is lost.
#[test]
fn a_413_leaves_its_connection_usable_or_closes_it_openly() {
    let target = Target::start();
    let address = target.kait.base.trim_start_matches("http://");
    let mut huge = event("order.paid", SHOP, "evt-huge");
    huge["data"]["checkout"]["note"] = "x".repeat(LIMIT + 300 * 1024).into();
    let huge = huge.to_string().into_bytes();
    let mut lost = Vec::new();
    for n in 0..5 {
        let mut stream = TcpStream::connect(address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let (status, head) = exchange(&mut stream, &target.key, &huge).unwrap();
        assert_eq!(status, 413, "{head}");
        if head.contains("connection: close") {
            continue;
        }
        std::thread::sleep(Duration::from_millis(20));
        let small = event("order.paid", SHOP, &format!("evt-after-413-{n}"));
        match exchange(&mut stream, &target.key, small.to_string().as_bytes()) {
            Ok((status, head)) => {
                assert_eq!(status, 202, "{head}");
                let mut tally = target.tally.lock().unwrap();
                tally.events += 1;
                tally.deliveries += 1;
            }
            Err(error) => lost.push(format!("round {n}: {error}")),
        }
    }
    target.finish();
    assert!(
        lost.is_empty(),
        "a 413 without `connection: close`, then the connection closed under the next request:\n{}",
        lost.join("\n")
    );
}
