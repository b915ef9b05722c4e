// Intrinsic function names are case-sensitive: AWS refuses States.format (validator:
// unknown-intrinsic).
use workflow::prelude::*;

workflow! {
    pub Greeter(Value) {
        pass Greet { parameters: { message: States.format("Hello, {}!", $.name) }, end }
    }
}

fn main() {}
