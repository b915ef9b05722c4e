//! Choice rules: compiled from their JSON form once, evaluated against a state's input.
