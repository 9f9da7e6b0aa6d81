//! Loading the fixtures captured from nats-server 2.14.0 by `capture.py`.

#![allow(dead_code)]

use std::path::PathBuf;

use serde::Deserialize;

/// One captured request/response exchange.
#[derive(Debug, Deserialize)]
pub struct Fixture {
    #[serde(skip)]
    pub name: String,
    pub subject: String,
    pub request: String,
    pub request_headers: Option<String>,
    pub response: Option<String>,
    pub response_headers: Option<String>,
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every fixture, sorted by name.
pub fn all() -> Vec<Fixture> {
    let mut out = Vec::new();
    let entries = std::fs::read_dir(dir()).expect("fixtures dir");
    for entry in entries {
        let path = entry.expect("dir entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read fixture");
        let mut fx: Fixture = serde_json::from_str(&text).expect("fixture json");
        fx.name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        out.push(fx);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    assert!(out.len() > 100, "fixtures missing");
    out
}

/// One fixture by name.
pub fn get(name: &str) -> Fixture {
    all()
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no fixture {name}"))
}

/// The `type` of a JSON response, if any.
pub fn response_type(fx: &Fixture) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(fx.response.as_deref()?).ok()?;
    v.get("type")?.as_str().map(str::to_string)
}
