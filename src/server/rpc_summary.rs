//! What a `/mcp` request body asks for, as far as the gate cares: the JSON-RPC method(s) for the
//! log and the call record, and the tools called, for the scope check.
//!
//! It owns only that reading. It reads the body once, without building it as a JSON tree: only
//! `method` and `params.name` are kept, everything else is skipped as it is parsed. It must find
//! every tool call rmcp would run: whatever rmcp parses, this parses too, with JSON's rule that a
//! repeated key's last value counts (serde_json's, which rmcp reads with). Anything that is not
//! an object where a message or `params` should be, or not a string where a name should be, is
//! passed over exactly as a JSON tree's `get` would pass it over.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::verifier::printable;

/// What the request asks rmcp to do.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct RpcSummary {
    /// `tools/list`, `tools/call`, … (several for a batch, comma separated), control characters
    /// removed.
    pub method: Option<String>,
    /// The tools called, as sent (the scope check compares them exactly).
    pub tools: Vec<String>,
}

impl RpcSummary {
    pub fn read(body: &[u8]) -> Self {
        let mut summary = RpcSummary::default();
        let mut methods = Vec::new();
        let collect = |message: Message, methods: &mut Vec<String>, tools: &mut Vec<String>| {
            let Some(method) = message.method else {
                return;
            };
            if method == "tools/call"
                && let Some(name) = message.tool
            {
                tools.push(name);
            }
            methods.push(printable(&method, 64));
        };
        match serde_json::from_slice::<Body>(body) {
            Ok(Body(messages)) => {
                for message in messages {
                    collect(message, &mut methods, &mut summary.tools);
                }
            }
            Err(_) => return Self::default(),
        }
        summary.method = (!methods.is_empty()).then(|| methods.join(","));
        summary
    }
}

/// One message or a batch, as the messages in it.
struct Body(Vec<Message>);

/// The two fields of a JSON-RPC message the gate reads.
#[derive(Default)]
struct Message {
    method: Option<String>,
    /// `params.name`.
    tool: Option<String>,
}

impl<'de> Deserialize<'de> for Body {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct BodyVisitor;
        impl<'de> Visitor<'de> for BodyVisitor {
            type Value = Body;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON-RPC message or batch")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Body, A::Error> {
                let mut messages = Vec::new();
                while let Some(message) = seq.next_element::<Message>()? {
                    messages.push(message);
                }
                Ok(Body(messages))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Body, A::Error> {
                Ok(Body(vec![MessageVisitor.visit_map(map)?]))
            }
            // A scalar is no message: nothing to read.
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Body, E> {
                Ok(Body(vec![]))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Body, E> {
                Ok(Body(vec![]))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Body, E> {
                Ok(Body(vec![]))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Body, E> {
                Ok(Body(vec![]))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Body, E> {
                Ok(Body(vec![]))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Body, E> {
                Ok(Body(vec![]))
            }
        }
        deserializer.deserialize_any(BodyVisitor)
    }
}

/// Which key of a message (or of its `params`) this is, read without allocating.
enum Key {
    Method,
    Params,
    Name,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
                Ok(match key {
                    "method" => Key::Method,
                    "params" => Key::Params,
                    "name" => Key::Name,
                    _ => Key::Other,
                })
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// A value read as a string if it is one; any other value is skipped and read as `None`.
struct MaybeString(Option<String>);

/// A value read as `params`: its `name` if it is an object with a string `name`.
struct Params(Option<String>);

/// Implements `visit_*` for every value that is not the one a visitor wants: skipped, `$none`.
macro_rules! anything_else_is {
    ($none:expr) => {
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($none)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            while seq.next_element::<IgnoredAny>()?.is_some() {}
            Ok($none)
        }
    };
}

struct MessageVisitor;

impl<'de> Visitor<'de> for MessageVisitor {
    type Value = Message;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON-RPC message")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Message, A::Error> {
        let mut message = Message::default();
        while let Some(key) = map.next_key::<Key>()? {
            // A repeated key: its last value counts, as in a JSON tree.
            match key {
                Key::Method => message.method = map.next_value::<MaybeString>()?.0,
                Key::Params => message.tool = map.next_value::<Params>()?.0,
                Key::Name | Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(message)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Message, E> {
        Ok(Message::default())
    }
    anything_else_is!(Message::default());
}

impl<'de> Deserialize<'de> for Message {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(MessageVisitor)
    }
}

impl<'de> Deserialize<'de> for MaybeString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StringVisitor;
        impl<'de> Visitor<'de> for StringVisitor {
            type Value = MaybeString;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_str<E: de::Error>(self, text: &str) -> Result<MaybeString, E> {
                Ok(MaybeString(Some(text.to_owned())))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MaybeString, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(MaybeString(None))
            }
            anything_else_is!(MaybeString(None));
        }
        deserializer.deserialize_any(StringVisitor)
    }
}

impl<'de> Deserialize<'de> for Params {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ParamsVisitor;
        impl<'de> Visitor<'de> for ParamsVisitor {
            type Value = Params;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Params, A::Error> {
                let mut name = None;
                while let Some(key) = map.next_key::<Key>()? {
                    match key {
                        Key::Name => name = map.next_value::<MaybeString>()?.0,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(Params(name))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Params, E> {
                Ok(Params(None))
            }
            anything_else_is!(Params(None));
        }
        deserializer.deserialize_any(ParamsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;

    /// The reading this one replaced: the whole body as a JSON tree. Kept as the oracle.
    fn as_tree(body: &[u8]) -> RpcSummary {
        let Ok(value) = serde_json::from_slice::<Value>(body) else {
            return RpcSummary::default();
        };
        let messages = match value {
            Value::Array(batch) => batch,
            one => vec![one],
        };
        let mut methods = Vec::new();
        let mut tools = Vec::new();
        for message in &messages {
            let Some(method) = message.get("method").and_then(Value::as_str) else {
                continue;
            };
            methods.push(printable(method, 64));
            if method == "tools/call"
                && let Some(name) = message.pointer("/params/name").and_then(Value::as_str)
            {
                tools.push(name.to_owned());
            }
        }
        RpcSummary {
            method: (!methods.is_empty()).then(|| methods.join(",")),
            tools,
        }
    }

    #[test]
    fn tool_calls_are_found_in_single_and_batched_messages() {
        let one = RpcSummary::read(
            br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"get_name"}}"#,
        );
        assert_eq!(one.tools, ["get_name"]);
        let batch = RpcSummary::read(
            br#"[{"method":"tools/list","id":1},{"method":"tools/call","id":2,"params":{"name":"whoami"}}]"#,
        );
        assert_eq!(batch.method.as_deref(), Some("tools/list,tools/call"));
        assert_eq!(batch.tools, ["whoami"]);
    }

    #[test]
    fn odd_bodies_are_read_as_a_json_tree_reads_them() {
        for body in [
            r#"{"method":"tools/call","params":{"name":"a"},"method":"tools/call","params":{"x":1}}"#,
            r#"{"method":"tools/call","params":{"name":"a","name":5}}"#,
            r#"{"method":"tools/call","params":{"name":5,"name":"b"}}"#,
            r#"{"method":5,"params":{"name":"a"}}"#,
            r#"{"method":"tools/call","params":["name","a"]}"#,
            r#"{"method":"tools/call","params":"a"}"#,
            r#"{"meth\u006fd":"tools/call","params":{"n\u0061me":"get_\u006eame"}}"#,
            r#"[1,"x",null,[{"method":"tools/call"}],{"method":"tools/call","params":{"name":"a"}}]"#,
            r#"{"method":"tools/call","params":{"name":"a"}} trailing"#,
            r#"{"method":"tools/call\u0000\n","params":{"name":"a"}}"#,
            r#"{"method":{"a":1},"params":null}"#,
            r#""tools/call""#,
            "[]",
            "{}",
            "",
            "5",
        ] {
            assert_eq!(
                RpcSummary::read(body.as_bytes()),
                as_tree(body.as_bytes()),
                "{body}"
            );
        }
    }

    /// JSON values biased towards what the gate looks for: messages, batches, repeated keys.
    fn json_text() -> impl Strategy<Value = String> {
        let name = prop_oneof![
            Just("\"get_name\"".to_owned()),
            Just("\"whoami\"".to_owned()),
            Just("5".to_owned()),
            Just("null".to_owned()),
            Just("{\"name\":\"x\"}".to_owned()),
            "\"[a-z_\\\\]{0,8}\"".prop_map(|s| s),
        ];
        let method = prop_oneof![
            Just("\"tools/call\"".to_owned()),
            Just("\"tools/list\"".to_owned()),
            Just("\"initialize\"".to_owned()),
            Just("[]".to_owned()),
            Just("7".to_owned()),
            "\"[a-z/]{0,10}\"".prop_map(|s| s),
        ];
        let params = prop_oneof![
            prop::collection::vec(
                (
                    prop_oneof![Just("name"), Just("arguments"), Just("_meta")],
                    name
                ),
                0..4
            )
            .prop_map(|fields| {
                let inner: Vec<String> = fields
                    .into_iter()
                    .map(|(k, v)| format!("\"{k}\":{v}"))
                    .collect();
                format!("{{{}}}", inner.join(","))
            }),
            Just("[]".to_owned()),
            Just("\"name\"".to_owned()),
            Just("null".to_owned()),
        ];
        let field = prop_oneof![
            method.prop_map(|m| format!("\"method\":{m}")),
            params.prop_map(|p| format!("\"params\":{p}")),
            Just("\"id\":1".to_owned()),
            Just("\"jsonrpc\":\"2.0\"".to_owned()),
        ];
        let message = prop_oneof![
            4 => prop::collection::vec(field, 0..5)
                .prop_map(|fields| format!("{{{}}}", fields.join(","))),
            1 => Just("1".to_owned()),
            1 => Just("\"x\"".to_owned()),
        ];
        prop_oneof![
            message.clone(),
            prop::collection::vec(message, 0..4).prop_map(|m| format!("[{}]", m.join(","))),
            // Broken JSON now and then.
            "[\\[\\]{}\",:a-z0-9 ]{0,30}".prop_map(|s| s),
        ]
    }

    proptest! {
        #[test]
        fn it_reads_every_body_as_a_json_tree_does(body in json_text()) {
            prop_assert_eq!(RpcSummary::read(body.as_bytes()), as_tree(body.as_bytes()));
        }
    }
}
