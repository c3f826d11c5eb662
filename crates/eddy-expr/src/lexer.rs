//! Tokens of DynamoDB's expression language.
//!
//! The lexer never fails: a character that starts no token becomes a one-character
//! [`Tok::Unknown`], which the parser then reports as a syntax error at that token, the
//! way DynamoDB does (`Syntax error; token: "$", near: "a $ b"`).
//!
//! Token rules, as observed on DynamoDB:
//! - names: `[A-Za-z][A-Za-z0-9_]*`; the keywords `AND OR NOT BETWEEN IN SET REMOVE ADD
//!   DELETE` are recognised case-insensitively and are never names;
//! - placeholders: `#` or `:` followed by `[A-Za-z0-9_]+` (a lone `#`/`:` is unknown);
//! - list indexes: `0` alone, or `[1-9][0-9]*` (so `01` is two tokens);
//! - punctuation: `= <> < <= > >= ( ) [ ] , . + -`;
//! - whitespace: space, tab, line feed and carriage return only.

/// Keywords of the condition and update grammars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kw {
    And,
    Or,
    Not,
    Between,
    In,
    Set,
    Remove,
    Add,
    Delete,
}

/// A token kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    /// An attribute or function name.
    Ident,
    /// `#name`.
    NamePh,
    /// `:value`.
    ValuePh,
    /// Digits (a list index).
    Number,
    Kw(Kw),
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    LParen,
    RParen,
    LBracket,
    RBracket,
    Comma,
    Dot,
    Plus,
    Minus,
    /// Any other character.
    Unknown,
    /// End of input.
    Eof,
}

/// A token with its byte span in the source text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: Tok,
    pub start: usize,
    pub end: usize,
}

fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn keyword(word: &str) -> Option<Kw> {
    const KEYWORDS: [(&str, Kw); 9] = [
        ("AND", Kw::And),
        ("OR", Kw::Or),
        ("NOT", Kw::Not),
        ("BETWEEN", Kw::Between),
        ("IN", Kw::In),
        ("SET", Kw::Set),
        ("REMOVE", Kw::Remove),
        ("ADD", Kw::Add),
        ("DELETE", Kw::Delete),
    ];
    KEYWORDS
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(word))
        .map(|(_, kw)| *kw)
}

/// End (byte offset) of the run of characters matching `pred` starting at `from`.
fn scan(text: &str, from: usize, pred: fn(char) -> bool) -> usize {
    let rest = text.get(from..).unwrap_or_default();
    from + rest.find(|c| !pred(c)).unwrap_or(rest.len())
}

/// Splits `text` into tokens; the last token is always [`Tok::Eof`].
pub(crate) fn tokenize(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut pos = 0;
    while let Some(c) = text.get(pos..).and_then(|rest| rest.chars().next()) {
        let start = pos;
        if is_space(c) {
            pos += c.len_utf8();
            continue;
        }
        let next = text.get(start + 1..).and_then(|rest| rest.chars().next());
        let (kind, end) = match c {
            'a'..='z' | 'A'..='Z' => {
                let end = scan(text, start + 1, is_word);
                let word = text.get(start..end).unwrap_or_default();
                (keyword(word).map_or(Tok::Ident, Tok::Kw), end)
            }
            '0' => (Tok::Number, start + 1),
            '1'..='9' => (Tok::Number, scan(text, start + 1, |d| d.is_ascii_digit())),
            '#' | ':' if next.is_some_and(is_word) => {
                let end = scan(text, start + 1, is_word);
                (if c == '#' { Tok::NamePh } else { Tok::ValuePh }, end)
            }
            '<' if next == Some('>') => (Tok::Ne, start + 2),
            '<' if next == Some('=') => (Tok::Le, start + 2),
            '<' => (Tok::Lt, start + 1),
            '>' if next == Some('=') => (Tok::Ge, start + 2),
            '>' => (Tok::Gt, start + 1),
            '=' => (Tok::Eq, start + 1),
            '(' => (Tok::LParen, start + 1),
            ')' => (Tok::RParen, start + 1),
            '[' => (Tok::LBracket, start + 1),
            ']' => (Tok::RBracket, start + 1),
            ',' => (Tok::Comma, start + 1),
            '.' => (Tok::Dot, start + 1),
            '+' => (Tok::Plus, start + 1),
            '-' => (Tok::Minus, start + 1),
            other => (Tok::Unknown, start + other.len_utf8()),
        };
        out.push(Token { kind, start, end });
        pos = end;
    }
    out.push(Token {
        kind: Tok::Eof,
        start: text.len(),
        end: text.len(),
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(Tok, &str)> {
        tokenize(text)
            .into_iter()
            .map(|t| (t.kind, &text[t.start..t.end]))
            .collect()
    }

    #[test]
    fn splits_like_dynamodb() {
        use Tok::*;
        assert_eq!(
            kinds("a.b[10] <>:v_1 AND #n"),
            vec![
                (Ident, "a"),
                (Dot, "."),
                (Ident, "b"),
                (LBracket, "["),
                (Number, "10"),
                (RBracket, "]"),
                (Ne, "<>"),
                (ValuePh, ":v_1"),
                (Kw(self::Kw::And), "AND"),
                (NamePh, "#n"),
                (Eof, ""),
            ]
        );
        assert_eq!(
            kinds("01 _a é #"),
            vec![
                (Number, "0"),
                (Number, "1"),
                (Unknown, "_"),
                (Ident, "a"),
                (Unknown, "é"),
                (Unknown, "#"),
                (Eof, ""),
            ]
        );
        assert_eq!(kinds("< = >= =<")[..4].len(), 4);
        assert_eq!(kinds("\u{b}")[0].0, Unknown);
        assert_eq!(kinds("set")[0].0, Kw(self::Kw::Set));
        assert_eq!(kinds("a1_b")[0], (Ident, "a1_b"));
    }
}
