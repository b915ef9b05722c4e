// Two states that go to each other, and nothing ever ends.
use workflow::prelude::*;

workflow! {
    pub PingPong(Value) {
        pass Ping { next: Pong }
        pass Pong { next: Ping }
    }
}

fn main() {}
