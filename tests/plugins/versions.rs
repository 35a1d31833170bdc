//! Versions: `@latest` and pinned references, rollback, delete refusals, and a
//! restart that compiles nothing already compiled.

use super::*;

#[tokio::test]
async fn webhooks_follow_latest_or_a_pinned_version_and_roll_back() {
    let kait = Kait::start(&[]);
    let receiver = Receiver::start().await;
    let key = kait.shop("acme", "premium").await;
    let (_, v1) = kait
        .upload("acme", &key, "mine", variant(guests::KAIT_HTTP, "1"))
        .await;
    let v1 = v1["version"].as_str().unwrap().to_string();
    let config = json!({"url": format!("{}/hook", receiver.url)});
    let hook = kait
        .webhook(
            "acme",
            &key,
            json!({"name": "n", "plugin": "mine", "config": config}),
        )
        .await;
    assert_eq!(hook["plugin"], "mine@latest", "{hook}");
    assert_eq!(hook["plugin_version"], format!("mine@{v1}"));
    let hook_id = hook["id"].as_str().unwrap().to_string();
    let path = format!("/v1/shops/acme/webhooks/{hook_id}");

    let (_, accepted) = kait
        .event("acme", &key, &event("order.paid", "acme", "e1"))
        .await;
    assert_eq!(
        label(&delivered(&kait, "acme", &key, &accepted).await),
        format!("mine@{v1}")
    );

    // A new upload is the next delivery's version, with no restart.
    let tag = format!("2-{}", std::process::id());
    let (_, v2) = kait
        .upload("acme", &key, "mine", variant(guests::KAIT_HTTP, &tag))
        .await;
    let v2_sha = v2["sha256"].as_str().unwrap().to_string();
    let v2 = v2["version"].as_str().unwrap().to_string();
    let cached = || {
        std::fs::read_dir(cache_dir())
            .unwrap()
            .filter_map(Result::ok)
            .any(|f| f.file_name().to_string_lossy().starts_with(&v2_sha))
    };
    assert!(cached(), "the upload compiled v2 into the disk cache");
    let (_, accepted) = kait
        .event("acme", &key, &event("order.paid", "acme", "e2"))
        .await;
    assert_eq!(
        label(&delivered(&kait, "acme", &key, &accepted).await),
        format!("mine@{v2}")
    );

    // The version in use cannot be deleted; the refusal names the webhook.
    let (status, refused) = delete(&kait, "acme", &key, &v2).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["code"], "plugin_in_use");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains(&hook_id),
        "{refused}"
    );

    // Rollback: pin the earlier version.
    let (status, pinned) = kait
        .patch(&path, &key, json!({"plugin": format!("mine@{v1}")}))
        .await;
    assert_eq!(status, StatusCode::OK, "{pinned}");
    assert_eq!(pinned["plugin_version"], format!("mine@{v1}"));
    let (_, accepted) = kait
        .event("acme", &key, &event("order.paid", "acme", "e3"))
        .await;
    assert_eq!(
        label(&delivered(&kait, "acme", &key, &accepted).await),
        format!("mine@{v1}")
    );

    // Unused now, v2 can go; v1 cannot; an unknown version is refused on save.
    let (status, _) = delete(&kait, "acme", &key, &v2).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(!cached(), "deleting v2 dropped its compiled code");
    let (status, refused) = delete(&kait, "acme", &key, &v1).await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    let (status, refused) = kait
        .patch(&path, &key, json!({"plugin": format!("mine@{v2}")}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(
        refused["error"]["message"].as_str().unwrap().contains(&v1),
        "{refused}"
    );

    // Built-ins are named bare: a pin would break at Kait's next upgrade.
    let (_, http) = kait
        .get("/v1/shops/acme/plugins/http/versions/latest", &key)
        .await;
    let pinned = format!("http@{}", http["version"].as_str().unwrap());
    let (status, refused) = kait.patch(&path, &key, json!({"plugin": pinned})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("without @version")
    );

    // The config is validated against the version named.
    let (status, refused) = kait
        .patch(&path, &key, json!({"config": {"url": "ftp://nope"}}))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(refused["error"]["code"], "invalid_config");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_compiles_nothing_already_compiled() {
    let mut kait = Kait::start(&[]);
    let receiver = Receiver::start().await;
    let key = kait.shop("acme", "premium").await;
    let tag = format!("restart-{}", std::process::id());
    let mut versions = Vec::new();
    for n in 0..3 {
        let bytes = variant(guests::KAIT_HTTP, &format!("{tag}-{n}"));
        let (status, uploaded) = kait.upload("acme", &key, "mine", bytes).await;
        assert_eq!(status, StatusCode::CREATED, "{uploaded}");
        versions.push(uploaded["version"].as_str().unwrap().to_string());
    }
    assert_eq!(
        kait.metric("kait_plugin_loads_total{source=\"compiled\"}")
            .await,
        3.0
    );
    assert!(kait.terminate().success());
    kait.restart();

    let config = json!({"url": format!("{}/r", receiver.url)});
    for version in &versions {
        let plugin = format!("mine@{version}");
        let hook = kait
            .webhook(
                "acme",
                &key,
                json!({"name": "n", "plugin": plugin, "config": config}),
            )
            .await;
        assert_eq!(hook["plugin_version"], plugin);
    }
    let (_, accepted) = kait
        .event("acme", &key, &event("order.paid", "acme", "e1"))
        .await;
    for delivery in accepted["deliveries"].as_array().unwrap() {
        let id = delivery["id"].as_str().unwrap();
        kait.delivery_until("acme", &key, id, |d| d["status"] == "succeeded")
            .await;
    }
    assert_eq!(
        kait.metric("kait_plugin_loads_total{source=\"compiled\"}")
            .await,
        0.0
    );
    assert_eq!(
        kait.metric("kait_plugin_loads_total{source=\"cache\"}")
            .await,
        3.0
    );
}
