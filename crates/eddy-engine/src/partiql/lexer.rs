//! PartiQL tokens with their source positions.
//!
//! DynamoDB reports many PartiQL errors with a position `line:column:length` (1-based,
//! counted in characters, the length being the offending token's), so every token keeps
//! its [`Span`]. Keywords are not distinguished here: the parser compares identifiers
//! case-insensitively where the grammar expects a keyword. `--` line comments and
//! `/* */` block comments are skipped.

use std::fmt;

/// Where a token sits in the statement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Span {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub col: u32,
    /// Length in characters.
    pub len: u32,
}

impl fmt::Display for Span {
    /// DynamoDB's rendering: `line:column:length`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.line, self.col, self.len)
    }
}

/// One token.
#[derive(Debug, Clone, PartialEq)]
pub enum Tok {
    /// An unquoted identifier or keyword, as written.
    Ident(String),
    /// A `"double quoted"` identifier (`""` unescaped).
    Quoted(String),
    /// A `'single quoted'` string literal (`''` unescaped).
    Str(String),
    /// A number literal, as written (`12`, `1.5`, `.5`, `5.`, `1e3`).
    Num(String),
    /// A `` `backtick` `` Ion literal (DynamoDB rejects them); the text inside.
    Ion(String),
    /// Punctuation and operators: `( ) [ ] { } , . : ? * + - / % || = <> != < <= > >= << >> ;`.
    Sym(&'static str),
    /// End of input.
    End,
}

/// Why the text could not be split into tokens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexError;

const SYMBOLS: &[&str] = &[
    "<>", "!=", "<=", ">=", "<<", ">>", "||", "(", ")", "[", "]", "{", "}", ",", ".", ":", "?",
    "*", "+", "-", "/", "%", "=", "<", ">", ";",
];

/// Splits `text` into tokens, ending with [`Tok::End`].
pub fn tokenize(text: &str) -> Result<Vec<(Tok, Span)>, LexError> {
    let chars: Vec<char> = text.chars().collect();
    let mut lx = Lexer {
        chars: &chars,
        pos: 0,
        line: 1,
        col: 1,
    };
    let mut out = Vec::new();
    loop {
        lx.skip_blanks()?;
        let (line, col, start) = (lx.line, lx.col, lx.pos);
        let Some(c) = lx.peek(0) else {
            out.push((Tok::End, Span { line, col, len: 0 }));
            return Ok(out);
        };
        let tok = if c.is_ascii_alphabetic() || c == '_' || c == '$' {
            let s = lx.take_while(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
            Tok::Ident(s)
        } else if c.is_ascii_digit() || (c == '.' && lx.peek(1).is_some_and(|d| d.is_ascii_digit()))
        {
            lx.number()
        } else if c == '\'' || c == '"' || c == '`' {
            let body = lx.quoted(c)?;
            match c {
                '\'' => Tok::Str(body),
                '"' => Tok::Quoted(body),
                _ => Tok::Ion(body),
            }
        } else {
            let sym = SYMBOLS
                .iter()
                .find(|s| s.chars().enumerate().all(|(i, sc)| lx.peek(i) == Some(sc)))
                .ok_or(LexError)?;
            for _ in 0..sym.chars().count() {
                lx.bump();
            }
            Tok::Sym(sym)
        };
        let len = u32::try_from(lx.pos - start).unwrap_or(u32::MAX);
        out.push((tok, Span { line, col, len }));
    }
}

struct Lexer<'a> {
    chars: &'a [char],
    pos: usize,
    line: u32,
    col: u32,
}

impl Lexer<'_> {
    fn peek(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.pos + ahead).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.pos += 1;
        if c == '\n' {
            self.line = self.line.saturating_add(1);
            self.col = 1;
        } else {
            self.col = self.col.saturating_add(1);
        }
        Some(c)
    }

    fn take_while(&mut self, f: impl Fn(char) -> bool) -> String {
        let mut s = String::new();
        while let Some(c) = self.peek(0).filter(|c| f(*c)) {
            s.push(c);
            self.bump();
        }
        s
    }

    /// Whitespace and comments; an unterminated block comment is an error.
    fn skip_blanks(&mut self) -> Result<(), LexError> {
        loop {
            match (self.peek(0), self.peek(1)) {
                (Some(c), _) if c.is_whitespace() => {
                    self.bump();
                }
                (Some('-'), Some('-')) => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                (Some('/'), Some('*')) => {
                    self.bump();
                    self.bump();
                    loop {
                        match (self.peek(0), self.peek(1)) {
                            (Some('*'), Some('/')) => {
                                self.bump();
                                self.bump();
                                break;
                            }
                            (Some(_), _) => {
                                self.bump();
                            }
                            (None, _) => return Err(LexError),
                        }
                    }
                }
                _ => return Ok(()),
            }
        }
    }

    /// Digits, an optional fraction and an optional exponent.
    fn number(&mut self) -> Tok {
        let mut s = self.take_while(|c| c.is_ascii_digit());
        if self.peek(0) == Some('.') {
            self.bump();
            s.push('.');
            s.push_str(&self.take_while(|c| c.is_ascii_digit()));
        }
        let exp_follows = matches!(self.peek(0), Some('e' | 'E'))
            && match self.peek(1) {
                Some('+' | '-') => self.peek(2).is_some_and(|c| c.is_ascii_digit()),
                Some(c) => c.is_ascii_digit(),
                None => false,
            };
        if exp_follows {
            for _ in 0..2 {
                if let Some(c) = self.bump() {
                    s.push(c);
                }
            }
            s.push_str(&self.take_while(|c| c.is_ascii_digit()));
        }
        Tok::Num(s)
    }

    /// A quoted token; the quote doubled inside stands for itself.
    fn quoted(&mut self, quote: char) -> Result<String, LexError> {
        self.bump();
        let mut s = String::new();
        loop {
            match self.bump() {
                Some(c) if c == quote => {
                    if self.peek(0) == Some(quote) && quote != '`' {
                        self.bump();
                        s.push(quote);
                    } else {
                        return Ok(s);
                    }
                }
                Some(c) => s.push(c),
                None => return Err(LexError),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<Tok> {
        tokenize(s).unwrap().into_iter().map(|(t, _)| t).collect()
    }

    #[test]
    fn splits_statements() {
        assert_eq!(
            toks("SELECT a.b FROM \"t\" WHERE x <> 'it''s' AND y >= -1.5e3 -- c"),
            vec![
                Tok::Ident("SELECT".into()),
                Tok::Ident("a".into()),
                Tok::Sym("."),
                Tok::Ident("b".into()),
                Tok::Ident("FROM".into()),
                Tok::Quoted("t".into()),
                Tok::Ident("WHERE".into()),
                Tok::Ident("x".into()),
                Tok::Sym("<>"),
                Tok::Str("it's".into()),
                Tok::Ident("AND".into()),
                Tok::Ident("y".into()),
                Tok::Sym(">="),
                Tok::Sym("-"),
                Tok::Num("1.5e3".into()),
                Tok::End,
            ]
        );
        assert_eq!(
            toks("<<1,.5>>/* x */"),
            vec![
                Tok::Sym("<<"),
                Tok::Num("1".into()),
                Tok::Sym(","),
                Tok::Num(".5".into()),
                Tok::Sym(">>"),
                Tok::End
            ]
        );
        assert_eq!(
            toks("5.e"),
            vec![Tok::Num("5.".into()), Tok::Ident("e".into()), Tok::End]
        );
    }

    #[test]
    fn positions_count_characters_and_lines() {
        let t = tokenize("{'né': x,\n  nope}").unwrap();
        assert_eq!(
            t[1].1,
            Span {
                line: 1,
                col: 2,
                len: 4
            }
        );
        assert_eq!(
            t[3].1,
            Span {
                line: 1,
                col: 8,
                len: 1
            }
        );
        assert_eq!(
            t[5].1,
            Span {
                line: 2,
                col: 3,
                len: 4
            }
        );
        assert_eq!(t[5].1.to_string(), "2:3:4");
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(tokenize("'open"), Err(LexError));
        assert_eq!(tokenize("/* open"), Err(LexError));
        assert_eq!(tokenize("a # b"), Err(LexError));
        assert_eq!(tokenize("a ! b"), Err(LexError));
    }
}
