//! The AWS query protocol's response side: `<XResponse xmlns=...><XResult>...` and the
//! `<ErrorResponse>` envelope.

use crate::error::SnsError;
use std::fmt::Write;

/// The SNS XML namespace.
pub const NS: &str = "http://sns.amazonaws.com/doc/2010-03-31/";

/// Escapes text for element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
    out
}

/// Builds the inside of an `<XResult>` element.
#[derive(Default)]
pub struct Writer {
    buf: String,
}

impl Writer {
    /// An empty writer.
    pub fn new() -> Self {
        Self::default()
    }

    /// `<name>text</name>`.
    pub fn elem(&mut self, name: &str, text: &str) -> &mut Self {
        let _ = write!(self.buf, "<{name}>{}</{name}>", escape(text));
        self
    }

    /// `<name>` (caller closes it).
    pub fn open(&mut self, name: &str) -> &mut Self {
        let _ = write!(self.buf, "<{name}>");
        self
    }

    /// `</name>`.
    pub fn close(&mut self, name: &str) -> &mut Self {
        let _ = write!(self.buf, "</{name}>");
        self
    }

    /// A map rendered as `<name><entry><key>k</key><value>v</value></entry>...</name>`.
    pub fn map<'a>(
        &mut self,
        name: &str,
        entries: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> &mut Self {
        self.open(name);
        for (k, v) in entries {
            self.open("entry")
                .elem("key", k)
                .elem("value", v)
                .close("entry");
        }
        self.close(name)
    }

    /// The accumulated text.
    pub fn finish(self) -> String {
        self.buf
    }
}

/// A complete success response for `action`. `result` is `None` for operations whose
/// response has no result element (e.g. DeleteTopic).
pub fn response(action: &str, result: Option<&str>, request_id: &str) -> String {
    let mut out = String::with_capacity(256 + result.map_or(0, str::len));
    let _ = write!(out, "<{action}Response xmlns=\"{NS}\">");
    if let Some(r) = result {
        let _ = write!(out, "<{action}Result>{r}</{action}Result>");
    }
    let _ = write!(
        out,
        "<ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{action}Response>",
        escape(request_id)
    );
    out
}

/// The error envelope.
pub fn error_body(err: &SnsError, request_id: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"{NS}\"><Error><Type>{}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
        if err.sender { "Sender" } else { "Receiver" },
        err.code,
        escape(&err.message),
        escape(request_id)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_envelopes() {
        let mut w = Writer::new();
        w.elem("TopicArn", "arn:a&b");
        let body = response("CreateTopic", Some(&w.finish()), "rid");
        assert_eq!(
            body,
            "<CreateTopicResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><CreateTopicResult><TopicArn>arn:a&amp;b</TopicArn></CreateTopicResult><ResponseMetadata><RequestId>rid</RequestId></ResponseMetadata></CreateTopicResponse>"
        );
        let e = error_body(&SnsError::not_found("Topic does not exist"), "r");
        assert!(
            e.contains("<Type>Sender</Type><Code>NotFound</Code>"),
            "{e}"
        );
    }
}
