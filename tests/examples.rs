//! The example transformers of `examples/`, each built from source with its one
//! documented command (`./build.sh`), uploaded for a shop, named by a webhook, and
//! fed an event; the local receiver must get the Discord-style message. The same
//! job in Rust, JavaScript and Python, so all three must send the same body.

use std::path::PathBuf;
use std::process::Command;

use reqwest::StatusCode;
use serde_json::json;

use crate::common;
use crate::server::{ApiCalls as _, Kait, Receiver, event};

const CONTENT: &str = "**order.paid** · order 1262140\n\
• 2 × Tudung Bawal Cotton Voile Mirfaith (Dusty Pink): MYR 59.80\n\
• 1 × Tudung Bawal Cotton Voile Mirfaith (Navy Blue): MYR 29.90\n\
• 1 × Jubah Aleesya Ironless (M / Maroon): MYR 89.00\n\
• 2 × Inner Tudung Ninja Lycra (2 Unit/ Hitam): MYR 25.00\n\
Total: MYR 203.70";

/// Runs the example's `build.sh` and returns the component it wrote.
fn build(example: &str) -> Vec<u8> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(example);
    let status = Command::new("bash")
        .arg(dir.join("build.sh"))
        .status()
        .expect("run build.sh");
    assert!(status.success(), "{example}/build.sh failed: {status}");
    std::fs::read(dir.join("transformer.wasm")).expect("build.sh wrote transformer.wasm")
}

async fn delivers_the_message(example: &str) {
    let bytes = build(example);
    // Every sample fits well within the default instruction budget.
    let runtime = common::runtime();
    let plugin = runtime.load(&bytes).expect("the example loads");
    let config = r#"{"url":"https://example.com/hook"}"#;
    common::fuel_on_every_sample(&runtime, &plugin, config);
    let kait = Kait::start(&[("KAIT_PLUGIN_DEADLINE", "5s")]);
    let mut receiver = Receiver::start().await;
    let key = kait.shop("acme", "premium").await;
    let (status, uploaded) = kait.upload("acme", &key, "discord", bytes).await;
    assert_eq!(status, StatusCode::CREATED, "{uploaded}");
    assert_eq!(uploaded["info"]["name"], "discord");
    let url = format!("{}/discord", receiver.url);
    kait.webhook(
        "acme",
        &key,
        json!({"name": "discord", "plugin": "discord@latest", "config": {"url": url}}),
    )
    .await;

    let (status, accepted) = kait
        .event("acme", &key, &event("order.paid", "acme", "evt-example"))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{accepted}");
    let got = receiver.next().await;
    assert_eq!(got.path, "/discord");
    assert_eq!(got.header("content-type"), "application/json");
    assert_eq!(got.json(), json!({"username": "Kait", "content": CONTENT}));

    let id = accepted["deliveries"][0]["id"].as_str().unwrap();
    let delivery = kait
        .delivery_until("acme", &key, id, |d| d["status"] == "succeeded")
        .await;
    let attempt = &delivery["attempt_log"][0];
    assert_eq!(
        attempt["plugin"],
        format!("discord@{}", uploaded["version"].as_str().unwrap())
    );
    assert_eq!(
        attempt["logs"][0]["message"],
        "formatted 4 items for order.paid"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_example() {
    delivers_the_message("rust-transformer").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn javascript_example() {
    delivers_the_message("js-transformer").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_example() {
    delivers_the_message("python-transformer").await;
}
