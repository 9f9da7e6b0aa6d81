//! How `sub` and `request` print a received message.
//!
//! * default: the nats CLI's form, `[#n] Received on "subject"`, headers,
//!   a blank line, the body;
//! * `--raw`: the body alone, one per line;
//! * `--json`: one JSON object per line, `{subject, reply, headers, data}`,
//!   for scripts (`data_base64` instead of `data` when the body is not
//!   UTF-8; headers map each name to its list of values);
//! * `--pretty`: bodies that are JSON objects or arrays are indented;
//! * `--translate CMD`: each body is piped through a shell command first
//!   (the nats CLI's flag), e.g. `--translate 'jq .'`.
//!
//! Like the nats CLI, bodies are printed as they are unless asked, so what
//! you see is what was sent.

use async_nats::Message;
use base64::Engine as _;
use serde_json::{json, Map, Value};

/// The chosen way of printing messages.
#[derive(Debug, Clone, Default)]
pub struct Show {
    pub raw: bool,
    pub json: bool,
    pub pretty: bool,
    pub headers_only: bool,
    pub translate: Option<String>,
}

impl Show {
    /// The text to print for message number `number`.
    pub async fn render(&self, number: u64, message: &Message) -> anyhow::Result<Vec<u8>> {
        if self.json {
            let mut line = serde_json::to_vec(&json_message(message))?;
            line.push(b'\n');
            return Ok(line);
        }
        let body = self.body(&message.payload).await?;
        if self.raw {
            let mut line = body;
            line.push(b'\n');
            return Ok(line);
        }
        let body = (!self.headers_only).then_some(body.as_slice());
        Ok(describe(number, message, body).into_bytes())
    }

    async fn body(&self, payload: &[u8]) -> anyhow::Result<Vec<u8>> {
        let body = match &self.translate {
            Some(command) => super::run_command(command, payload).await?,
            None => payload.to_vec(),
        };
        Ok(if self.pretty { pretty(body) } else { body })
    }
}

/// The nats CLI's rendering of a received message.
pub fn describe(number: u64, message: &Message, body: Option<&[u8]>) -> String {
    let mut text = format!("[#{number}] Received on {:?}", message.subject.as_str());
    if let Some(reply) = &message.reply {
        text.push_str(&format!(" with reply {:?}", reply.as_str()));
    }
    text.push('\n');
    if let Some(headers) = &message.headers {
        for (name, values) in headers.iter() {
            for value in values {
                text.push_str(&format!("{name}: {}\n", value.as_str()));
            }
        }
        text.push('\n');
    }
    if let Some(body) = body {
        let body = String::from_utf8_lossy(body);
        text.push_str(&body);
        text.push_str(if body.ends_with('\n') { "\n" } else { "\n\n" });
    }
    text
}

/// A message as one JSON object.
pub fn json_message(message: &Message) -> Value {
    let headers = message.headers.as_ref().map(|headers| {
        let mut map = Map::new();
        for (name, values) in headers.iter() {
            let values = values.iter().map(|v| Value::from(v.as_str())).collect();
            map.insert(name.to_string(), Value::Array(values));
        }
        Value::Object(map)
    });
    let mut object = json!({
        "subject": message.subject.as_str(),
        "reply": message.reply.as_ref().map(|r| r.as_str()),
        "headers": headers,
    });
    match std::str::from_utf8(&message.payload) {
        Ok(text) => object["data"] = Value::from(text),
        Err(_) => {
            object["data_base64"] =
                Value::from(base64::engine::general_purpose::STANDARD.encode(&message.payload))
        }
    }
    object
}

/// Indents a JSON object or array; anything else is returned unchanged.
pub fn pretty(body: Vec<u8>) -> Vec<u8> {
    match serde_json::from_slice::<Value>(&body) {
        Ok(value @ (Value::Object(_) | Value::Array(_))) => {
            serde_json::to_vec_pretty(&value).unwrap_or(body)
        }
        _ => body,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pretty_only_touches_json_documents() {
        assert_eq!(pretty(b"plain".to_vec()), b"plain");
        assert_eq!(pretty(b"42".to_vec()), b"42");
        assert_eq!(
            String::from_utf8(pretty(br#"{"a":1}"#.to_vec())).unwrap(),
            "{\n  \"a\": 1\n}"
        );
    }
}
