// Once `Poll` is entered the execution never ends: refused, where the cycle starts.
use workflow::prelude::*;

workflow! {
    pub Poller(Value) {
        choice Ready {
            when $.ready == false => Poll,
            default => Done,
        }
        wait Poll { seconds: 60, next: Check }
        pass Check { next: Poll }
        succeed Done;
    }
}

fn main() {}
