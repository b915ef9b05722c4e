//! The Map fields that only distributed Maps use: `Label`, `ItemReader`, `ItemBatcher` and
//! `ResultWriter`. The local runtime does not run them, but the validator checks them the way
//! AWS does.

use serde_json::Value;

use super::{Compiler, Site};
use crate::diagnostic::{codes, push_pointer};
use crate::template::Template;

impl<'m> Compiler<'m> {
    /// A Map `Label`: unique in the machine (AWS has `DUPLICATE_LABEL_NAME`); its length
    /// and characters follow AWS's documentation for labels, as warnings.
    pub(super) fn label(&mut self, label: &'m str, pointer: &str) {
        if let Some(first) = self.labels.get(label) {
            let first = first.clone();
            self.error(
                codes::DUPLICATE_LABEL,
                pointer,
                format!("Duplicate Label: '{label}' is already the label of the Map state at {first}; labels must be unique in the whole state machine"),
            );
        } else {
            self.labels.insert(label, pointer.to_string());
        }
        let bad: Vec<char> = label
            .chars()
            .filter(|c| {
                c.is_whitespace() || c.is_control() || "?*<>{}[]:;,\\|^~$#%&`\"".contains(*c)
            })
            .collect();
        if label.is_empty() {
            self.warning(
                codes::INVALID_LABEL,
                pointer,
                "Invalid Label: a Map label must not be empty",
            );
        } else if label.chars().count() > 40 {
            self.warning(
                codes::INVALID_LABEL,
                pointer,
                format!(
                    "Invalid Label: '{label}' has {} characters; a Map label may have at most 40",
                    label.chars().count()
                ),
            );
        } else if !bad.is_empty() {
            let shown: String = bad
                .iter()
                .map(|c| format!("{c:?}"))
                .collect::<Vec<_>>()
                .join(" ");
            self.warning(
                codes::INVALID_LABEL,
                pointer,
                format!("Invalid Label: '{label}' contains characters AWS does not allow in a Map label ({shown}): white space, wildcards, brackets, control characters and : ; , \\ | ^ ~ $ # % & ` \" are not allowed"),
            );
        }
    }

    /// Checks the keys of a Map's `ItemReader`, `ItemBatcher` or `ResultWriter` object;
    /// returns it, or `None` (reported) when it is not an object.
    fn sub_object<'v>(
        &mut self,
        value: &'v Value,
        pointer: &str,
        name: &str,
        fields: &[&str],
        jsonpath: bool,
    ) -> Option<&'v serde_json::Map<String, Value>> {
        let Value::Object(map) = value else {
            self.error(
                codes::WRONG_TYPE,
                pointer,
                format!(
                    "'{name}' must be a JSON object, not {}",
                    crate::model::type_name(value)
                ),
            );
            return None;
        };
        for key in map.keys() {
            let kp = push_pointer(pointer, key);
            let other_language = if jsonpath {
                key == "Arguments"
            } else {
                key == "Parameters" || key.ends_with("Path")
            };
            if other_language && fields.contains(&key.as_str()) {
                self.error(
                    codes::UNKNOWN_FIELD,
                    &kp,
                    super::wrong_language(
                        if jsonpath {
                            crate::model::QueryLanguage::JsonPath
                        } else {
                            crate::model::QueryLanguage::Jsonata
                        },
                        key,
                    ),
                );
            } else if !fields.contains(&key.as_str()) {
                let hint = crate::suggest::hint(key, fields.iter().copied());
                self.error(
                    codes::UNKNOWN_FIELD,
                    &kp,
                    format!("Field '{key}' is not supported in '{name}'{hint}"),
                );
            }
        }
        if !jsonpath {
            self.jsonata_value(value, pointer, Site::Plain);
        }
        Some(map)
    }

    /// The `Parameters` of an item reader or result writer (JSONPath): a payload template.
    fn sub_parameters(
        &mut self,
        map: &serde_json::Map<String, Value>,
        pointer: &str,
        jsonpath: bool,
    ) {
        if jsonpath && let Some(parameters) = map.get("Parameters") {
            Template::compile(
                parameters,
                &push_pointer(pointer, "Parameters"),
                &mut self.diags,
            );
        }
    }

    fn sub_resource(
        &mut self,
        map: &serde_json::Map<String, Value>,
        pointer: &str,
        name: &str,
        what: &str,
    ) {
        match map.get("Resource") {
            None => self.error(
                codes::MISSING_FIELD,
                pointer,
                format!(
                    "These fields are required: [Resource]: '{name}' names {what} in 'Resource'"
                ),
            ),
            Some(Value::String(_)) => {}
            Some(other) => self.error(
                codes::WRONG_TYPE,
                &push_pointer(pointer, "Resource"),
                format!(
                    "'Resource' must be a string, not {}",
                    crate::model::type_name(other)
                ),
            ),
        }
    }

    /// A positive integer, or (JSONata) an expression; with its `...Path` twin (JSONPath).
    fn sub_count(
        &mut self,
        map: &serde_json::Map<String, Value>,
        pointer: &str,
        field: &str,
        jsonpath: bool,
    ) {
        let path_field = format!("{field}Path");
        if map.contains_key(field) && map.contains_key(&path_field) {
            self.error(
                codes::INVALID_VALUE,
                &push_pointer(pointer, &path_field),
                format!("'{field}' and '{path_field}' cannot both be set"),
            );
        }
        match map.get(field) {
            None => {}
            Some(Value::Number(n)) if n.as_u64().is_some_and(|n| n >= 1) => {}
            Some(Value::String(s)) => self.expression_for_number(
                s,
                &push_pointer(pointer, field),
                field,
                "a positive integer",
                jsonpath,
            ),
            Some(other) => self.error(
                if other.is_number() {
                    codes::OUT_OF_RANGE
                } else {
                    codes::WRONG_TYPE
                },
                &push_pointer(pointer, field),
                format!("'{field}' must be a positive integer, not {other}"),
            ),
        }
        if jsonpath && let Some(p) = map.get(&path_field) {
            let pp = push_pointer(pointer, &path_field);
            match p {
                Value::String(text) => {
                    self.path(text, &pp, true);
                }
                other => self.error(
                    codes::WRONG_TYPE,
                    &pp,
                    format!(
                        "'{path_field}' must be a path string, not {}",
                        crate::model::type_name(other)
                    ),
                ),
            }
        }
    }

    /// `ItemReader`: where a distributed Map reads its items.
    pub(super) fn item_reader(&mut self, value: &Value, pointer: &str, jsonpath: bool) {
        let Some(map) = self.sub_object(
            value,
            pointer,
            "ItemReader",
            &["Resource", "ReaderConfig", "Parameters", "Arguments"],
            jsonpath,
        ) else {
            return;
        };
        self.sub_resource(
            map,
            pointer,
            "ItemReader",
            "the action that reads the items (such as arn:aws:states:::s3:getObject)",
        );
        self.sub_parameters(map, pointer, jsonpath);
        let Some(config) = map.get("ReaderConfig") else {
            return;
        };
        let cp = push_pointer(pointer, "ReaderConfig");
        let Value::Object(config) = config else {
            self.error(
                codes::WRONG_TYPE,
                &cp,
                format!(
                    "'ReaderConfig' must be a JSON object, not {}",
                    crate::model::type_name(config)
                ),
            );
            return;
        };
        const ENUMS: &[(&str, &[&str])] = &[
            (
                "InputType",
                &["CSV", "JSON", "JSONL", "MANIFEST", "PARQUET"],
            ),
            ("CSVHeaderLocation", &["FIRST_ROW", "GIVEN"]),
            (
                "CSVDelimiter",
                &["COMMA", "PIPE", "SEMICOLON", "SPACE", "TAB"],
            ),
        ];
        for (key, value) in config {
            let kp = push_pointer(&cp, key);
            if let Some((_, allowed)) = ENUMS.iter().find(|(k, _)| k == key) {
                if !value.as_str().is_some_and(|v| allowed.contains(&v)) {
                    self.error(
                        codes::INVALID_VALUE,
                        &kp,
                        format!("'{key}' must be one of {}, not {value}", allowed.join(", ")),
                    );
                }
            } else if key == "CSVHeaders" {
                if !value
                    .as_array()
                    .is_some_and(|a| a.iter().all(Value::is_string))
                {
                    self.error(
                        codes::WRONG_TYPE,
                        &kp,
                        "'CSVHeaders' must be an array of column names (strings)",
                    );
                }
            } else if !["MaxItems", "MaxItemsPath"].contains(&key.as_str()) {
                // AWS adds reader options from time to time: an unknown one may be new.
                self.warning(
                    codes::UNKNOWN_FIELD,
                    &kp,
                    format!("Field '{key}' is not a known field of 'ReaderConfig' (InputType, CSVHeaderLocation, CSVHeaders, CSVDelimiter, MaxItems, MaxItemsPath)"),
                );
            }
        }
        self.sub_count(config, &cp, "MaxItems", jsonpath);
    }

    /// `ItemBatcher`: groups items into batches for a distributed Map.
    pub(super) fn item_batcher(&mut self, value: &Value, pointer: &str, jsonpath: bool) {
        let Some(map) = self.sub_object(
            value,
            pointer,
            "ItemBatcher",
            &[
                "MaxItemsPerBatch",
                "MaxItemsPerBatchPath",
                "MaxInputBytesPerBatch",
                "MaxInputBytesPerBatchPath",
                "BatchInput",
            ],
            jsonpath,
        ) else {
            return;
        };
        if !map.keys().any(|k| k.starts_with("Max")) {
            self.error(
                codes::MISSING_FIELD,
                pointer,
                "'ItemBatcher' needs at least one of 'MaxItemsPerBatch', 'MaxItemsPerBatchPath', 'MaxInputBytesPerBatch' and 'MaxInputBytesPerBatchPath'",
            );
        }
        self.sub_count(map, pointer, "MaxItemsPerBatch", jsonpath);
        self.sub_count(map, pointer, "MaxInputBytesPerBatch", jsonpath);
        if let Some(n) = map.get("MaxInputBytesPerBatch").and_then(Value::as_u64)
            && n > 262_144
        {
            self.warning(
                codes::OUT_OF_RANGE,
                &push_pointer(pointer, "MaxInputBytesPerBatch"),
                format!("'MaxInputBytesPerBatch' is {n}, but a batch can hold at most 256 KiB (262144 bytes)"),
            );
        }
        if jsonpath && let Some(input) = map.get("BatchInput") {
            Template::compile(input, &push_pointer(pointer, "BatchInput"), &mut self.diags);
        }
    }

    /// `ResultWriter`: where a distributed Map writes its results.
    pub(super) fn result_writer(&mut self, value: &Value, pointer: &str, jsonpath: bool) {
        let Some(map) = self.sub_object(
            value,
            pointer,
            "ResultWriter",
            &["Resource", "Parameters", "Arguments", "WriterConfig"],
            jsonpath,
        ) else {
            return;
        };
        self.sub_resource(
            map,
            pointer,
            "ResultWriter",
            "the action that writes the results (arn:aws:states:::s3:putObject)",
        );
        self.sub_parameters(map, pointer, jsonpath);
    }
}
