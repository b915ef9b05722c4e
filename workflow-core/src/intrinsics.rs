//! TEMPORARY stand-in (replaced by the intrinsics branch).
#![allow(missing_docs, dead_code)]
use crate::path::Env;
use crate::{AslError, Entropy};
use serde_json::Value;
#[derive(Clone, Debug)]
pub struct IntrinsicCall { text: String }
#[derive(Clone, Debug)]
pub struct IntrinsicSyntaxError { pub code: &'static str, pub message: String, pub offset: usize }
impl IntrinsicCall {
    pub fn parse(text: &str) -> Result<IntrinsicCall, IntrinsicSyntaxError> { Ok(IntrinsicCall { text: text.into() }) }
    pub fn text(&self) -> &str { &self.text }
    pub fn evaluate(&self, _env: &Env<'_>, _entropy: &mut dyn Entropy) -> Result<Value, AslError> { Err(AslError::intrinsic("stub")) }
}
pub fn is_intrinsic_call(text: &str) -> bool { text.starts_with("States.") }
