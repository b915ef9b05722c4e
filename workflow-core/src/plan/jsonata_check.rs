//! Definition-time checks of JSONata expressions (`"{% ... %}"` strings). This is not a JSONata
//! parser: it reads the tokens of an expression and finds what is certainly wrong (an empty
//! expression, an unclosed string, comment, regular expression or bracket) and what AWS
//! refuses although it parses: a reference to a field of the (non-existent) top-level context
//! such as `{% phone %}`, the root `$$`, and `$states.result` / `$states.errorOutput` where
//! the state has no result or error yet.

/// What an expression reads from `$states`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Reads {
    /// `$states.result`.
    pub result: bool,
    /// `$states.errorOutput`.
    pub error_output: bool,
}

/// Why an expression is refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Problem {
    /// It does not parse.
    Invalid(String),
    /// It parses, but AWS does not support it.
    Unsupported(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Token<'s> {
    /// A field name (plain or in backquotes).
    Name(&'s str),
    /// `$name`; `$` alone is the context, `$$` the root.
    Variable(&'s str),
    /// A number, string or regular expression literal.
    Literal,
    /// An operator or punctuation.
    Op(&'s str),
}

impl Token<'_> {
    /// True when the token ends an operand, so a following `/` divides.
    fn ends_operand(self) -> bool {
        match self {
            Token::Name(n) => !matches!(n, "and" | "or" | "in"),
            Token::Variable(_) | Token::Literal => true,
            Token::Op(op) => matches!(op, ")" | "]" | "}"),
        }
    }
}

/// Characters that end a name.
fn is_operator_char(c: char) -> bool {
    matches!(
        c,
        '.' | '['
            | ']'
            | '{'
            | '}'
            | '('
            | ')'
            | ','
            | '@'
            | '#'
            | ';'
            | ':'
            | '?'
            | '+'
            | '-'
            | '*'
            | '/'
            | '%'
            | '|'
            | '='
            | '<'
            | '>'
            | '^'
            | '&'
            | '!'
            | '~'
            | '"'
            | '\''
            | '`'
    ) || c.is_whitespace()
}

fn tokenize(src: &str) -> Result<Vec<Token<'_>>, String> {
    let mut tokens: Vec<Token<'_>> = Vec::new();
    let bytes = src.as_bytes();
    let mut i = 0;
    while i < src.len() {
        let c = src[i..].chars().next().unwrap_or(' ');
        if c.is_whitespace() {
            i += c.len_utf8();
            continue;
        }
        if src[i..].starts_with("/*") {
            match src[i + 2..].find("*/") {
                Some(end) => i += 2 + end + 2,
                None => return Err("a comment ('/*') is not closed with '*/'".into()),
            }
            continue;
        }
        match c {
            '"' | '\'' => {
                let mut j = i + 1;
                loop {
                    match bytes.get(j) {
                        None => {
                            return Err(format!("a string starting with {c} is not closed"));
                        }
                        Some(b'\\') => j += 2,
                        Some(b) if *b as char == c => break,
                        Some(_) => j += 1,
                    }
                }
                tokens.push(Token::Literal);
                i = j + 1;
            }
            '`' => match src[i + 1..].find('`') {
                Some(end) => {
                    tokens.push(Token::Name(&src[i + 1..i + 1 + end]));
                    i += end + 2;
                }
                None => return Err("a name starting with '`' is not closed".into()),
            },
            '/' if !tokens.last().is_some_and(|t| t.ends_operand()) => {
                // A regular expression.
                let mut j = i + 1;
                loop {
                    match bytes.get(j) {
                        None => return Err("a regular expression ('/') is not closed".into()),
                        Some(b'\\') => j += 2,
                        Some(b'/') => break,
                        Some(_) => j += 1,
                    }
                }
                j += 1;
                while bytes.get(j).is_some_and(|b| b.is_ascii_alphabetic()) {
                    j += 1;
                }
                tokens.push(Token::Literal);
                i = j;
            }
            '0'..='9' => {
                let mut j = i;
                while bytes.get(j).is_some_and(|b| b.is_ascii_digit()) {
                    j += 1;
                }
                if bytes.get(j) == Some(&b'.') && bytes.get(j + 1).is_some_and(u8::is_ascii_digit) {
                    j += 1;
                    while bytes.get(j).is_some_and(|b| b.is_ascii_digit()) {
                        j += 1;
                    }
                }
                if matches!(bytes.get(j), Some(b'e' | b'E')) {
                    let mut k = j + 1;
                    if matches!(bytes.get(k), Some(b'+' | b'-')) {
                        k += 1;
                    }
                    if bytes.get(k).is_some_and(u8::is_ascii_digit) {
                        j = k;
                        while bytes.get(j).is_some_and(|b| b.is_ascii_digit()) {
                            j += 1;
                        }
                    }
                }
                tokens.push(Token::Literal);
                i = j;
            }
            '$' => {
                let mut j = i + 1;
                if bytes.get(j) == Some(&b'$') {
                    j += 1;
                } else {
                    while let Some(ch) = src[j..].chars().next() {
                        if is_operator_char(ch) || ch == '$' {
                            break;
                        }
                        j += ch.len_utf8();
                    }
                }
                tokens.push(Token::Variable(&src[i + 1..j]));
                i = j;
            }
            _ if is_operator_char(c) => {
                let two = src.get(i..i + 2).unwrap_or("");
                let len = if matches!(
                    two,
                    ":=" | "!=" | ">=" | "<=" | "**" | ".." | "~>" | "??" | "?:"
                ) {
                    2
                } else {
                    c.len_utf8()
                };
                tokens.push(Token::Op(&src[i..i + len]));
                i += len;
            }
            _ => {
                let mut j = i;
                while let Some(ch) = src[j..].chars().next() {
                    if is_operator_char(ch) {
                        break;
                    }
                    j += ch.len_utf8();
                }
                tokens.push(Token::Name(&src[i..j]));
                i = j;
            }
        }
    }
    Ok(tokens)
}

/// Checks the text between `{%` and `%}`.
pub(crate) fn check(expression: &str) -> Result<Reads, Problem> {
    let tokens = tokenize(expression).map_err(Problem::Invalid)?;
    if tokens.is_empty() {
        return Err(Problem::Invalid(
            "the expression between '{%' and '%}' is empty".into(),
        ));
    }
    let mut open: Vec<&str> = Vec::new();
    for t in &tokens {
        if let Token::Op(op) = t {
            match *op {
                "(" | "[" | "{" => open.push(op),
                ")" | "]" | "}" => {
                    let expected = match *op {
                        ")" => "(",
                        "]" => "[",
                        _ => "{",
                    };
                    match open.pop() {
                        Some(o) if o == expected => {}
                        Some(o) => {
                            return Err(Problem::Invalid(format!("'{o}' is closed by '{op}'")));
                        }
                        None => {
                            return Err(Problem::Invalid(format!(
                                "'{op}' has no matching '{expected}'"
                            )));
                        }
                    }
                }
                _ => {}
            }
        }
    }
    if let Some(o) = open.last() {
        return Err(Problem::Invalid(format!("'{o}' is not closed")));
    }

    let mut reads = Reads::default();
    // A transform (`| path | update |`) evaluates names against its own target: leave
    // expressions that have one alone.
    let transform = tokens.contains(&Token::Op("|"));
    let mut depth = 0usize;
    for (i, t) in tokens.iter().enumerate() {
        let previous = i.checked_sub(1).map(|p| tokens[p]);
        let after_dot = previous == Some(Token::Op("."));
        match *t {
            Token::Op("(" | "[" | "{") => depth += 1,
            Token::Op(")" | "]" | "}") => depth = depth.saturating_sub(1),
            Token::Variable("$") => {
                return Err(Problem::Unsupported(
                    "'$$' (the root of the input) is not supported in JSONata expressions: use $states.input".into(),
                ));
            }
            Token::Variable("states") if tokens.get(i + 1) == Some(&Token::Op(".")) => {
                match tokens.get(i + 2) {
                    Some(Token::Name("result")) => reads.result = true,
                    Some(Token::Name("errorOutput")) => reads.error_output = true,
                    _ => {}
                }
            }
            Token::Variable("")
                if depth == 0
                    && !after_dot
                    && !transform
                    && tokens.get(i + 1) == Some(&Token::Op(".")) =>
            {
                return Err(Problem::Unsupported(
                    "Reference to '$' at the top level is not supported. Read the state input with $states.input".into(),
                ));
            }
            Token::Name(name)
                if depth == 0
                    && !after_dot
                    && !transform
                    && !matches!(
                        name,
                        "and" | "or" | "in" | "true" | "false" | "null" | "function" | "λ"
                    ) =>
            {
                return Err(Problem::Unsupported(format!(
                    "Reference to '{name}' at the top level is not supported. Read the state input with $states.input.{name}, or a variable with ${name}"
                )));
            }
            _ => {}
        }
    }
    Ok(reads)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn invalid(e: &str) -> String {
        match check(e) {
            Err(Problem::Invalid(m)) => m,
            other => panic!("{e}: {other:?}"),
        }
    }

    fn unsupported(e: &str) -> String {
        match check(e) {
            Err(Problem::Unsupported(m)) => m,
            other => panic!("{e}: {other:?}"),
        }
    }

    #[test]
    fn accepts_ordinary_expressions() {
        for e in [
            " $states.input.items[0] ",
            " $states.input.items[price > 5].name ",
            " $sum($states.input.orders.(price * quantity)) ",
            " $x := 1; $y := $x + 2; ",
            " ( $a := 1; $a ) ",
            " function($v) { $v * 2 } ",
            " $map($states.input, function($v) { $v.id }) ",
            " 'it''s' & \"a \\\" quote\" ",
            " $states.input.a / 2 ",
            " $match($states.input.s, /[a-z]+/i) ",
            " $number('2') ",
            " true ",
            " null ",
            " {'foo': 'bar'} ",
            " [] ",
            " 1..5 ",
            " [1..5] ",
            " 1.5e3 ",
            " $states.input.`field name` ",
            " $states.context.Execution.Id /* a comment */ ",
            " $exists($states.input.x) ? 'yes' : 'no' ",
            " $states.input ~> |$|{'a': 1}| ",
            " $states.input.a and $states.input.b or $states.input.c in [1] ",
        ] {
            assert!(check(e).is_ok(), "{e}: {:?}", check(e));
        }
    }

    #[test]
    fn finds_what_cannot_parse() {
        assert!(invalid("  ").contains("empty"));
        assert!(invalid(" $states.input.items[0 ").contains("'[' is not closed"));
        assert!(invalid(" $f(1)) ").contains("no matching"));
        assert!(invalid(" ($x] ").contains("closed by"));
        assert!(invalid(" 'abc ").contains("not closed"));
        assert!(invalid(" $states /* ").contains("comment"));
        assert!(invalid(" $match($s, /abc) ").contains("regular expression"));
    }

    #[test]
    fn finds_what_aws_does_not_support() {
        assert!(
            unsupported(" phone ")
                .starts_with("Reference to 'phone' at the top level is not supported.")
        );
        assert!(unsupported(" customer.phone & 'x' ").contains("'customer'"));
        assert!(unsupported(" 1 + total ").contains("'total'"));
        assert!(unsupported(" $.x ").contains("'$'"));
        assert!(unsupported(" $$.x ").contains("$$"));
        // Inside brackets a name is relative to a path or a function's value.
        assert!(check(" $states.input.items[name = 'a'] ").is_ok());
        assert!(check(" $count(items) ").is_ok());
    }

    #[test]
    fn reports_what_it_reads_from_states() {
        assert_eq!(
            check(" $states.result.Payload ").unwrap(),
            Reads {
                result: true,
                error_output: false
            }
        );
        assert!(check(" $states.errorOutput.Cause ").unwrap().error_output);
        assert_eq!(check(" $states.input ").unwrap(), Reads::default());
    }
}
