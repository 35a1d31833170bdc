//! `kait listen` run by a test: the real binary on a free port, and the lines it
//! prints, read as they come.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running `kait listen` and the lines it prints.
pub struct Listener {
    child: Child,
    lines: mpsc::Receiver<String>,
    /// Where it receives.
    pub url: String,
}

impl Listener {
    /// Starts `kait listen --port 0` with `args`.
    pub fn start(args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_kait"))
            .args(["listen", "--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("kait listen runs");
        let (send, lines) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let first = lines.recv_timeout(Duration::from_secs(30)).unwrap();
        let url = first
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {first:?}"))
            .to_string();
        Self { child, lines, url }
    }

    /// Lines up to and including the first that starts with `end`.
    pub fn until(&self, end: &str) -> Vec<String> {
        let mut seen = Vec::new();
        loop {
            let line = self
                .lines
                .recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("no {end:?} after {seen:#?}"));
            let done = line.starts_with(end);
            seen.push(line);
            if done {
                return seen;
            }
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
