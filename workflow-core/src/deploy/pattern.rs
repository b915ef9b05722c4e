//! Resource ARNs and condition values as a policy writes them, before they are known: the
//! deploying account's partition, region and id, the state machine's own name and the
//! definition's `${Name}` substitutions are pieces that each output fills in its own way.
//!
//! `workflow iam` writes a plain policy document ([`PlainValues`]): what it was told
//! (`--region`, `--account`, ...) or `*` for what it was not. `workflow template` writes the
//! same pieces as CloudFormation's `Fn::Sub` ([`CfnValues`]), so that the stack fills them in.

use serde_json::{Map, Value, json};

/// One piece of a [`Pattern`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Piece {
    /// Text as written.
    Text(String),
    /// The AWS partition of the deploying account (`aws`, `aws-cn`, ...).
    Partition,
    /// The region the state machine runs in.
    Region,
    /// The id of the account the state machine runs in.
    Account,
    /// The state machine's own name.
    StateMachineName,
    /// The value of the definition substitution `${name}`.
    Substitution(String),
    /// One field of the value of `${name}`: the value split at `separator`, field `index`
    /// (from 0), such as the name of a state machine in its ARN (`:`, 6).
    SubstitutionField {
        /// The substitution.
        name: String,
        /// What the value is split at.
        separator: char,
        /// The field.
        index: usize,
    },
}

/// A resource ARN (or a condition value) of a policy statement.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Pattern {
    /// `*`: any resource. For dynamic values (read from the state's input at run time) and
    /// where AWS's documented policy requires it.
    Any,
    /// A value made of pieces.
    Pieces(Vec<Piece>),
    /// The whole ARN the substitution `${name}` stands for (a Lambda function's ARN, a state
    /// machine's, a topic's), then `suffix` (a function's `:qualifier`). `fallback` is what
    /// a plain policy writes while the substitution has no value: the same kind of ARN with
    /// `*` for the name.
    Substituted {
        /// The substitution.
        name: String,
        /// Text after the ARN, usually none.
        suffix: String,
        /// The ARN pattern written when the substitution's value is not known.
        fallback: Vec<Piece>,
    },
}

impl Pattern {
    /// `arn:<partition>:<service>:<region>:<account>:<resource>` in the deploying account and
    /// region.
    pub fn arn(service: &str, resource: Vec<Piece>) -> Pattern {
        let mut pieces = vec![
            Piece::Text("arn:".into()),
            Piece::Partition,
            Piece::Text(format!(":{service}:")),
            Piece::Region,
            Piece::Text(":".into()),
            Piece::Account,
            Piece::Text(":".into()),
        ];
        pieces.extend(resource);
        Pattern::Pieces(merge_text(pieces))
    }

    /// `arn:<partition>:<service>:::<resource>`: a resource without region or account (an S3
    /// bucket or object).
    pub fn global_arn(service: &str, resource: Vec<Piece>) -> Pattern {
        let mut pieces = vec![
            Piece::Text("arn:".into()),
            Piece::Partition,
            Piece::Text(format!(":{service}:::")),
        ];
        pieces.extend(resource);
        Pattern::Pieces(merge_text(pieces))
    }

    /// A value as written in the definition: its `${Name}` substitutions become pieces.
    pub fn written(text: &str) -> Pattern {
        Pattern::Pieces(pieces(text))
    }

    /// True when the pattern names every resource.
    pub fn is_any(&self) -> bool {
        matches!(self, Pattern::Any)
    }
}

/// The pieces of a text: `${Name}` substitutions apart, the rest as text.
pub fn pieces(text: &str) -> Vec<Piece> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) if end > 0 && !after[..end].contains('{') => {
                out.push(Piece::Text(rest[..start].to_string()));
                out.push(Piece::Substitution(after[..end].to_string()));
                rest = &after[end + 1..];
            }
            _ => {
                out.push(Piece::Text(rest[..start + 2].to_string()));
                rest = after;
            }
        }
    }
    out.push(Piece::Text(rest.to_string()));
    merge_text(out)
}

/// The pieces as they go: adjacent texts joined, empty ones dropped.
fn merge_text(pieces: Vec<Piece>) -> Vec<Piece> {
    let mut out: Vec<Piece> = Vec::with_capacity(pieces.len());
    for piece in pieces {
        match (out.last_mut(), piece) {
            (_, Piece::Text(t)) if t.is_empty() => {}
            (Some(Piece::Text(last)), Piece::Text(t)) => last.push_str(&t),
            (_, piece) => out.push(piece),
        }
    }
    out
}

/// The values a plain policy document (`workflow iam`) fills in; `*` for each one not given.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct PlainValues {
    /// The partition; `aws` when not given.
    pub partition: Option<String>,
    /// The region.
    pub region: Option<String>,
    /// The account id.
    pub account: Option<String>,
    /// The state machine's name.
    pub state_machine_name: Option<String>,
}

impl PlainValues {
    /// The partition (`aws` when `None`).
    pub fn partition(mut self, partition: Option<String>) -> PlainValues {
        self.partition = partition;
        self
    }

    /// The region.
    pub fn region(mut self, region: Option<String>) -> PlainValues {
        self.region = region;
        self
    }

    /// The account id.
    pub fn account(mut self, account: Option<String>) -> PlainValues {
        self.account = account;
        self
    }

    /// The state machine's name.
    pub fn state_machine_name(mut self, name: Option<String>) -> PlainValues {
        self.state_machine_name = name;
        self
    }

    /// Writes a pattern as the text of a policy: a piece with no value is `*` (the
    /// substitutions have been replaced in the definition before, so those left have none).
    pub fn render(&self, pattern: &Pattern) -> String {
        match pattern {
            Pattern::Any => "*".to_string(),
            Pattern::Pieces(pieces)
            | Pattern::Substituted {
                fallback: pieces, ..
            } => pieces.iter().map(|p| self.piece(p)).collect(),
        }
    }

    fn piece<'a>(&'a self, piece: &'a Piece) -> &'a str {
        let given = |v: &'a Option<String>| v.as_deref().unwrap_or("*");
        match piece {
            Piece::Text(t) => t,
            Piece::Partition => self.partition.as_deref().unwrap_or("aws"),
            Piece::Region => given(&self.region),
            Piece::Account => given(&self.account),
            Piece::StateMachineName => given(&self.state_machine_name),
            Piece::Substitution(_) | Piece::SubstitutionField { .. } => "*",
        }
    }
}

/// How a CloudFormation template names what a pattern leaves open.
pub struct CfnValues<'a> {
    /// The template parameter that holds the state machine's name.
    pub state_machine_name: &'a str,
    /// For a substitution: the variable `Fn::Sub` reads it from (`ChargeFunction.Arn`, a
    /// parameter's name) and the expression of its value (`Fn::GetAtt`, `Ref`).
    pub substitution: &'a dyn Fn(&str) -> (String, Value),
}

impl CfnValues<'_> {
    /// A pattern as a CloudFormation value: plain text when it is all text, the
    /// substitution's own expression when it is one whole, else `Fn::Sub`.
    pub fn render(&self, pattern: &Pattern) -> Value {
        let pieces = match pattern {
            Pattern::Any => return json!("*"),
            Pattern::Substituted { name, suffix, .. } if suffix.is_empty() => {
                return (self.substitution)(name).1;
            }
            Pattern::Substituted { name, suffix, .. } => {
                let variable = (self.substitution)(name).0;
                return json!({ "Fn::Sub": format!("${{{variable}}}{}", suffix.replace("${", "${!")) });
            }
            Pattern::Pieces(pieces) => pieces,
        };
        if let [Piece::Text(text)] = pieces.as_slice() {
            return json!(text);
        }
        if pieces.is_empty() {
            return json!("");
        }
        let mut template = String::new();
        let mut variables = Map::new();
        for piece in pieces {
            match piece {
                // `${` starts a variable in Fn::Sub; `${!` writes it literally.
                Piece::Text(t) => template.push_str(&t.replace("${", "${!")),
                Piece::Partition => template.push_str("${AWS::Partition}"),
                Piece::Region => template.push_str("${AWS::Region}"),
                Piece::Account => template.push_str("${AWS::AccountId}"),
                Piece::StateMachineName => {
                    template.push_str(&format!("${{{}}}", self.state_machine_name))
                }
                Piece::Substitution(name) => {
                    template.push_str(&format!("${{{}}}", (self.substitution)(name).0))
                }
                Piece::SubstitutionField {
                    name,
                    separator,
                    index,
                } => {
                    let variable = format!("Field{}", variables.len() + 1);
                    template.push_str(&format!("${{{variable}}}"));
                    let value = (self.substitution)(name).1;
                    variables.insert(
                        variable,
                        json!({"Fn::Select": [index, {"Fn::Split": [separator.to_string(), value]}]}),
                    );
                }
            }
        }
        if variables.is_empty() {
            json!({ "Fn::Sub": template })
        } else {
            json!({ "Fn::Sub": [template, variables] })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substitutions_are_pieces_of_the_text() {
        assert_eq!(
            pieces("table/${Orders}-${Stage}"),
            vec![
                Piece::Text("table/".into()),
                Piece::Substitution("Orders".into()),
                Piece::Text("-".into()),
                Piece::Substitution("Stage".into()),
            ]
        );
        // Not substitutions: no name, no closing brace, a brace inside.
        for text in ["${}", "a${b", "${a{b}", "$x"] {
            assert_eq!(pieces(text), vec![Piece::Text(text.into())], "{text}");
        }
        assert_eq!(pieces(""), vec![]);
    }

    #[test]
    fn a_plain_policy_fills_in_what_it_knows_and_stars_the_rest() {
        let table = Pattern::arn("dynamodb", pieces("table/${Orders}"));
        let unknown = PlainValues::default();
        assert_eq!(unknown.render(&table), "arn:aws:dynamodb:*:*:table/*");
        let known = PlainValues::default()
            .partition(Some("aws-cn".into()))
            .region(Some("cn-north-1".into()))
            .account(Some("123456789012".into()));
        assert_eq!(
            known.render(&table),
            "arn:aws-cn:dynamodb:cn-north-1:123456789012:table/*"
        );
        let function = Pattern::Substituted {
            name: "Charge".into(),
            suffix: String::new(),
            fallback: match Pattern::arn("lambda", vec![Piece::Text("function:*".into())]) {
                Pattern::Pieces(p) => p,
                _ => unreachable!(),
            },
        };
        assert_eq!(
            known.render(&function),
            "arn:aws-cn:lambda:cn-north-1:123456789012:function:*"
        );
        assert_eq!(known.render(&Pattern::Any), "*");
    }

    #[test]
    fn cloudformation_fills_in_with_fn_sub() {
        let substitution = |name: &str| {
            (
                format!("{name}Function.Arn"),
                json!({"Fn::GetAtt": [format!("{name}Function"), "Arn"]}),
            )
        };
        let values = CfnValues {
            state_machine_name: "StateMachineName",
            substitution: &substitution,
        };
        assert_eq!(
            values.render(&Pattern::arn("states", pieces("stateMachine:Child"))),
            json!({"Fn::Sub": "arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:Child"})
        );
        assert_eq!(
            values.render(&Pattern::Substituted {
                name: "Charge".into(),
                suffix: String::new(),
                fallback: vec![]
            }),
            json!({"Fn::GetAtt": ["ChargeFunction", "Arn"]})
        );
        assert_eq!(
            values.render(&Pattern::Substituted {
                name: "Charge".into(),
                suffix: ":live".into(),
                fallback: vec![]
            }),
            json!({"Fn::Sub": "${ChargeFunction.Arn}:live"})
        );
        assert_eq!(
            values.render(&Pattern::written("arn:aws:sns:us-east-1:123456789012:t")),
            json!("arn:aws:sns:us-east-1:123456789012:t")
        );
        // A literal `${` is escaped; a field of a substitution is a variable of Fn::Sub.
        let field = Pattern::Pieces(vec![
            Piece::Text("a${b".into()),
            Piece::SubstitutionField {
                name: "Child".into(),
                separator: ':',
                index: 6,
            },
        ]);
        assert_eq!(
            values.render(&field),
            json!({"Fn::Sub": ["a${!b${Field1}", {"Field1": {"Fn::Select": [6, {"Fn::Split": [":", {"Fn::GetAtt": ["ChildFunction", "Arn"]}]}]}}]})
        );
    }
}
