#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (and libFuzzer dictionaries) from the AWS-recorded
conformance cases, the examples and the CLI's test fixtures.

    python3 fuzz/seed_corpus.py [--out fuzz/corpus] [--workflow target/release/workflow]

For each target, one file per distinct seed in OUT/<target>/, named by its SHA-1:

* definition: every case's definition (indented, as people write them, and compact), the
  examples' and the fixtures' definitions;
* jsonpath: every string that starts with '$' in a definition (and every path inside an
  intrinsic call), then a newline and the case's input;
* template: every Parameters, ResultSelector, ItemSelector and Assign object, compact on the
  first line, then the case's input;
* intrinsic: every 'States.' call in a definition, then the case's input;
* history: the CLI's fixture, and for each case with a recorded history a history of its
  event types (ids, timestamps, a state name in the details); with --workflow, also the
  histories the binary writes (`run --history-out`) for the cases it can run without
  bindings;
* and, for the others, inputs as deep as what once overflowed a stack (`deep_seeds`).

The layout of the jsonpath, template and intrinsic seeds (text, newline, document) is the one
fuzz/src/lib.rs reads. Standard library only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "conformance" / "cases"
TEMPLATE_FIELDS = ("Parameters", "ResultSelector", "ItemSelector", "Assign")
INTRINSIC = re.compile(r"States\.[A-Za-z0-9]+\(")
# Paths inside intrinsic arguments: `$` up to a comma or a closing parenthesis.
PATH_IN_CALL = re.compile(r"\$[^,()\s]*")


class Corpus:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.counts: dict[str, int] = {}

    def add(self, target: str, data: str | bytes) -> None:
        if isinstance(data, str):
            data = data.encode("utf-8", "surrogatepass")
        folder = self.out / target
        folder.mkdir(parents=True, exist_ok=True)
        name = folder / hashlib.sha1(data).hexdigest()
        if not name.exists():
            name.write_bytes(data)
            self.counts[target] = self.counts.get(target, 0) + 1


def strings(value, key=None):
    """Every (key, string) in a JSON value, keys of objects included as strings."""
    stack = [(key, value)]
    while stack:
        k, v = stack.pop()
        if isinstance(v, str):
            yield k, v
        elif isinstance(v, dict):
            for kk, vv in v.items():
                yield None, kk
                stack.append((kk, vv))
        elif isinstance(v, list):
            stack.extend((k, item) for item in v)


def objects_under(value, fields):
    """Every object that is the value of one of `fields`, at any depth."""
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            for k, vv in v.items():
                if k in fields and isinstance(vv, dict):
                    yield vv
                stack.append(vv)
        elif isinstance(v, list):
            stack.extend(v)


def structural_keys(value):
    """The field names of the machine, its states, retriers, catchers and Choice rules (not
    the names inside payload templates)."""
    markers = {"StartAt", "Type", "ErrorEquals", "Variable", "And", "Or", "Not", "Next"}
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            if markers.intersection(v):
                yield from v
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


def compact(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def synthetic_history(types: list[str], epoch_seconds: bool) -> str:
    """A history of these event types; timestamps as RFC 3339 text or as seconds since the
    epoch (the AWS CLI prints either)."""
    events = []
    for i, t in enumerate(types, start=1):
        event = {
            "id": i,
            "previousEventId": i - 1,
            "timestamp": 1704067200 + i * 0.25 if epoch_seconds
            else f"2024-01-01T00:00:{i % 60:02d}.{i % 1000:03d}Z",
            "type": t,
        }
        detail = t[0].lower() + t[1:]
        if t.endswith("Entered") or t.endswith("Exited"):
            key = "stateEnteredEventDetails" if t.endswith("Entered") else "stateExitedEventDetails"
            event[key] = {"name": f"State_{i}", "input" if t.endswith("Entered") else "output": "{\"a\":1}"}
        elif t.endswith("Failed"):
            event[detail + "EventDetails"] = {"error": "States.Runtime", "cause": "it failed"}
        events.append(event)
    return json.dumps({"events": events}, indent=1)


def definition_texts(corpus: Corpus, definition) -> None:
    if isinstance(definition, str):
        corpus.add("definition", definition)
        return
    corpus.add("definition", json.dumps(definition, indent=2, ensure_ascii=False))
    corpus.add("definition", compact(definition))


def from_definition(corpus: Corpus, definition, document) -> None:
    definition_texts(corpus, definition)
    if isinstance(definition, str):
        return
    doc = json.dumps(document, ensure_ascii=False)
    for _, s in strings(definition):
        if "\n" in s:
            continue
        if s.startswith("$"):
            corpus.add("jsonpath", f"{s}\n{doc}")
        if INTRINSIC.search(s):
            if s.startswith("States."):
                corpus.add("intrinsic", f"{s}\n{doc}")
            for path in PATH_IN_CALL.findall(s):
                corpus.add("jsonpath", f"{path}\n{doc}")
    for template in objects_under(definition, TEMPLATE_FIELDS):
        corpus.add("template", f"{compact(template)}\n{doc}")


def deep_seeds(corpus: Corpus) -> None:
    """Inputs as deep as what issue 8 found overflowing a stack: a path 10,000 segments long
    (as ResultPath, as a template's path, as an intrinsic's argument), documents and
    definitions nested to JSON's usual limit (128). They make every run start with them."""
    deep_doc = "{}"
    for _ in range(120):
        deep_doc = '{"a":' + deep_doc + "}"
    for path in ("$" + ".a" * 10_000, "$" + "[0]" * 10_000, "$" + "..a" * 2_000, "$" + ".a" * 120):
        corpus.add("jsonpath", f"{path}\n{deep_doc}")
        corpus.add("template", f"{compact({'r.$': path})}\n{deep_doc}")
        corpus.add("intrinsic", f"States.Array({path})\n{deep_doc}")
    corpus.add("intrinsic", "States.Array(" + ", ".join(["$.a"] * 10_000) + ")\n" + deep_doc)
    corpus.add("definition", compact({"StartAt": "P", "States": {"P": {
        "Type": "Pass", "ResultPath": "$" + ".a" * 10_000, "End": True}}}))
    rule = {"Variable": "$.a", "IsPresent": True}
    for _ in range(60):
        rule = {"Not": {"And": [rule]}}
    rule["Next"] = "E"
    corpus.add("definition", compact({"StartAt": "C", "States": {
        "C": {"Type": "Choice", "Choices": [rule], "Default": "E"}, "E": {"Type": "Succeed"}}}))
    nested = {"Type": "Pass", "End": True}
    machine = {"StartAt": "P", "States": {"P": nested}}
    for _ in range(20):
        machine = {"StartAt": "M", "States": {"M": {"Type": "Parallel", "End": True, "Branches": [machine]}}}
    corpus.add("definition", compact(machine))


def runnable_without_bindings(definition) -> bool:
    text = json.dumps(definition)
    return '"Task"' not in text and "ItemReader" not in text and "JSONata" not in text


def real_histories(corpus: Corpus, workflow: str, cases: list[dict]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for i, case in enumerate(cases):
            definition = case["definition"]
            if not isinstance(definition, dict) or not runnable_without_bindings(definition):
                continue
            asl = os.path.join(tmp, "d.json")
            out = os.path.join(tmp, "h.json")
            with open(asl, "w") as f:
                json.dump(definition, f)
            try:
                subprocess.run(
                    [workflow, "run", asl, "--input", json.dumps(case.get("input")),
                     "--time-scale", "0", "--history-out", out],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=20, check=False,
                )
            except subprocess.TimeoutExpired:
                continue
            if os.path.exists(out):
                corpus.add("history", Path(out).read_bytes())
                os.remove(out)


def dictionaries(out: Path, keys: set[str], types: set[str], calls: set[str]) -> None:
    def quoted(token: str) -> str:
        # libFuzzer's dictionary syntax: a quoted string with \\, \" and \xHH escapes only.
        body = "".join(
            chr(b) if 0x20 <= b < 0x7F and b not in (0x22, 0x5C) else f"\\x{b:02X}"
            for b in token.encode("utf-8")
        )
        return f'"{body}"'

    def write(name: str, tokens) -> None:
        lines = [quoted(t) for t in sorted(set(tokens)) if t]
        (out / f"{name}.dict").write_text("\n".join(lines) + "\n")

    write("definition", [f'"{k}"' for k in keys] + [f'"{t}"' for t in types]
          + ["{", "}", "[", "]", ":", ",", "true", "null", "1e309", "-0", "\"\\u0000\""])
    path_tokens = ["$", "$$", ".", "..", "[*]", "[?(@.", ")]", "['", "']", "[-1]", "[0:2]",
                   "==", "!=", "<=", "=~", "&&", "||", ".length()", ".keys()", "\\'"]
    write("jsonpath", path_tokens)
    write("template", ['".$"', '"$.', '"States.', "{", "}", "[", "]"] + list(calls))
    write("intrinsic", list(calls) + ["(", ")", ",", "'", "\\'", "\\{", "{}", "$.", "$$.", "null"])
    write("history", ['"events"', '"type"', '"timestamp"', '"id"', "EventDetails", '"name"',
                      '"index"', '"error"', '"cause"', '"input"', '"output"'] + list(types))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(ROOT / "fuzz" / "corpus"))
    parser.add_argument("--workflow", help="the workflow binary, to add the histories it writes")
    args = parser.parse_args()
    out = Path(args.out)
    corpus = Corpus(out)

    cases = [json.loads(p.read_text()) for p in sorted(CASES.rglob("*.json"))]
    if not cases:
        print(f"error: no conformance cases under {CASES}", file=sys.stderr)
        return 1
    keys: set[str] = set()
    types: set[str] = set()
    calls: set[str] = set()
    for case in cases:
        definition = case["definition"]
        from_definition(corpus, definition, case.get("input"))
        if isinstance(definition, dict):
            keys.update(structural_keys(definition))
            for k, s in strings(definition):
                if k == "Type":
                    types.add(s)
                calls.update(m.rstrip("(") for m in INTRINSIC.findall(s))
        if case.get("history"):
            for epoch_seconds in (False, True):
                corpus.add("history", synthetic_history(case["history"], epoch_seconds))
            types.update(case["history"])

    for asl in [*sorted((ROOT / "examples").rglob("*.asl.json")),
                *sorted((ROOT / "workflow-cli" / "tests" / "fixtures").glob("*.json")),
                *sorted((ROOT / "workflow-cli" / "tests" / "fixtures").glob("*.yaml"))]:
        text = asl.read_text()
        if "history" in asl.name:
            corpus.add("history", text)
            continue
        corpus.add("definition", text)
        try:
            from_definition(corpus, json.loads(text), {"orderId": "o-1", "items": [1, 2]})
        except json.JSONDecodeError:
            pass

    deep_seeds(corpus)
    if args.workflow:
        real_histories(corpus, args.workflow, cases)
    dictionaries(out, keys, types, calls)
    summary = ", ".join(f"{t} {n}" for t, n in sorted(corpus.counts.items()))
    print(f"seeds written to {out}: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
