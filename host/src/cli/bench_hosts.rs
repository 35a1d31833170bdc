//! What `kait bench --hosts N` measures besides throughput: how long a plugin
//! upload made through one host takes to reach another (its index hears of it
//! over the database's notifications).

use std::time::{Duration, Instant};

use anyhow::Context as _;

use super::bench::Target;

/// Uploads to time.
const UPLOADS: usize = 5;

/// Uploads a new version of plugin `reach` through `from` (each `…/plugins`
/// of a host) and waits until `to` lists it; returns the spread of the waits,
/// counted from the upload's answer.
pub(super) async fn swap_reach(target: &Target, from: &str, to: &str) -> anyhow::Result<String> {
    let http = kait::builtin::get("http").context("the http built-in")?;
    let mut waits = Vec::new();
    for n in 0..UPLOADS {
        let bytes = with_custom_section(http, &format!("reach-{n}-{}", std::process::id()));
        let uploaded = target
            .client
            .post(format!("{from}/reach/versions"))
            .bearer_auth(&target.key)
            .header("content-type", "application/wasm")
            .body(bytes)
            .send()
            .await?;
        anyhow::ensure!(
            uploaded.status().is_success(),
            "upload: {}",
            uploaded.status()
        );
        let version: serde_json::Value = uploaded.json().await?;
        let version = version["version"]
            .as_str()
            .context("no version")?
            .to_string();
        let answered = Instant::now();
        loop {
            let listed = target
                .client
                .get(format!("{to}/reach/versions"))
                .bearer_auth(&target.key)
                .send()
                .await?
                .text()
                .await?;
            if listed.contains(&version) {
                waits.push(answered.elapsed());
                break;
            }
            anyhow::ensure!(
                answered.elapsed() < Duration::from_secs(10),
                "never reached"
            );
            tokio::time::sleep(Duration::from_micros(200)).await;
        }
    }
    waits.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    Ok(format!(
        "median {:.1} ms, max {:.1} ms ({UPLOADS} uploads)",
        ms(waits[UPLOADS / 2]),
        ms(waits[UPLOADS - 1])
    ))
}

/// `component` with a custom section appended: the same code, other bytes, so
/// a new version.
fn with_custom_section(component: &[u8], text: &str) -> Vec<u8> {
    let name = b"kait-bench";
    let mut payload = vec![name.len() as u8];
    payload.extend_from_slice(name);
    payload.extend_from_slice(text.as_bytes());
    let mut bytes = component.to_vec();
    bytes.push(0);
    let mut size = payload.len();
    loop {
        let byte = (size & 0x7f) as u8;
        size >>= 7;
        if size == 0 {
            bytes.push(byte);
            break;
        }
        bytes.push(byte | 0x80);
    }
    bytes.extend(payload);
    bytes
}
