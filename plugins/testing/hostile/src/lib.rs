//! A misbehaving guest for the runtime's containment tests. The configuration's
//! `mode` picks the misbehaviour; each mode reports what happened as a `skip`
//! reason when it survives, so the host can assert on it. `request` and `fan-out`
//! ask for the request(s) the configuration spells out instead.

use kait_pdk::{Action, Event, Guest, OutgoingRequest, PluginError, PluginInfo};

struct Hostile;

fn mode(config: &str) -> String {
    config
        .split("\"mode\"")
        .nth(1)
        .and_then(|rest| rest.split('"').nth(1))
        .unwrap_or("ok")
        .to_string()
}

/// Recursion whose frames live on the wasm stack only (no address-taken locals),
/// so it overflows the engine's stack rather than Rust's shadow stack.
#[inline(never)]
fn recurse(n: u64) -> u64 {
    if n == 0 {
        return 1;
    }
    recurse(n - 1).rotate_left(5) ^ n
}

/// Recursion with large address-taken frames: these live on Rust's shadow stack
/// in linear memory, which runs out before the engine's stack does.
#[inline(never)]
#[allow(unconditional_recursion)]
fn recurse_big_frames(depth: u64, sink: &mut [u64; 64]) -> u64 {
    let mut local = [depth; 64];
    local[(depth % 64) as usize] ^= sink[(depth % 64) as usize];
    std::hint::black_box(&mut local);
    recurse_big_frames(depth + 1, &mut local) + local[0]
}

/// The request the configuration spells out under `request` (`method`, `url`,
/// `headers` as pairs, `body` as text, `body_bytes` for a body of that many bytes),
/// so host tests can make a plugin ask for anything at all.
fn request_from(config: &str) -> OutgoingRequest {
    let config: serde_json::Value = serde_json::from_str(config).unwrap_or_default();
    request_spelled(&config["request"])
}

/// The requests the configuration spells out under `requests`, each as under
/// `request`: a fan-out.
fn requests_from(config: &str) -> Vec<OutgoingRequest> {
    let config: serde_json::Value = serde_json::from_str(config).unwrap_or_default();
    let specs = config["requests"].as_array().cloned().unwrap_or_default();
    specs.iter().map(request_spelled).collect()
}

fn request_spelled(spec: &serde_json::Value) -> OutgoingRequest {
    let text = |key: &str, default: &str| spec[key].as_str().unwrap_or(default).to_string();
    let headers = spec["headers"]
        .as_array()
        .map(|pairs| {
            pairs
                .iter()
                .map(|pair| {
                    (
                        pair[0].as_str().unwrap_or_default().into(),
                        pair[1].as_str().unwrap_or_default().into(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let body = match spec["body_bytes"].as_u64() {
        Some(n) => vec![b'x'; n as usize],
        None => text("body", "{}").into_bytes(),
    };
    OutgoingRequest {
        method: text("method", "POST"),
        url: text("url", "https://example.com/"),
        headers,
        body,
        auth: None,
    }
}

impl Guest for Hostile {
    fn info() -> PluginInfo {
        PluginInfo {
            name: "hostile".into(),
            version: "0.0.0".into(),
            description: "misbehaves on purpose".into(),
            config_schema: r#"{"type":"object"}"#.into(),
        }
    }

    fn validate_config(_config: String) -> Result<(), PluginError> {
        Ok(())
    }

    fn transform(_event: Event, config: String) -> Result<Action, PluginError> {
        let report = match mode(&config).as_str() {
            "loop" => loop {
                std::hint::black_box(());
            },
            "memory" => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(vec![1u8; 1 << 20]);
                    std::hint::black_box(&hoard);
                }
            }
            "recursion" => format!("{}", recurse(std::hint::black_box(u64::MAX))),
            "big-frames" => format!("{}", recurse_big_frames(0, &mut [0; 64])),
            "stdout" => {
                let line = "x".repeat(1023);
                for _ in 0..1_000_000 {
                    println!("{line}");
                }
                "printed".to_string()
            }
            "file" => match std::fs::read_to_string("/etc/passwd") {
                Ok(text) => format!("file: read {} bytes", text.len()),
                Err(error) => format!("file: denied: {error}"),
            },
            "socket" => match std::net::TcpStream::connect("1.1.1.1:80") {
                Ok(_) => "socket: connected".to_string(),
                Err(error) => format!("socket: denied: {error}"),
            },
            "env" => format!(
                "env: {} variables, {} arguments",
                std::env::vars().count(),
                std::env::args().count()
            ),
            "panic" => panic!("hostile guest panicked on purpose"),
            "throw" => {
                // What a JavaScript or Python component does on an uncaught
                // exception: print it, then trap without a Rust panic message.
                eprintln!("Error: the order has no items\n    at transform (app.js:12:9)");
                std::process::abort()
            }
            "logs" => {
                for i in 0..1_000 {
                    kait_pdk::log::info(&format!("line {i}"));
                }
                "logged".to_string()
            }
            "requests" => {
                let request = OutgoingRequest {
                    method: "POST".into(),
                    url: "https://example.com/".into(),
                    headers: vec![],
                    body: vec![],
                    auth: None,
                };
                return Ok(Action::Send(vec![request; 10_000]));
            }
            "request" => return Ok(Action::Send(vec![request_from(&config)])),
            "fan-out" => return Ok(Action::Send(requests_from(&config))),
            "log" => {
                // Logs whatever the configuration says (hostile text for the page).
                let spec: serde_json::Value = serde_json::from_str(&config).unwrap_or_default();
                kait_pdk::log::info(spec["message"].as_str().unwrap_or(""));
                "logged".to_string()
            }
            _ => "ok".to_string(),
        };
        Ok(Action::Skip(report))
    }
}

kait_pdk::export_transformer!(Hostile);
