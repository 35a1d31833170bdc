//! The admin key: generated and shown once at first start, never again; and
//! `kait admin-key reset` beside a running server: a new key that works, the old
//! one refused within a second, nothing else changed. A key from the settings
//! cannot be reset (the store's would not be used).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::server::{Place, test_settings};

/// A `kait serve`, stopped (SIGKILL) when dropped.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `kait serve` on `place` with no admin key in the settings; its stdout lines
/// up to the address line, and the address.
fn serve(place: &Place) -> (Running, Vec<String>, String) {
    let mut child = Running(
        Command::new(env!("CARGO_BIN_EXE_kait"))
            .arg("serve")
            .envs(
                test_settings(place)
                    .into_iter()
                    .filter(|(k, _)| *k != "KAIT_ADMIN_KEY"),
            )
            .env("KAIT_PROFILE", place_profile(place))
            .stdout(Stdio::piped())
            .spawn()
            .expect("start kait serve"),
    );
    let mut lines = Vec::new();
    let mut stdout = BufReader::new(child.0.stdout.take().unwrap()).lines();
    loop {
        let line = stdout
            .next()
            .expect("kait serve printed its address")
            .unwrap();
        if let Some(rest) = line.strip_prefix("kait listening on ") {
            let base = rest.split_whitespace().next().unwrap().to_string();
            std::thread::spawn(move || stdout.for_each(drop));
            return (child, lines, base);
        }
        lines.push(line);
    }
}

fn place_profile(place: &Place) -> String {
    format!("{}.profile.toml", place.data())
}

fn reset(place: &Place, extra: &[(&str, &str)]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_kait"))
        .args(["admin-key", "reset"])
        .envs(
            test_settings(place)
                .into_iter()
                .filter(|(k, _)| *k != "KAIT_ADMIN_KEY"),
        )
        .env("KAIT_PROFILE", place_profile(place))
        .envs(extra.iter().copied())
        .output()
        .expect("kait admin-key reset runs")
}

async fn status(base: &str, key: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{base}/v1/shops"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn shown_key(lines: &[String]) -> Option<String> {
    lines
        .iter()
        .find_map(|l| l.strip_prefix("admin key (shown once; keep it, only its hash is stored): "))
        .map(str::to_string)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_replaces_the_admin_key_of_a_running_server() {
    let place = Place::new();
    let (first, lines, base) = serve(&place);
    let old = shown_key(&lines).expect("the first start shows the admin key");
    assert!(old.starts_with("kait_admin_"), "{old}");
    assert_eq!(status(&base, &old).await, 200);
    drop(first);

    let (_server, lines, base) = serve(&place);
    assert_eq!(shown_key(&lines), None, "a restart shows no key: {lines:?}");
    assert_eq!(status(&base, &old).await, 200, "the kept key still works");

    let first_profile = std::fs::read_to_string(place_profile(&place)).unwrap();
    let url_line = |text: &str| {
        text.lines()
            .find(|l| l.starts_with("url"))
            .map(str::to_string)
    };
    let out = reset(&place, &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let new = String::from_utf8(out.stdout).unwrap().trim().to_string();
    assert!(new.starts_with("kait_admin_") && new != old, "{new}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no longer works"));
    // The profile written at first start now holds the new key, for the same server.
    let profile = std::fs::read_to_string(place_profile(&place)).unwrap();
    assert!(
        profile.contains(&new) && !profile.contains(&old),
        "{profile}"
    );
    // (The settings listen on port 0: the profile keeps the server it named.)
    assert_eq!(url_line(&profile), url_line(&first_profile));

    // The running server follows without a restart: the old key is refused
    // once its cached hash (one second) is stale, the new one is accepted.
    let waited = Instant::now();
    while status(&base, &old).await != 401 {
        assert!(
            waited.elapsed() < Duration::from_secs(10),
            "the old key still works"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status(&base, &new).await, 200);
    assert_eq!(status(&base, "kait_admin_guess").await, 401);
}

#[test]
fn a_key_from_the_settings_cannot_be_reset() {
    let place = Place::new();
    let out = reset(
        &place,
        &[("KAIT_ADMIN_KEY", "configured-admin-key-0123456789")],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("comes from the settings"), "{stderr}");
    assert!(out.stdout.is_empty(), "no key printed");
}
