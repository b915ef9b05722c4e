//! The 18 intrinsic functions (`States.Format(...)`, `States.Array(...)`, ...): parsed once when
//! a definition is compiled, evaluated against paths at run time.
