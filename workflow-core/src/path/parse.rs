//! The JSONPath parser.

use super::filter::{FilterExpr, FilterOp, Operand};
use super::{Path, PathFunction, PathSyntaxError, Root, Segment};
use crate::nesting::MAX_JSON_DEPTH;

pub(super) fn parse_path(text: &str) -> Result<Path, PathSyntaxError> {
    let mut p = Parser {
        src: text,
        pos: 0,
        in_filter: false,
        depth: 0,
        quotes: Vec::new(),
    };
    let root = p.root()?;
    let segments = p.segments()?;
    if p.pos != text.len() {
        return Err(p.error("unexpected character"));
    }
    let definite = segments.iter().all(segment_is_definite);
    Ok(Path {
        text: text.into(),
        root,
        segments,
        definite,
        quotes: p.quotes.into(),
    })
}

fn segment_is_definite(segment: &Segment) -> bool {
    matches!(
        segment,
        Segment::Name(_) | Segment::Index(_) | Segment::Function(_)
    )
}

pub(super) struct Parser<'s> {
    pub(super) src: &'s str,
    pub(super) pos: usize,
    /// Inside a filter, paths end at operators and closing parentheses.
    pub(super) in_filter: bool,
    /// How deep the filter being parsed nests.
    pub(super) depth: u32,
    /// The quote of each name step outside filters, in order (`'` for `.name`), for
    /// [`Path::normalized`].
    pub(super) quotes: Vec<char>,
}

/// How deep a filter may nest: far past any real filter, far below what exhausts a stack.
pub(crate) const MAX_FILTER_DEPTH: u32 = 64;

impl<'s> Parser<'s> {
    pub(super) fn error(&self, message: &str) -> PathSyntaxError {
        self.error_at(self.pos, message)
    }

    fn error_at(&self, offset: usize, message: &str) -> PathSyntaxError {
        PathSyntaxError {
            path: self.src.to_string(),
            offset,
            message: message.to_string(),
        }
    }

    fn rest(&self) -> &'s str {
        &self.src[self.pos..]
    }

    pub(super) fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.rest().chars().nth(n)
    }

    pub(super) fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    pub(super) fn eat_str(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    pub(super) fn skip_ws(&mut self) {
        while let Some(c) = self.peek() {
            if c.is_whitespace() {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
    }

    fn root(&mut self) -> Result<Root, PathSyntaxError> {
        if !self.eat('$') {
            return Err(self.error("a path must start with '$'"));
        }
        if self.eat('$') {
            return Ok(Root::Context);
        }
        match self.peek() {
            Some(c) if is_variable_start(c) => {
                let start = self.pos;
                while let Some(c) = self.peek() {
                    if is_variable_char(c) {
                        self.pos += c.len_utf8();
                    } else {
                        break;
                    }
                }
                Ok(Root::Variable(self.src[start..self.pos].into()))
            }
            _ => Ok(Root::Input),
        }
    }

    pub(super) fn segments(&mut self) -> Result<Vec<Segment>, PathSyntaxError> {
        let mut segments = Vec::new();
        loop {
            if segments.len() == MAX_JSON_DEPTH && matches!(self.peek(), Some('.' | '[')) {
                // Each step goes one level down: no value has a node this deep, and none may
                // be written there (ResultPath). The bound also keeps every walk of a path
                // and of what it writes shallow.
                return Err(self.error(&format!(
                    "a path can go at most {MAX_JSON_DEPTH} levels deep, the most a JSON value may nest"
                )));
            }
            match self.peek() {
                Some('.') => {
                    if self.peek_at(1) == Some('.') {
                        self.pos += 2;
                        let inner = if self.peek() == Some('[') {
                            self.bracket()?
                        } else {
                            self.dot_member()?
                        };
                        if matches!(inner, Segment::Function(_)) {
                            return Err(self.error("a function cannot follow '..'"));
                        }
                        segments.push(Segment::Descendant(Box::new(inner)));
                    } else {
                        self.pos += 1;
                        // Jayway reads `$.a.['b c']` and `$.a.[0]` as `$.a['b c']` and
                        // `$.a[0]`; AWS's documentation writes `$.abc.['def ghi']`.
                        if self.peek() == Some('[') {
                            segments.push(self.bracket()?);
                            continue;
                        }
                        let seg = self.dot_member()?;
                        let is_function = matches!(seg, Segment::Function(_));
                        segments.push(seg);
                        if is_function {
                            // A function ends the path.
                            return Ok(segments);
                        }
                    }
                }
                Some('[') => segments.push(self.bracket()?),
                _ => return Ok(segments),
            }
        }
    }

    /// A member after `.`: a name, `*`, or a function call `name()`.
    fn dot_member(&mut self) -> Result<Segment, PathSyntaxError> {
        if self.eat('*') {
            return Ok(Segment::Wildcard);
        }
        let start = self.pos;
        while let Some(c) = self.peek() {
            if is_dot_name_char(c, self.in_filter) {
                self.pos += c.len_utf8();
            } else {
                break;
            }
        }
        if self.pos == start {
            return Err(self.error("expected a name after '.'"));
        }
        let name = &self.src[start..self.pos];
        if self.peek() != Some('(') {
            self.record_quote('\'');
        }
        if self.peek() == Some('(') {
            let Some(function) = PathFunction::from_name(name) else {
                return Err(self.error(&format!("unknown path function '{name}()'")));
            };
            self.pos += 1;
            if !self.eat(')') {
                return Err(self.error("path functions take no arguments"));
            }
            return Ok(Segment::Function(function));
        }
        Ok(Segment::Name(name.into()))
    }

    fn bracket(&mut self) -> Result<Segment, PathSyntaxError> {
        debug_assert_eq!(self.peek(), Some('['));
        self.pos += 1;
        self.skip_ws();
        let seg = match self.peek() {
            Some('*') => {
                self.pos += 1;
                Segment::Wildcard
            }
            Some(quote @ ('\'' | '"')) => {
                let mut names = vec![self.quoted()?];
                self.skip_ws();
                while self.eat(',') {
                    self.skip_ws();
                    // Jayway quotes every name of a bracket with the first name's quote.
                    if self.peek() != Some(quote) && matches!(self.peek(), Some('\'' | '"')) {
                        return Err(self.error(&format!(
                            "the names of one bracket must all be quoted with {quote}"
                        )));
                    }
                    names.push(self.quoted()?);
                    self.skip_ws();
                }
                self.record_quote(quote);
                if names.len() == 1 {
                    Segment::Name(names.pop().unwrap_or_default().into())
                } else {
                    Segment::Names(names.into_iter().map(Into::into).collect())
                }
            }
            Some('?') => {
                self.pos += 1;
                self.skip_ws();
                if !self.eat('(') {
                    return Err(self.error("expected '(' after '?'"));
                }
                let expr = self.filter_expr()?;
                self.skip_ws();
                if !self.eat(')') {
                    return Err(self.error("expected ')' to close the filter"));
                }
                Segment::Filter(Box::new(expr))
            }
            Some(c) if c == '-' || c == ':' || c.is_ascii_digit() => self.index_or_slice()?,
            _ => return Err(self.error("expected an index, a quoted name, '*' or a filter")),
        };
        self.skip_ws();
        if !self.eat(']') {
            return Err(self.error("expected ']'"));
        }
        Ok(seg)
    }

    fn index_or_slice(&mut self) -> Result<Segment, PathSyntaxError> {
        let first = self.opt_int()?;
        self.skip_ws();
        if self.eat(':') {
            self.skip_ws();
            let end = self.opt_int()?;
            self.skip_ws();
            let step = if self.eat(':') {
                self.skip_ws();
                let step = self.opt_int()?;
                if step == Some(0) {
                    return Err(self.error("a slice step cannot be 0"));
                }
                step
            } else {
                None
            };
            return Ok(Segment::Slice {
                start: first,
                end,
                step,
            });
        }
        let Some(first) = first else {
            return Err(self.error("expected an index"));
        };
        let mut indices = vec![first];
        while self.eat(',') {
            self.skip_ws();
            let Some(next) = self.opt_int()? else {
                return Err(self.error("expected an index after ','"));
            };
            indices.push(next);
            self.skip_ws();
        }
        if indices.len() == 1 {
            Ok(Segment::Index(first))
        } else {
            Ok(Segment::Indices(indices))
        }
    }

    fn opt_int(&mut self) -> Result<Option<i64>, PathSyntaxError> {
        let start = self.pos;
        self.eat('-');
        let digits = self.pos;
        while matches!(self.peek(), Some(c) if c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.pos == digits {
            if self.pos != start {
                return Err(self.error("expected digits after '-'"));
            }
            return Ok(None);
        }
        self.src[start..self.pos]
            .parse::<i64>()
            .map(Some)
            .map_err(|_| self.error("index out of range"))
    }

    /// Notes the quote of a name step (outside filters), for [`Path::normalized`].
    fn record_quote(&mut self, quote: char) {
        if !self.in_filter {
            self.quotes.push(quote);
        }
    }

    /// A quoted name or string, unescaped as Jayway does: `\\`, `\'`, `\"`, `\b`, `\f`,
    /// `\n`, `\r`, `\t` and `\uXXXX` (a UTF-16 unit; a surrogate pair makes one character);
    /// a backslash before any other character stands for that character. The other quote
    /// character needs no escape: `['it"s']`, `["it's"]`.
    pub(super) fn quoted(&mut self) -> Result<String, PathSyntaxError> {
        let quote = match self.peek() {
            Some(q @ ('\'' | '"')) => q,
            _ => return Err(self.error("expected a quoted string")),
        };
        let open = self.pos;
        let unterminated = |p: &Self| {
            p.error_at(
                open,
                &format!("unterminated string: a closing {quote} is missing"),
            )
        };
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(unterminated(self));
            };
            self.pos += c.len_utf8();
            if c == quote {
                return Ok(out);
            }
            if c != '\\' {
                out.push(c);
                continue;
            }
            let Some(escaped) = self.peek() else {
                return Err(unterminated(self));
            };
            self.pos += escaped.len_utf8();
            out.push(match escaped {
                'b' => '\u{8}',
                'f' => '\u{c}',
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                'u' => self.unicode_escape()?,
                other => other,
            });
        }
    }

    /// The character of `\uXXXX` (after the `u`), joining a surrogate pair written as two
    /// escapes. A lone surrogate names no JSON member (a JSON text cannot hold one), so it is
    /// refused.
    fn unicode_escape(&mut self) -> Result<char, PathSyntaxError> {
        let start = self.pos - 2;
        let unit = self.hex4().ok_or_else(|| {
            self.error_at(start, "'\\u' must be followed by 4 hexadecimal digits")
        })?;
        if (0xD800..0xDC00).contains(&unit) && self.rest().starts_with("\\u") {
            let saved = self.pos;
            self.pos += 2;
            if let Some(low) = self.hex4().filter(|u| (0xDC00..0xE000).contains(u)) {
                let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                if let Some(c) = char::from_u32(code) {
                    return Ok(c);
                }
            }
            self.pos = saved;
        }
        char::from_u32(unit).ok_or_else(|| {
            self.error_at(
                start,
                &format!(
                    "'\\u{unit:04x}' is half of a surrogate pair: no JSON member name has it alone"
                ),
            )
        })
    }

    /// Four hexadecimal digits, consumed; `None` (nothing consumed) otherwise.
    fn hex4(&mut self) -> Option<u32> {
        let digits = self.rest().get(..4)?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let unit = u32::from_str_radix(digits, 16).ok()?;
        self.pos += 4;
        Some(unit)
    }

    // ----- filters -----

    fn filter_expr(&mut self) -> Result<FilterExpr, PathSyntaxError> {
        let saved = self.in_filter;
        self.in_filter = true;
        let result = self.nested(Self::filter_or);
        self.in_filter = saved;
        result
    }

    /// Parses one level deeper, refusing what nests past [`MAX_FILTER_DEPTH`] (parentheses,
    /// `!` and filters within filters), so that no input can exhaust the stack.
    fn nested<T>(
        &mut self,
        parse: impl FnOnce(&mut Self) -> Result<T, PathSyntaxError>,
    ) -> Result<T, PathSyntaxError> {
        if self.depth >= MAX_FILTER_DEPTH {
            return Err(self.error(&format!(
                "the filter nests more than {MAX_FILTER_DEPTH} levels deep"
            )));
        }
        self.depth += 1;
        let result = parse(self);
        self.depth -= 1;
        result
    }

    fn filter_or(&mut self) -> Result<FilterExpr, PathSyntaxError> {
        let mut any = vec![self.filter_and()?];
        loop {
            self.skip_ws();
            if self.eat_str("||") {
                any.push(self.filter_and()?);
            } else if any.len() == 1 {
                return Ok(any.pop().expect("one operand"));
            } else {
                return Ok(FilterExpr::Or(any));
            }
        }
    }

    fn filter_and(&mut self) -> Result<FilterExpr, PathSyntaxError> {
        let mut all = vec![self.filter_unary()?];
        loop {
            self.skip_ws();
            if self.eat_str("&&") {
                all.push(self.filter_unary()?);
            } else if all.len() == 1 {
                return Ok(all.pop().expect("one operand"));
            } else {
                return Ok(FilterExpr::And(all));
            }
        }
    }

    fn filter_unary(&mut self) -> Result<FilterExpr, PathSyntaxError> {
        self.skip_ws();
        if self.peek() == Some('!') && self.peek_at(1) != Some('=') {
            self.pos += 1;
            let inner = self.nested(Self::filter_unary)?;
            return Ok(FilterExpr::Not(Box::new(inner)));
        }
        if self.peek() == Some('(') {
            self.pos += 1;
            let inner = self.nested(Self::filter_or)?;
            self.skip_ws();
            if !self.eat(')') {
                return Err(self.error("expected ')'"));
            }
            return Ok(inner);
        }
        let left = self.operand()?;
        self.skip_ws();
        let Some(op) = self.filter_op() else {
            return match left {
                Operand::Relative(_) | Operand::Absolute(_) => Ok(FilterExpr::Exists(left)),
                _ => Err(self.error("expected a comparison operator")),
            };
        };
        self.skip_ws();
        let right = if matches!(op, FilterOp::Empty) {
            // `empty` takes a boolean; `@.x empty true`.
            self.operand()?
        } else {
            self.operand()?
        };
        Ok(FilterExpr::Compare {
            left,
            op,
            right: Box::new(right),
        })
    }

    fn filter_op(&mut self) -> Option<FilterOp> {
        const SYMBOLS: [(&str, FilterOp); 7] = [
            ("==", FilterOp::Eq),
            ("!=", FilterOp::Ne),
            ("<=", FilterOp::Le),
            (">=", FilterOp::Ge),
            ("=~", FilterOp::Matches),
            ("<", FilterOp::Lt),
            (">", FilterOp::Gt),
        ];
        for (text, op) in SYMBOLS {
            if self.eat_str(text) {
                return Some(op);
            }
        }
        const WORDS: [(&str, FilterOp); 8] = [
            ("nin", FilterOp::Nin),
            ("in", FilterOp::In),
            ("subsetof", FilterOp::SubsetOf),
            ("anyof", FilterOp::AnyOf),
            ("noneof", FilterOp::NoneOf),
            ("size", FilterOp::Size),
            ("empty", FilterOp::Empty),
            ("contains", FilterOp::Contains),
        ];
        for (text, op) in WORDS {
            let rest = self.rest();
            if rest.starts_with(text)
                && !rest[text.len()..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_')
            {
                self.pos += text.len();
                return Some(op);
            }
        }
        None
    }

    fn operand(&mut self) -> Result<Operand, PathSyntaxError> {
        self.skip_ws();
        match self.peek() {
            Some('@') => {
                self.pos += 1;
                let segments = self.segments()?;
                Ok(Operand::Relative(segments))
            }
            Some('$') => {
                let start = self.pos;
                let root = self.root()?;
                if root != Root::Input {
                    self.pos = start;
                    return Err(self.error("only '$' and '@' paths are allowed inside a filter"));
                }
                let segments = self.segments()?;
                Ok(Operand::Absolute(segments))
            }
            Some('\'') | Some('"') => {
                Ok(Operand::Literal(serde_json::Value::String(self.quoted()?)))
            }
            Some('/') => self.regex(),
            Some('[') => self.json_literal(),
            Some('{') => self.json_literal(),
            Some(c) if c == '-' || c.is_ascii_digit() => self.number(),
            _ => {
                for (word, value) in [
                    ("true", serde_json::Value::Bool(true)),
                    ("false", serde_json::Value::Bool(false)),
                    ("null", serde_json::Value::Null),
                ] {
                    if self.eat_str(word) {
                        return Ok(Operand::Literal(value));
                    }
                }
                Err(self.error("expected a value in the filter"))
            }
        }
    }

    fn number(&mut self) -> Result<Operand, PathSyntaxError> {
        let start = self.pos;
        self.eat('-');
        while matches!(self.peek(), Some(c) if c.is_ascii_digit() || c == '.' || c == 'e' || c == 'E' || c == '+')
        {
            self.pos += 1;
        }
        let text = &self.src[start..self.pos];
        serde_json::from_str::<serde_json::Number>(text)
            .map(|n| Operand::Literal(serde_json::Value::Number(n)))
            .map_err(|_| self.error("invalid number"))
    }

    fn regex(&mut self) -> Result<Operand, PathSyntaxError> {
        // Jayway's `=~` takes a Java regular expression. We do not carry a regex engine in the
        // core, so a definition using one is rejected when it is loaded, with this message,
        // rather than behaving differently from AWS at run time.
        Err(self.error("regular expressions ('=~ /.../') are not supported in JSONPath filters"))
    }

    fn json_literal(&mut self) -> Result<Operand, PathSyntaxError> {
        // Find the matching bracket, honouring strings; single quotes are accepted as in Jayway.
        let start = self.pos;
        let mut depth = 0usize;
        let mut in_string: Option<char> = None;
        let mut text = String::new();
        while let Some(c) = self.peek() {
            self.pos += c.len_utf8();
            if let Some(q) = in_string {
                if c == '\\' {
                    text.push(c);
                    if let Some(n) = self.peek() {
                        self.pos += n.len_utf8();
                        text.push(n);
                    }
                    continue;
                }
                if c == q {
                    in_string = None;
                    text.push('"');
                    continue;
                }
                if c == '"' {
                    text.push_str("\\\"");
                    continue;
                }
                text.push(c);
                continue;
            }
            match c {
                '\'' | '"' => {
                    in_string = Some(c);
                    text.push('"');
                    continue;
                }
                '[' | '{' => depth += 1,
                ']' | '}' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        text.push(c);
                        return serde_json::from_str(&text)
                            .map(Operand::Literal)
                            .map_err(|_| {
                                let mut e = self.error("invalid JSON literal in filter");
                                e.offset = start;
                                e
                            });
                    }
                }
                _ => {}
            }
            text.push(c);
        }
        Err(self.error("unterminated JSON literal"))
    }
}

fn is_variable_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_variable_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// Characters allowed in a dot-notation name. Jayway reads a name until the next `.` or `[`;
/// inside a filter, operators, whitespace and parentheses also end it.
fn is_dot_name_char(c: char, in_filter: bool) -> bool {
    if matches!(c, '.' | '[' | ']' | '(' | ')' | '\'' | '"' | ',') || c.is_whitespace() {
        return false;
    }
    if in_filter && matches!(c, '=' | '!' | '<' | '>' | '&' | '|' | '~') {
        return false;
    }
    true
}
