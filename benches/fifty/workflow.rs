// A 50-state workflow: 40 Pass and 10 Task states, for measuring what `workflow!` costs
// at build time (benches/dsl-build-time.sh) and at run time (the workloads bench).

workflow::workflow! {
    /// Fifty states.
    pub Fifty(FiftyDoc) -> FiftyDoc {
        pass S00 { result: { step: 0, tag: "fifty" }, result_path: $.last, next: S01 }
        pass S01 { result: { step: 1, tag: "fifty" }, result_path: $.last, next: S02 }
        pass S02 { result: { step: 2, tag: "fifty" }, result_path: $.last, next: S03 }
        pass S03 { result: { step: 3, tag: "fifty" }, result_path: $.last, next: S04 }
        task S04 = increment { input_path: $.counter, result_path: $.counter, next: S05 }
        pass S05 { result: { step: 5, tag: "fifty" }, result_path: $.last, next: S06 }
        pass S06 { result: { step: 6, tag: "fifty" }, result_path: $.last, next: S07 }
        pass S07 { result: { step: 7, tag: "fifty" }, result_path: $.last, next: S08 }
        pass S08 { result: { step: 8, tag: "fifty" }, result_path: $.last, next: S09 }
        task S09 = increment { input_path: $.counter, result_path: $.counter, next: S10 }
        pass S10 { result: { step: 10, tag: "fifty" }, result_path: $.last, next: S11 }
        pass S11 { result: { step: 11, tag: "fifty" }, result_path: $.last, next: S12 }
        pass S12 { result: { step: 12, tag: "fifty" }, result_path: $.last, next: S13 }
        pass S13 { result: { step: 13, tag: "fifty" }, result_path: $.last, next: S14 }
        task S14 = increment { input_path: $.counter, result_path: $.counter, next: S15 }
        pass S15 { result: { step: 15, tag: "fifty" }, result_path: $.last, next: S16 }
        pass S16 { result: { step: 16, tag: "fifty" }, result_path: $.last, next: S17 }
        pass S17 { result: { step: 17, tag: "fifty" }, result_path: $.last, next: S18 }
        pass S18 { result: { step: 18, tag: "fifty" }, result_path: $.last, next: S19 }
        task S19 = increment { input_path: $.counter, result_path: $.counter, next: S20 }
        pass S20 { result: { step: 20, tag: "fifty" }, result_path: $.last, next: S21 }
        pass S21 { result: { step: 21, tag: "fifty" }, result_path: $.last, next: S22 }
        pass S22 { result: { step: 22, tag: "fifty" }, result_path: $.last, next: S23 }
        pass S23 { result: { step: 23, tag: "fifty" }, result_path: $.last, next: S24 }
        task S24 = increment { input_path: $.counter, result_path: $.counter, next: S25 }
        pass S25 { result: { step: 25, tag: "fifty" }, result_path: $.last, next: S26 }
        pass S26 { result: { step: 26, tag: "fifty" }, result_path: $.last, next: S27 }
        pass S27 { result: { step: 27, tag: "fifty" }, result_path: $.last, next: S28 }
        pass S28 { result: { step: 28, tag: "fifty" }, result_path: $.last, next: S29 }
        task S29 = increment { input_path: $.counter, result_path: $.counter, next: S30 }
        pass S30 { result: { step: 30, tag: "fifty" }, result_path: $.last, next: S31 }
        pass S31 { result: { step: 31, tag: "fifty" }, result_path: $.last, next: S32 }
        pass S32 { result: { step: 32, tag: "fifty" }, result_path: $.last, next: S33 }
        pass S33 { result: { step: 33, tag: "fifty" }, result_path: $.last, next: S34 }
        task S34 = increment { input_path: $.counter, result_path: $.counter, next: S35 }
        pass S35 { result: { step: 35, tag: "fifty" }, result_path: $.last, next: S36 }
        pass S36 { result: { step: 36, tag: "fifty" }, result_path: $.last, next: S37 }
        pass S37 { result: { step: 37, tag: "fifty" }, result_path: $.last, next: S38 }
        pass S38 { result: { step: 38, tag: "fifty" }, result_path: $.last, next: S39 }
        task S39 = increment { input_path: $.counter, result_path: $.counter, next: S40 }
        pass S40 { result: { step: 40, tag: "fifty" }, result_path: $.last, next: S41 }
        pass S41 { result: { step: 41, tag: "fifty" }, result_path: $.last, next: S42 }
        pass S42 { result: { step: 42, tag: "fifty" }, result_path: $.last, next: S43 }
        pass S43 { result: { step: 43, tag: "fifty" }, result_path: $.last, next: S44 }
        task S44 = increment { input_path: $.counter, result_path: $.counter, next: S45 }
        pass S45 { result: { step: 45, tag: "fifty" }, result_path: $.last, next: S46 }
        pass S46 { result: { step: 46, tag: "fifty" }, result_path: $.last, next: S47 }
        pass S47 { result: { step: 47, tag: "fifty" }, result_path: $.last, next: S48 }
        pass S48 { result: { step: 48, tag: "fifty" }, result_path: $.last, next: S49 }
        task S49 = increment { input_path: $.counter, result_path: $.counter, end }
    }
}
