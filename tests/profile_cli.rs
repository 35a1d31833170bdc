//! The profile `kait serve` writes at its first start (the one that makes the
//! admin key), read by later commands with no `KAIT_URL` or `KAIT_KEY`.

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use crate::manage_cli::{after, fails, kait, ok};
use crate::server::{Place, test_settings};

/// A `kait serve` of the test's own, killed when dropped.
struct Serving(Child);

impl Drop for Serving {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `kait serve` on `place` with no admin key configured, the profile at
/// `profile`; returns it with what it printed up to its address.
fn first_start(place: &Place, profile: &Path) -> (Serving, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kait"))
        .arg("serve")
        .envs(
            test_settings(place)
                .into_iter()
                .filter(|(k, _)| *k != "KAIT_ADMIN_KEY"),
        )
        .env_remove("KAIT_ADMIN_KEY")
        .env("KAIT_PROFILE", profile)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start kait serve");
    let stdout = child.stdout.take().unwrap();
    let mut printed = String::new();
    for line in BufReader::new(stdout).lines() {
        let line = line.unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if line.starts_with("kait listening on ") {
            break;
        }
    }
    (Serving(child), printed)
}

#[test]
fn the_first_start_writes_a_profile_that_later_commands_read() {
    let place = Place::new();
    let home = tempfile::tempdir().unwrap();
    let profile = home.path().join("config/kait/profile.toml");
    let (_server, printed) = first_start(&place, &profile);
    let key = after(&printed, "admin key (shown once");
    assert!(key.starts_with("kait_admin_"), "{printed}");
    assert!(
        printed.contains(&format!(
            "profile (url and key, read by kait commands): {}",
            profile.display()
        )),
        "{printed}"
    );
    let base = printed
        .lines()
        .find_map(|l| l.strip_prefix("kait listening on "))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the address is printed");
    let mode = std::fs::metadata(&profile).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "only its owner reads it");
    let written: toml::Table = toml::from_str(&std::fs::read_to_string(&profile).unwrap()).unwrap();
    assert_eq!(written["url"].as_str(), Some(base));
    assert_eq!(written["key"].as_str(), Some(key));

    // No KAIT_URL, no KAIT_KEY: the profile says where and who.
    let from_profile = [("KAIT_PROFILE", profile.to_str().unwrap())];
    assert_eq!(
        ok(kait(&from_profile, &["shops", "create", "acme"])),
        "acme\n"
    );
    assert!(ok(kait(&from_profile, &["shops", "list"])).starts_with("acme\t"));
    // Its key never goes to another address.
    let elsewhere = [
        ("KAIT_PROFILE", profile.to_str().unwrap()),
        ("KAIT_URL", "http://127.0.0.1:9"),
    ];
    let stderr = fails(kait(&elsewhere, &["shops", "list"]));
    assert!(stderr.contains("no key for http://127.0.0.1:9"), "{stderr}");
    // No profile at all: the message says where one would be.
    let stderr = fails(kait(&[], &["shops", "list"]));
    assert!(
        stderr.contains("kait-test-no-profile/profile.toml"),
        "{stderr}"
    );
}
