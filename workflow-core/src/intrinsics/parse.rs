//! The intrinsic call parser: text to [`Call`], once, when a definition is compiled.

use serde_json::Value;

use super::{Arg, Call, IntrinsicFunction, IntrinsicSyntaxError, MAX_CALLS, Piece, plural};
use crate::diagnostic::codes;
use crate::path::Path;

const PREFIX: &str = "States.";

/// Parses a whole call. An unknown function name, a wrong number of arguments and a malformed
/// argument list are all errors (see the module documentation for what AWS is known to refuse).
pub(super) fn parse(text: &str) -> Result<Call, IntrinsicSyntaxError> {
    let mut p = Parser {
        src: text,
        pos: 0,
        calls: 0,
    };
    let call = p.call()?;
    p.skip_ws();
    if p.pos != text.len() {
        return Err(p.invalid("unexpected text after the closing ')'"));
    }
    Ok(call)
}

struct Parser<'s> {
    src: &'s str,
    pos: usize,
    /// Calls seen so far, for the limit of [`MAX_CALLS`].
    calls: usize,
}

/// A string literal: its value, and the same text split at its unescaped `{}`.
struct StringLiteral {
    value: String,
    pieces: Vec<Piece>,
}

impl<'s> Parser<'s> {
    fn error_at(&self, code: &'static str, offset: usize, message: String) -> IntrinsicSyntaxError {
        IntrinsicSyntaxError {
            code,
            message,
            offset,
        }
    }

    fn invalid(&self, message: &str) -> IntrinsicSyntaxError {
        self.error_at(codes::INVALID_INTRINSIC, self.pos, message.to_string())
    }

    fn rest(&self) -> &'s str {
        &self.src[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self, c: char) {
        self.pos += c.len_utf8();
    }

    fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.bump(c);
            true
        } else {
            false
        }
    }

    fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                self.bump(c);
            } else {
                break;
            }
        }
    }

    /// `States.Name(args)`.
    fn call(&mut self) -> Result<Call, IntrinsicSyntaxError> {
        let start = self.pos;
        if !self.rest().starts_with(PREFIX) {
            return Err(self.invalid("expected an intrinsic function call ('States.Name(...)')"));
        }
        self.calls += 1;
        if self.calls > MAX_CALLS {
            return Err(self.error_at(
                codes::INVALID_INTRINSIC,
                start,
                format!("a field can hold at most {MAX_CALLS} intrinsic function calls"),
            ));
        }
        self.pos += PREFIX.len();
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == '_' {
                self.bump(c);
            } else {
                break;
            }
        }
        let name = &self.src[start..self.pos];
        if name.len() == PREFIX.len() {
            return Err(self.invalid("expected a function name after 'States.'"));
        }
        if self.peek() != Some('(') {
            return Err(self.invalid(&format!("expected '(' after the function name '{name}'")));
        }
        let Some(function) = IntrinsicFunction::from_name(name) else {
            let known = IntrinsicFunction::ALL.iter().map(|f| f.name());
            let message = match crate::suggest::closest(name, known.clone()) {
                Some(closest) => {
                    format!("unknown intrinsic function '{name}' (did you mean '{closest}'?)")
                }
                None => format!(
                    "unknown intrinsic function '{name}'; the functions are {}",
                    known.collect::<Vec<_>>().join(", ")
                ),
            };
            return Err(self.error_at(codes::UNKNOWN_INTRINSIC, start, message));
        };
        self.bump('(');
        let mut args = Vec::new();
        let mut first_literal: Option<Vec<Piece>> = None;
        self.skip_ws();
        if !self.eat(')') {
            loop {
                self.skip_ws();
                let (arg, pieces) = self.arg()?;
                if args.is_empty() {
                    first_literal = pieces;
                }
                args.push(arg);
                self.skip_ws();
                if self.eat(',') {
                    self.skip_ws();
                    if self.peek() == Some(')') {
                        return Err(self.invalid(
                            "a ',' must be followed by an argument (no trailing comma before ')')",
                        ));
                    }
                    continue;
                }
                if self.eat(')') {
                    break;
                }
                return Err(match self.peek() {
                    None => self.invalid("missing ')' at the end of the call"),
                    Some(_) => self.invalid("expected ',' or ')' after an argument"),
                });
            }
        }
        let (min, max) = function.arity();
        if args.len() < min || max.is_some_and(|m| args.len() > m) {
            let expected = match max {
                Some(m) if m == min => plural(min, "argument"),
                Some(m) => format!("{min} to {m} arguments"),
                None => format!("at least {}", plural(min, "argument")),
            };
            return Err(self.error_at(
                codes::INTRINSIC_ARITY,
                start,
                format!("{name} takes {expected}, but {} given", given(args.len())),
            ));
        }
        let template = if function == IntrinsicFunction::Format {
            first_literal
        } else {
            None
        };
        Ok(Call {
            function,
            args,
            template,
        })
    }

    /// One argument; for a string literal also its template pieces.
    fn arg(&mut self) -> Result<(Arg, Option<Vec<Piece>>), IntrinsicSyntaxError> {
        match self.peek() {
            Some('\'') => {
                let lit = self.string()?;
                Ok((Arg::Literal(Value::String(lit.value)), Some(lit.pieces)))
            }
            Some('$') => Ok((Arg::Path(self.path()?), None)),
            Some(c) if c == '-' || c.is_ascii_digit() => Ok((Arg::Literal(self.number()?), None)),
            Some('S') if self.rest().starts_with(PREFIX) => {
                Ok((Arg::Call(Box::new(self.call()?)), None))
            }
            Some(')') | Some(',') => Err(self.invalid("expected an argument")),
            None => Err(self.invalid("missing ')' at the end of the call")),
            Some(_) => {
                let start = self.pos;
                while let Some(c) = self.peek() {
                    if c.is_alphanumeric() || c == '_' || c == '.' {
                        self.bump(c);
                    } else {
                        break;
                    }
                }
                let word = &self.src[start..self.pos];
                match word {
                    "true" => Ok((Arg::Literal(Value::Bool(true)), None)),
                    "false" => Ok((Arg::Literal(Value::Bool(false)), None)),
                    "null" => Ok((Arg::Literal(Value::Null), None)),
                    _ => {
                        self.pos = start;
                        Err(self.invalid(
                            "expected an argument: a 'string', a number, true, false, null, \
                             a path starting with '$' or a States.* call",
                        ))
                    }
                }
            }
        }
    }

    /// `'...'` with the escapes `\'`, `\{`, `\}` and `\\`.
    fn string(&mut self) -> Result<StringLiteral, IntrinsicSyntaxError> {
        let open = self.pos;
        self.bump('\'');
        let mut value = String::new();
        let mut pieces = Vec::new();
        let mut text = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error_at(
                    codes::INVALID_INTRINSIC,
                    open,
                    "unterminated string: a closing ' is missing".to_string(),
                ));
            };
            match c {
                '\'' => {
                    self.bump(c);
                    break;
                }
                '\\' => {
                    let at = self.pos;
                    self.bump(c);
                    match self.peek() {
                        Some(e @ ('\'' | '{' | '}' | '\\')) => {
                            self.bump(e);
                            value.push(e);
                            text.push(e);
                        }
                        Some(other) => {
                            return Err(self.error_at(
                                codes::INVALID_INTRINSIC,
                                at,
                                format!(
                                    "illegal escape sequence '\\{other}' in a string; only \\', \
                                     \\{{, \\}} and \\\\ are allowed"
                                ),
                            ));
                        }
                        None => {
                            return Err(self.error_at(
                                codes::INVALID_INTRINSIC,
                                at,
                                "unterminated escape sequence at the end of the text".to_string(),
                            ));
                        }
                    }
                }
                '{' if self.rest()[1..].starts_with('}') => {
                    self.pos += 2;
                    value.push_str("{}");
                    if !text.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut text)));
                    }
                    pieces.push(Piece::Placeholder);
                }
                _ => {
                    self.bump(c);
                    value.push(c);
                    text.push(c);
                }
            }
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(text));
        }
        Ok(StringLiteral { value, pieces })
    }

    /// A number in JSON syntax.
    fn number(&mut self) -> Result<Value, IntrinsicSyntaxError> {
        let start = self.pos;
        self.eat('-');
        while let Some(c) = self.peek() {
            if c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-') {
                self.bump(c);
            } else {
                break;
            }
        }
        let text = &self.src[start..self.pos];
        match serde_json::from_str::<serde_json::Number>(text) {
            Ok(n) => Ok(Value::Number(n)),
            Err(_) => Err(self.error_at(
                codes::INVALID_INTRINSIC,
                start,
                format!("'{text}' is not a valid number"),
            )),
        }
    }

    /// A path: from `$` to the next `,`, `)` or whitespace outside brackets and parentheses.
    fn path(&mut self) -> Result<Path, IntrinsicSyntaxError> {
        let start = self.pos;
        let mut brackets = 0usize;
        let mut parens = 0usize;
        let mut quote: Option<char> = None;
        while let Some(c) = self.peek() {
            if let Some(q) = quote {
                self.bump(c);
                if c == '\\' {
                    if let Some(n) = self.peek() {
                        self.bump(n);
                    }
                } else if c == q {
                    quote = None;
                }
                continue;
            }
            let top = brackets == 0 && parens == 0;
            match c {
                ',' | ')' if top => break,
                c if c.is_whitespace() && top => break,
                '\'' | '"' if brackets > 0 => quote = Some(c),
                '[' => brackets += 1,
                ']' => brackets = brackets.saturating_sub(1),
                '(' => parens += 1,
                ')' => parens = parens.saturating_sub(1),
                _ => {}
            }
            self.bump(c);
        }
        let text = &self.src[start..self.pos];
        Path::parse(text).map_err(|e| {
            self.error_at(
                codes::INVALID_INTRINSIC,
                start + e.offset,
                format!("invalid path argument '{text}': {}", e.message),
            )
        })
    }
}

fn given(n: usize) -> String {
    match n {
        0 => "none were".to_string(),
        1 => "1 was".to_string(),
        n => format!("{n} were"),
    }
}
