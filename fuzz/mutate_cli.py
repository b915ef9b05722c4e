#!/usr/bin/env python3
"""Mutates the corpus's definitions (and inputs, mock configs, price tables and the histories
it makes itself) and runs every subcommand of the `workflow` binary on them, each process
with a timeout, a 1 GiB address-space cap and a cap on what it prints.

    python3 fuzz/mutate_cli.py --workflow target/release/workflow --seconds 600 --seed 1

A finding is an invocation that
  * exits with a code outside 0-4 (a panic exits 101), or dies of a signal;
  * prints panic text ("panicked at", "RUST_BACKTRACE") on stderr;
  * runs past the timeout (a hang);
  * prints more than 10 MB (stdout and stderr together) for a definition under 1 MB;
  * runs out of memory: dies of the 1 GiB cap (an allocation failure), says it is out of
    memory, or peaks near the cap (its maximum resident set, from wait4);
  * or fails one of the checks that need no reference output: an SVG that is not XML,
    a raw control character (a newline in a label) in Mermaid or DOT, a definition's problems
    on stdout in graph and cost (stdout is for the document), a price that is negative,
    not a number, or lower for more work (an overflow), a price table that cannot be right
    (negative, not an object) accepted, `cost --show-prices` refused, a failed write to
    stdout (/dev/full) with exit 0, a bound command left running after `workflow` ended or
    was told to stop (SIGTERM), a bound command's failure past AWS's bounds (error 256,
    cause 32,768 characters), an execution with nothing that waits TIMED_OUT at the one-year
    limit at --time-scale 0.

Every finding is saved under --findings (default fuzz/findings) in its own folder: the files
the command read, `command.sh` to run it again (from that folder, with WORKFLOW set to the
binary), its output (the first 64 KB of each stream) and `finding.json`. The script prints a
summary (invocations per subcommand, findings by kind and by signature) and exits 1 when it
found something, 0 otherwise. Standard library only; Linux (it reads /proc).
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import random
import re
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = ROOT / "tests" / "conformance" / "cases"

MEMORY_CAP = 1 << 30  # bytes of address space per process
NEAR_CAP_RSS = 900 << 20  # a resident peak this close to the cap is a finding
OUTPUT_CAP = 10_000_000  # stdout + stderr, for a definition under DEFINITION_LIMIT
DEFINITION_LIMIT = 1 << 20  # AWS's 1 MB definition quota
FILE_SIZE_CAP = 1 << 30  # what a process may write to a file (history-out, -o)
MAX_FILE = 3 << 20  # the largest file this script writes (definitions, inputs, mocks)
MAX_HISTORY = 16 << 20  # the largest history (one with a 10 MB state name)
SCRIPT_MEMORY = 4 << 30  # this script's own address space: a MemoryError, not the OOM killer
KEEP = 64 * 1024  # output saved with a finding, per stream
KEEP_FOR_CHECKS = 4 << 20  # output kept for the checks of the documents, per stream
SAMPLES_PER_SIGNATURE = 3

PANIC_MARKERS = (b"panicked at", b"RUST_BACKTRACE")
OOM_MARKERS = (b"memory allocation of", b"out of memory", b"Cannot allocate memory",
               b"os error 12", b"capacity overflow")
STATE_TYPES = ["Pass", "Task", "Choice", "Wait", "Succeed", "Fail", "Parallel", "Map"]
INTRINSICS = ["States.Format", "States.StringToJson", "States.JsonToString", "States.Array",
              "States.ArrayPartition", "States.ArrayContains", "States.ArrayRange",
              "States.ArrayGetItem", "States.ArrayLength", "States.ArrayUnique",
              "States.Base64Encode", "States.Base64Decode", "States.Hash", "States.JsonMerge",
              "States.MathRandom", "States.MathAdd", "States.StringSplit", "States.UUID"]
HUGE_NUMBERS = ["1e309", "-1e400", "1e-400", "18446744073709551616", "18446744073709551615",
                "9223372036854775807", "-9223372036854775808", "9223372036854775808",
                "2147483648", "-2147483649", "99999999999999999999999999999", "-0", "0.0",
                "1.7976931348623157e308", "4.9e-324", "31536000000", "1e7", "-1"]
CONTROL = ["\u0000", "\u0001", "\u0007", "\b", "\t", "\n", "\r", "\u001b", "\u001f", "\u007f",
           "\u0085", "\u2028", "\u2029", "\u202e", "\u200b", "\ufeff", "\ud800", "\udfff",
           "<", ">", "&", "\"", "'", "\\", "{}", "]]>", "-->", "%%", "|"]
NEVER = "arn:aws:lambda:us-east-1:111111111111:function:never"
SPECIAL_FILES = ["/dev/zero", "/dev/urandom", "/dev/null", "/proc/self/status", "/"]


# ---------------------------------------------------------------------------- JSON text

class Pairs(list):
    """An object whose members are a list of (key, value): it can repeat a key."""


class TooBig(Exception):
    """A value whose text would pass the size given to `dump` (a mutation can repeat a large
    part thousands of times: the text is never built)."""


def dump(value, indent: bool, limit: int | None = None) -> str:
    """JSON text of a value that may hold Pairs, lone surrogates and non-finite floats
    (as numbers too large for a double); TooBig past `limit` characters (MAX_FILE)."""
    limit = MAX_FILE if limit is None else limit
    out: list[str] = []
    size = 0

    def emit(text: str) -> None:
        nonlocal size
        size += len(text)
        if size > limit:
            raise TooBig()
        out.append(text)

    stack: list = [("v", value, 0)]
    nl = "\n" if indent else ""
    while stack:
        kind, v, depth = stack.pop()
        if kind == "s":
            emit(v)
            continue
        pad = ("  " * depth) if indent else ""
        if isinstance(v, (dict, Pairs)):
            items = list(v.items()) if isinstance(v, dict) else list(v)
            if not items:
                emit("{}")
                continue
            parts: list = [("s", "{" + nl, 0)]
            for i, (k, vv) in enumerate(items):
                parts.append(("s", ("  " * (depth + 1) if indent else "") + string(k) + ":" + (" " if indent else ""), 0))
                parts.append(("v", vv, depth + 1))
                parts.append(("s", ("," if i + 1 < len(items) else "") + nl, 0))
            parts.append(("s", pad + "}", 0))
            stack.extend(reversed(parts))
        elif isinstance(v, list):
            if not v:
                emit("[]")
                continue
            parts = [("s", "[" + nl, 0)]
            for i, item in enumerate(v):
                parts.append(("s", "  " * (depth + 1) if indent else "", 0))
                parts.append(("v", item, depth + 1))
                parts.append(("s", ("," if i + 1 < len(v) else "") + nl, 0))
            parts.append(("s", pad + "]", 0))
            stack.extend(reversed(parts))
        elif isinstance(v, str):
            emit(string(v))
        elif isinstance(v, Raw):
            emit(v.text)
        elif isinstance(v, float) and not math.isfinite(v):
            emit("1e999" if v > 0 else "-1e999")
        else:
            emit(json.dumps(v))
    return "".join(out)


class Raw:
    """JSON text written as is (a number json cannot say, such as 1e309)."""

    def __init__(self, text: str) -> None:
        self.text = text


def dump_or(value, fallback) -> str:
    """`dump(value)`, or `dump(fallback)` when value's text would be too big."""
    try:
        return dump(value, indent=True)
    except TooBig:
        return dump(fallback, indent=True)


def string(s: str) -> str:
    # json.dumps escapes lone surrogates as \udXXX, which is what we want in the text.
    return json.dumps(s, ensure_ascii=False)


def encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


# ---------------------------------------------------------------------------- corpus

@dataclass
class Seed:
    name: str
    definition: object  # a JSON value, or str for text that is not JSON
    input: object = None
    resources: dict = field(default_factory=dict)
    mock: dict | None = None
    test_case: str | None = None


def load_corpus() -> list[Seed]:
    seeds = []
    for path in sorted(CASES.rglob("*.json")):
        case = json.loads(path.read_text())
        seeds.append(Seed(case["name"], case["definition"], case.get("input"),
                          case.get("resources") or {}))
    examples = ROOT / "examples"
    quick = Seed("examples/quickstart", json.loads((examples / "quickstart.asl.json").read_text()),
                 json.loads((examples / "quickstart.input.json").read_text()), {},
                 json.loads((examples / "quickstart.mock.json").read_text()), "HappyPath")
    seeds.append(quick)
    for path in sorted((examples / "asl").rglob("*.asl.json")):
        seeds.append(Seed(f"examples/{path.name}", json.loads(path.read_text()), {"orderId": "o-1"}))
    for path in sorted((ROOT / "workflow-cli" / "tests" / "fixtures").glob("*.asl.json")):
        seeds.append(Seed(f"fixtures/{path.name}", json.loads(path.read_text()), {}))
    return seeds


# ---------------------------------------------------------------------------- mutations

def nodes(value):
    """Every (container, key) slot of a JSON value, iteratively."""
    out = []
    stack = [value]
    while stack and len(out) < 20000:
        v = stack.pop()
        if isinstance(v, Pairs):
            continue
        if isinstance(v, dict):
            for k in list(v):
                out.append((v, k))
                stack.append(v[k])
        elif isinstance(v, list):
            for i in range(len(v)):
                out.append((v, i))
                stack.append(v[i])
    return out


def objects(value):
    return [v for v in iter_values(value) if isinstance(v, dict)]


def iter_values(value):
    stack = [value]
    seen = 0
    while stack and seen < 20000:
        v = stack.pop()
        seen += 1
        yield v
        if isinstance(v, Pairs):
            continue
        if isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


def state_maps(definition):
    """Every `States` object (top level, branches, item processors)."""
    return [o["States"] for o in objects(definition)
            if isinstance(o.get("States"), dict) and o["States"]]


def loops(definition) -> bool:
    """Whether some scope's states lead back to one another (Next, Default, a Choice rule's or
    a Catch's Next): a run may then go on until the history quota."""
    for states in state_maps(definition) if isinstance(definition, dict) else []:
        edges = {}
        for name, state in states.items():
            targets = []
            if isinstance(state, dict):
                targets.append(state.get("Next"))
                targets.append(state.get("Default"))
                for key in ("Choices", "Catch"):
                    if isinstance(state.get(key), list):
                        targets += [r.get("Next") for r in state[key] if isinstance(r, dict)]
            edges[name] = [t for t in targets if isinstance(t, str) and t in states]
        # Iterative depth-first search for a back edge.
        colour = {}
        for root in edges:
            if root in colour:
                continue
            stack = [(root, iter(edges[root]))]
            colour[root] = 1
            while stack:
                node, children = stack[-1]
                child = next(children, None)
                if child is None:
                    colour[node] = 2
                    stack.pop()
                elif colour.get(child) == 1:
                    return True
                elif child not in colour:
                    colour[child] = 1
                    stack.append((child, iter(edges[child])))
    return False


def random_scalar(rng: random.Random):
    return rng.choice([None, True, False, 0, -1, 1.5, "", "x", "$", "$.a", "States.UUID()",
                       Raw(rng.choice(HUGE_NUMBERS)), [], {}, "a" * rng.choice([1, 300, 5000])])


def deep(rng: random.Random, depth: int):
    v: object = rng.choice([1, "x", None])
    for _ in range(depth):
        v = [v] if rng.random() < 0.5 else {"a": v}
    return v


def long_string(rng: random.Random) -> str:
    n = rng.choice([256, 4096, 70_000, 300_000, 900_000])
    unit = rng.choice(["a", "é", "中", "\u0001", "{}", "$.", "\\", "𝄞", "ab\n"])
    return (unit * (n // len(unit) + 1))[:n]


def mutate_value(rng: random.Random, value):
    """One structure-aware change somewhere in a JSON value; returns the new value."""
    slots = nodes(value)
    op = rng.randrange(10)
    if not slots or op == 0:
        return rng.choice([deep(rng, rng.choice([64, 200, 5000])), random_scalar(rng), [value], {"a": value}])
    container, key = rng.choice(slots)
    current = container[key]
    if op == 1 and isinstance(container, dict):
        del container[key]
    elif op == 2 and isinstance(container, dict):  # duplicate a member
        items = list(container.items())
        i = list(container).index(key)
        items.insert(i + 1, (key, rng.choice([current, random_scalar(rng)])))
        pairs = Pairs(items)
        replace(value, container, pairs)
        if container is value:
            return pairs
    elif op == 3 and isinstance(container, dict) and len(container) > 1:  # swap
        other = rng.choice(list(container))
        container[key], container[other] = container[other], current
    elif op == 4:  # change type
        container[key] = rng.choice([random_scalar(rng), [current], {"v": current}, text_of(current)[:50]])
    elif op == 5:
        container[key] = Raw(rng.choice(HUGE_NUMBERS))
    elif op == 6:
        container[key] = deep(rng, rng.choice([30, 128, 129, 1000, 20000]))
    elif op == 7:
        container[key] = long_string(rng) if rng.random() < 0.5 else (
            text_of(current) + rng.choice(CONTROL) * rng.randint(1, 3))
    elif op == 8:
        container[key] = [rng.choice([0, "x", {"a": 1}, None])] * rng.choice([1000, 20000, 100000])
    elif op == 9 and isinstance(current, str):
        container[key] = mutate_string(rng, current)
    else:
        container[key] = random_scalar(rng)
    return value


def text_of(value) -> str:
    """A string for a value without walking it (it may nest thousands deep)."""
    return value if isinstance(value, str) else type(value).__name__


def replace(root, old, new):
    """Puts `new` where `old` is held inside root (identity)."""
    for v in iter_values(root):
        if isinstance(v, dict):
            for k, vv in v.items():
                if vv is old:
                    v[k] = new
                    return
        elif isinstance(v, list):
            for i, vv in enumerate(v):
                if vv is old:
                    v[i] = new
                    return


def mutate_string(rng: random.Random, s: str) -> str:
    if s.startswith("$"):
        return mutate_path(rng, s)
    if s.startswith("States."):
        return mutate_intrinsic(rng, s)
    return rng.choice([
        s + rng.choice(CONTROL),
        rng.choice(CONTROL) + s,
        s * rng.choice([2, 100]),
        s[: rng.randint(0, len(s))],
        "$." + s,
        "States." + s,
        rng.choice(INTRINSICS) + "(" + s + ")",
    ])


def mutate_path(rng: random.Random, p: str) -> str:
    n = rng.choice([2, 128, 129, 1000, 10000])
    return rng.choice([
        p + ".a" * n,
        p + "[0]" * n,
        p + "['a\\'b']",
        p + "['a\\\\']",
        p + '["a\\"b"]',
        p + "[99999999999999999999]",
        p + "[-1]",
        p + "[-9223372036854775808]",
        p + "..a",
        p + "..*",
        p + "[*]" * rng.choice([1, 50]),
        p + "[?(@.a > 1)]",
        p + "[?(" * n + "@.a" + ")]" * n,
        p + "[?(@.a == " + "1 && @.b == " * n + "2)]",
        p + ".length()",
        p + ".keys()",
        p + "[1:-1:0]",
        p + "['" + rng.choice(CONTROL) + "']",
        p[: rng.randint(0, len(p))],
        p.replace(".", ".."),
        p + rng.choice(["[", "]", "'", "(", ".", "$", "\\"]),
        "$$" + p.lstrip("$"),
        "$var" + p.lstrip("$"),
    ])


def mutate_intrinsic(rng: random.Random, call: str) -> str:
    n = rng.choice([5, 10, 11, 100, 3000])
    fn = rng.choice(INTRINSICS)
    return rng.choice([
        call.replace("States.", "States.Bogus", 1),
        call.replace("(", "(" * 2, 1),
        call[:-1],
        call + ")",
        call.replace(")", ", $.a)", 1),
        call.replace(")", ", " + rng.choice(HUGE_NUMBERS) + ")", 1),
        f"{fn}(" * n + "$" + ")" * n,
        "States.Array(" + ", ".join(["$"] * n) + ")",
        "States.Format('" + "{}" * n + "'" + ", $" * n + ")",
        "States.Format('\\\\{\\\\}" + "\\'" * n + "')",
        "States.ArrayRange(0, " + rng.choice(HUGE_NUMBERS) + ", 1)",
        "States.ArrayRange(" + rng.choice(HUGE_NUMBERS) + ", 0, -1)",
        "States.ArrayPartition(States.ArrayRange(1, 1000, 1), " + rng.choice(HUGE_NUMBERS) + ")",
        "States.MathAdd(" + rng.choice(HUGE_NUMBERS) + ", " + rng.choice(HUGE_NUMBERS) + ")",
        "States.MathRandom(" + rng.choice(HUGE_NUMBERS) + ", " + rng.choice(HUGE_NUMBERS) + ")",
        "States.StringSplit('" + "a," * n + "', ',')",
        "States.Hash('" + "x" * n + "', '" + rng.choice(["SHA-1", "MD5", "sha-512", "", "SHA-512"]) + "')",
        "States.Base64Decode('" + rng.choice(["====", "YQ", "Y", "\\u0000", "%%%"]) * n + "')",
        "States.JsonMerge($, $, " + rng.choice(["true", "false", "'x'"]) + ")",
        "States.StringToJson('" + "[" * n + "')",
        call + rng.choice(CONTROL),
    ])


def mutate_definition(rng: random.Random, definition):
    """A structure-aware change that knows about states, transitions and paths."""
    if not isinstance(definition, dict):
        return mutate_value(rng, definition)
    maps = state_maps(definition)
    op = rng.randrange(12)
    if op < 3 or not maps:
        return mutate_value(rng, definition)
    states = rng.choice(maps)
    names = list(states)
    name = rng.choice(names)
    state = states[name]
    if not isinstance(state, dict):
        states[name] = {"Type": "Pass", "End": True}
        return definition
    if op == 3:
        state["Type"] = rng.choice(STATE_TYPES + ["Bogus", "pass", ""])
    elif op == 4:  # another target, or one that does not exist, or itself
        state.pop("End", None)
        state["Next"] = rng.choice(names + [name, "Nowhere", ""])
    elif op == 5:  # End <-> Next
        if "End" in state:
            del state["End"]
            state["Next"] = rng.choice(names)
        else:
            state.pop("Next", None)
            state["End"] = rng.choice([True, False, "true"])
    elif op == 6:  # a cycle through the start
        start = definition.get("StartAt") if states is definition.get("States") else names[0]
        for s in states.values():
            if isinstance(s, dict) and s.get("End") is True:
                del s["End"]
                s["Next"] = start if isinstance(start, str) and start in states else names[0]
                break
    elif op == 7:  # rename a state, keeping the references
        new = rng.choice([long_string(rng)[:rng.choice([81, 5000, 100_000])],
                          name + rng.choice(CONTROL), rng.choice(CONTROL) * 3, "", " "])
        rename_state(definition, states, name, new)
    elif op == 8:  # paths and intrinsics
        fields = [(o, k) for o in objects(state) for k, v in o.items() if isinstance(v, str)
                  and (v.startswith("$") or v.startswith("States."))]
        if fields:
            o, k = rng.choice(fields)
            o[k] = mutate_string(rng, o[k])
        else:
            state[rng.choice(["InputPath", "OutputPath", "ResultPath", "ItemsPath"])] = mutate_path(rng, "$")
    elif op == 9:  # a payload template
        key = rng.choice(["Parameters", "ResultSelector", "ItemSelector", "Assign"])
        state[key] = {rng.choice(["a.$", "b", "c.$"]): rng.choice([
            mutate_path(rng, "$"), mutate_intrinsic(rng, "States.Array($)"), "$", "$$",
            deep(rng, 50), long_string(rng)])}
    elif op == 10:  # retriers and catchers
        state[rng.choice(["Retry", "Catch"])] = [{
            "ErrorEquals": rng.choice([["States.ALL"], ["States.Runtime"], [], ["States.ALL", "X"]]),
            "IntervalSeconds": Raw(rng.choice(HUGE_NUMBERS + ["1", "0"])),
            "MaxAttempts": Raw(rng.choice(HUGE_NUMBERS + ["3"])),
            "BackoffRate": Raw(rng.choice(HUGE_NUMBERS + ["2.0"])),
            "Next": rng.choice(names),
        }]
    else:  # numeric fields
        key = rng.choice(["Seconds", "TimeoutSeconds", "HeartbeatSeconds", "MaxConcurrency",
                          "ToleratedFailureCount", "ToleratedFailurePercentage",
                          "SecondsPath", "TimeoutSecondsPath", "Timestamp"])
        state[key] = rng.choice([Raw(rng.choice(HUGE_NUMBERS)), "$.a", "2016-03-14T01:59:00Z",
                                 "9999-12-31T23:59:59Z", "x"])
    return definition


def rename_state(definition, states, old, new):
    if new in states:
        return
    rebuilt = {}
    for k, v in states.items():
        rebuilt[new if k == old else k] = v
    states.clear()
    states.update(rebuilt)
    for o in objects(definition):
        for key in ("Next", "StartAt", "Default"):
            if o.get(key) == old:
                o[key] = new


def chain(rng: random.Random, n: int) -> dict:
    """A chain of n Pass states, with a Choice diamond or a Parallel now and then."""
    states = {}
    for i in range(n):
        name = f"S{i}"
        nxt = f"S{i + 1}"
        if i == n - 1:
            states[name] = {"Type": "Succeed"}
        elif i % 97 == 5 and rng.random() < 0.5:
            states[name] = {"Type": "Choice", "Choices": [
                {"Variable": "$.x", "IsPresent": True, "Next": nxt}], "Default": nxt}
        elif i % 101 == 7 and rng.random() < 0.5:
            states[name] = {"Type": "Parallel", "Next": nxt, "Branches": [
                {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}}]}
        else:
            states[name] = {"Type": "Pass", "Next": nxt}
    return {"StartAt": "S0", "States": states}


def looping(body: dict) -> dict:
    """`body` run again and again: a Choice leads back to it until `$.stop` is present (it
    never is), so that the definition is valid."""
    return {"StartAt": "Body", "States": {
        "Body": {**body, "Next": "Again"},
        "Again": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "IsPresent": True, "Next": "Done"}], "Default": "Body"},
        "Done": {"Type": "Succeed"}}}


def hostile(rng: random.Random) -> tuple[dict, object, str]:
    """Definitions (with an input and a machine type) shaped after what breaks limits; a task's
    resource named `...:function:never` is to be served by a command that never answers."""
    kind = rng.randrange(9)
    if kind == 0:  # a chain of thousands of states
        d = chain(rng, rng.choice([1000, 3000, 10000, 30000]))
        if rng.random() < 0.3:  # all but the first unreachable
            d["States"]["S0"] = {"Type": "Succeed"}
        return d, {}, "STANDARD"
    if kind == 1:  # a reference path thousands of segments deep
        return ({"StartAt": "P", "States": {"P": {"Type": "Pass", "ResultPath": "$" + ".a" * rng.choice([200, 1000, 10000]), "End": True}}}, {}, "STANDARD")
    if kind == 2:  # an EXPRESS loop with no way out
        return ({"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Choice", "Choices": [{"Variable": "$.stop", "IsPresent": True, "Next": "E"}], "Default": "A"}, "E": {"Type": "Succeed"}}}, {}, "EXPRESS")
    if kind == 3:  # a STANDARD loop that nests its payload one level deeper per pass
        return (looping({"Type": "Pass", "Parameters": {"a.$": "$"}}), {"x": 1}, "STANDARD")
    if kind == 4:  # a big input looped to the history quota
        return (looping({"Type": "Pass"}), {"blob": "x" * 200_000}, "STANDARD")
    if kind == 5:  # a task with a timeout that nobody answers in time
        return ({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": NEVER, "TimeoutSeconds": 2, "End": True}}}, {}, "STANDARD")
    if kind == 6:  # a task nothing serves
        return ({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "Parameters": {"QueueUrl": "q", "MessageBody": "m"}, "End": True}}}, {}, "STANDARD")
    if kind == 7:  # names with control characters and markup
        names = ["a\u0001b", "line\nbreak", "<svg>&amp;", "quote\"s", "tab\tx", "bidi\u202e"]
        states = {n: {"Type": "Pass", "Next": names[i + 1]} for i, n in enumerate(names[:-1])}
        states[names[-1]] = {"Type": "Succeed"}
        return {"StartAt": names[0], "States": states}, {}, "STANDARD"
    # deep Choice rules
    rule: dict = {"Variable": "$.a", "IsPresent": True}
    for _ in range(rng.choice([50, 200, 2000])):
        rule = {"Not": rule} if rng.random() < 0.5 else {"And": [rule]}
    rule["Next"] = "E"
    return ({"StartAt": "C", "States": {"C": {"Type": "Choice", "Choices": [rule], "Default": "E"}, "E": {"Type": "Succeed"}}}, {"a": 1}, "STANDARD")


def express_limit(definition, mtype: str) -> None:
    """An EXPRESS execution lasts at most five minutes, also at --time-scale 0 (a loop that
    never waits uses up real time): longer than the timeout here. So an EXPRESS definition
    gets a limit of its own, 2 s, where it has none: a loop then ends in 2 s, or hangs if the
    limit vanished."""
    if mtype == "EXPRESS" and isinstance(definition, dict) and "TimeoutSeconds" not in definition:
        definition["TimeoutSeconds"] = 2


def byte_mutate(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return bytes([rng.randrange(256)])
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        op = rng.randrange(6)
        i = rng.randrange(len(b)) if b else 0
        if op == 0 and b:
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            b[i:i] = bytes([rng.choice([0, 0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0xC3, 0xFF, 0x0A])])
        elif op == 2 and b:
            del b[i:i + rng.randint(1, 16)]
        elif op == 3:
            j = rng.randrange(len(b) + 1)
            b[i:i] = b[min(i, j):max(i, j)][:4096]
        elif op == 4:
            del b[i:]
        else:
            b[i:i] = rng.choice([b"\xef\xbb\xbf", b"\xed\xa0\x80", b"\\u0000", b"1e999", b"//", b"/*"])
    return bytes(b)


# ---------------------------------------------------------------------------- running

@dataclass
class Result:
    argv: list
    rc: int | None
    elapsed: float
    maxrss: int  # bytes
    stdout: bytes
    stderr: bytes
    out_bytes: int
    timed_out: bool
    over_output: bool
    panic: bool
    oom_text: bool
    orphans: int
    terminated: bool


def limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_FSIZE, (FILE_SIZE_CAP, FILE_SIZE_CAP))


def session_members(sid: int) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        if len(fields) > 3 and int(fields[3]) == sid and fields[0] != b"Z":
            pids.append(int(entry))
    return pids


def kill_session(sid: int) -> None:
    for pid in session_members(sid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def run(argv: list, cwd: str, timeout: float, stdout_to_full: bool = False,
        terminate_after: float | None = None) -> Result:
    """Runs one process in its own session, under the caps; reads at most OUTPUT_CAP."""
    full = open("/dev/full", "wb") if stdout_to_full else None
    start = time.monotonic()
    proc = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=full or subprocess.PIPE, stderr=subprocess.PIPE,
                            preexec_fn=limits, start_new_session=True)
    if full:
        full.close()
    sid = proc.pid
    state = {"total": 0, "over": False, "panic": False, "oom": False, "timed_out": False}
    kept = {"out": bytearray(), "err": bytearray()}
    lock = threading.Lock()

    def reader(stream, name):
        tail = b""
        while True:
            chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
            if not chunk:
                break
            window = tail + chunk
            with lock:
                if len(kept[name]) < KEEP_FOR_CHECKS:
                    kept[name] += chunk[: KEEP_FOR_CHECKS - len(kept[name])]
                state["total"] += len(chunk)
                if name == "err":
                    state["panic"] |= any(m in window for m in PANIC_MARKERS)
                    state["oom"] |= any(m in window for m in OOM_MARKERS)
                if state["total"] > OUTPUT_CAP and not state["over"]:
                    state["over"] = True
                    kill_session(sid)
            tail = chunk[-64:]

    threads = []
    for stream, name in ((proc.stdout, "out"), (proc.stderr, "err")):
        if stream is not None:
            t = threading.Thread(target=reader, args=(stream, name), daemon=True)
            t.start()
            threads.append(t)

    def on_timeout():
        state["timed_out"] = True
        kill_session(sid)

    timer = threading.Timer(timeout, on_timeout)
    timer.start()
    terminator = None
    if terminate_after is not None:
        terminator = threading.Timer(terminate_after, lambda: _signal(proc.pid, signal.SIGTERM))
        terminator.start()
    # The peak resident set of the process as it runs `workflow` (VmHWM: wait4's maxrss
    # would also count the pages of this script that the fork shared before the exec).
    peak = 0
    pause = 0.002
    while True:
        pid, status, _ = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        peak = max(peak, vm_hwm(proc.pid))
        time.sleep(pause)
        pause = min(pause * 1.5, 0.05)
    timer.cancel()
    if terminator:
        terminator.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.monotonic() - start
    # A bound command still running once `workflow` is gone (given a moment to be stopped).
    orphans = 0
    if not state["timed_out"] and not state["over"]:
        deadline = time.monotonic() + 1.0
        while time.monotonic() < deadline and session_members(sid):
            time.sleep(0.05)
        orphans = len(session_members(sid))
    kill_session(sid)
    for t in threads:
        t.join(timeout=5)
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()
    return Result(argv, proc.returncode, elapsed, peak, bytes(kept["out"]),
                  bytes(kept["err"]), state["total"], state["timed_out"], state["over"],
                  state["panic"], state["oom"], orphans, terminate_after is not None)


def vm_hwm(pid: int) -> int:
    """Bytes of the process's peak resident set so far (0 once it is gone)."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


# ---------------------------------------------------------------------------- one invocation

BIND_SCRIPTS = {
    "echo": "#!/bin/sh\nexec cat\n",
    "fail": "#!/bin/sh\ncat >/dev/null\necho '{\"error\": \"Boom\", \"cause\": \"it failed\"}'\nexit 1\n",
    "garbage": "#!/bin/sh\ncat >/dev/null\necho 'not json {'\n",
    "empty": "#!/bin/sh\ncat >/dev/null\n",
    "slow": "#!/bin/sh\nsleep 1\nexec cat\n",
    "never": "#!/bin/sh\nexec sleep 3600\n",
    "flood": "#!/bin/sh\ncat >/dev/null\nexec cat /dev/zero\n",
    "loud": "#!/bin/sh\ncat >/dev/null\nhead -c 1000000 /dev/zero | tr '\\0' x >&2\nexit 1\n",
    "big": "#!/bin/sh\ncat >/dev/null\nprintf '\"'\nhead -c 300000 /dev/zero | tr '\\0' y\nprintf '\"'\n",
}
GRACEFUL_BINDS = ["echo", "echo", "echo", "fail", "garbage", "empty", "big"]
HOSTILE_BINDS = ["slow", "never", "flood", "loud"]


@dataclass
class Invocation:
    subcommand: str
    args: list  # after the binary
    files: dict  # name -> bytes, written into the work folder
    definition_size: int
    expect_failure_on_full: bool = False
    terminate_after: float | None = None
    names: list = field(default_factory=list)  # state names, for the label checks
    cost_baseline: list | None = None  # args of the same cost with small numbers
    bad_prices: bool = False
    # No Wait, Retry or time limit in the definition: nothing in it can last a year.
    nothing_lasts: bool = False


def resources_of(definition) -> list[str]:
    found = set()
    for o in objects(definition) if isinstance(definition, (dict, list)) else []:
        if o.get("Type") == "Task" and isinstance(o.get("Resource"), str):
            found.add(o["Resource"])
            params = o.get("Parameters")
            if isinstance(params, dict) and isinstance(params.get("FunctionName"), str):
                found.add(params["FunctionName"])
    return sorted(found)


def task_states(definition) -> list[str]:
    return [n for m in (state_maps(definition) if isinstance(definition, dict) else [])
            for n, s in m.items() if isinstance(s, dict) and s.get("Type") == "Task"]


def all_state_names(definition) -> list[str]:
    return [n for m in (state_maps(definition) if isinstance(definition, dict) else []) for n in m]


def mock_config(rng: random.Random, definition) -> dict:
    responses = {}
    case = {}
    for n in task_states(definition):
        r = f"R{len(responses)}"
        case[n] = r
        responses[r] = rng.choice([
            {"0": {"Return": {"ok": True}}},
            {"0": {"Return": {"Payload": {"v": 1}, "StatusCode": 200}}},
            {"0-1": {"Throw": {"Error": "Transient", "Cause": "try again"}}, "2": {"Return": {}}},
            {"0": {"Throw": {"Error": "States.TaskFailed", "Cause": "no"}}},
        ])
    return {"StateMachines": {"def": {"TestCases": {"T": case}}}, "MockedResponses": responses}


class Fuzzer:
    def __init__(self, args, rng: random.Random) -> None:
        self.args = args
        self.rng = rng
        self.seeds = load_corpus()
        self.histories: list[bytes] = []
        self.counts: Counter = Counter()
        self.findings: Counter = Counter()
        self.signatures: Counter = Counter()
        self.saved = 0
        self.mutator_errors = 0
        self.first_sample: dict[str, Path] = {}
        self.work = Path(tempfile.mkdtemp(prefix="mutate-cli-"))
        for name, text in BIND_SCRIPTS.items():
            path = self.work / f"bind-{name}.sh"
            path.write_text(text)
            path.chmod(0o755)
        fixture = ROOT / "workflow-cli" / "tests" / "fixtures" / "aws-cli-history.json"
        if fixture.exists():
            self.histories.append(fixture.read_bytes())

    # -- building one invocation

    def mutated(self, mutator, value):
        """`mutator` applied to `value` (in place, as far as it goes); `value` as it is when
        the mutator trips over a shape it does not expect (counted, and shown in the summary)."""
        try:
            return mutator(self.rng, value)
        except (TypeError, KeyError, ValueError, IndexError, AttributeError, RecursionError):
            self.mutator_errors += 1
            return value

    def definition_bytes(self) -> tuple[bytes, object, object, Seed | None, str]:
        """A definition's text (at most MAX_FILE bytes: a bit past AWS's 1 MB quota), its
        value, input, seed and machine type."""
        for _ in range(20):
            try:
                made = self.one_definition()
            except TooBig:
                continue
            if len(made[0]) <= MAX_FILE:
                return made
        seed = self.rng.choice(self.seeds)
        return encode(dump(seed.definition, indent=True)), seed.definition, seed.input, seed, "STANDARD"

    def one_definition(self) -> tuple[bytes, object, object, Seed | None, str]:
        rng = self.rng
        if rng.random() < 0.12:
            d, inp, mtype = hostile(rng)
            express_limit(d, mtype)
            return encode(dump(d, indent=rng.random() < 0.3)), d, inp, None, mtype
        seed = rng.choice(self.seeds)
        d = copy.deepcopy(seed.definition)
        for _ in range(rng.choice([0, 1, 1, 1, 2, 3])):
            d = self.mutated(mutate_definition, d)
        mtype = "EXPRESS" if rng.random() < 0.2 else "STANDARD"
        express_limit(d, mtype)
        text = d if isinstance(d, str) else dump(d, indent=rng.random() < 0.5)
        data = encode(text)
        if rng.random() < 0.15:
            data = byte_mutate(rng, data)
        return data, d, seed.input, seed, mtype

    def input_bytes(self, value) -> bytes:
        v = copy.deepcopy(value)
        if self.rng.random() < 0.3:
            v = self.mutated(mutate_value, v)
        try:
            data = encode(dump(v, indent=False))
        except TooBig:
            data = encode(dump(value, indent=False))
        if self.rng.random() < 0.05:
            data = byte_mutate(self.rng, data)
        return data if len(data) <= MAX_FILE else encode(dump(value, indent=False))

    def task_args(self, inv: Invocation, definition, seed: Seed | None, mtype: str,
                  may_terminate: bool = True) -> None:
        """Serves the tasks: mocks, or commands. `may_terminate` is False when the run must
        end by itself (cost compares its figures): then no command that never answers serves
        a task without a timeout, and a definition that loops gets mocks, not commands (a
        loop that starts a process per pass runs for minutes to its history quota)."""
        rng = self.rng
        inv.args += ["--time-scale", "0"]
        if mtype == "EXPRESS":
            inv.args += ["--type", "express"]
        if rng.random() < 0.3:
            inv.args += ["--seed", str(rng.choice([0, 1, 18446744073709551615]))]
        # A task that must meet a command that never answers is always bound.
        how = 0.6 if NEVER in resources_of(definition) else rng.random()
        looping = loops(definition)
        if looping and not may_terminate:
            how = min(how, 0.29)
        if seed is not None and seed.mock is not None and how < 0.5:
            mock = copy.deepcopy(seed.mock)
            if rng.random() < 0.3:
                mock = self.mutated(mutate_value, mock)
            inv.files["mock.json"] = encode(dump_or(mock, seed.mock))
            inv.args += ["--mock-config", "mock.json", "--test-case", seed.test_case or "T"]
            return
        if how < 0.3:
            mock = mock_config(rng, definition)
            if rng.random() < 0.2:
                mock = self.mutated(mutate_value, copy.deepcopy(mock))
            inv.files["mock.json"] = encode(dump_or(mock, mock_config(rng, definition)))
            inv.args += ["--mock-config", "mock.json", "--test-case", "T", "--state-machine", "def"]
            return
        if how < 0.85:
            hostile_bind = rng.random() < 0.1
            hostile = HOSTILE_BINDS if may_terminate else ["flood", "loud"]
            for r in resources_of(definition) or [NEVER]:
                if len(r) > 4096 or "\0" in r:
                    # A mutated resource of 100 KB cannot be a command-line argument (Linux
                    # takes at most 128 KiB per argument), or one with a NUL (no argument holds one),
                    # stays unbound, so its task
                    # fails at once.
                    continue
                behaviour = rng.choice(hostile if hostile_bind else GRACEFUL_BINDS)
                if r == NEVER:
                    behaviour = "never"
                if seed is not None and not hostile_bind:
                    spec = seed.resources.get(r)
                    if isinstance(spec, dict) and spec.get("behaviour") == "fail":
                        behaviour = "fail"
                inv.args += ["--bind", f"{r}={self.work}/bind-{behaviour}.sh"]
                # A command that never answers, bound to a task with no TimeoutSeconds, is
                # waited for as AWS waits (99999999 s by default, at most the execution's
                # year), in real time at any scale: such a run is ended by SIGTERM, which it
                # must obey. Only the `never` resource sets a timeout of its own (2 s).
                if (behaviour == "never" and r != NEVER) or (
                    behaviour in ("slow", "never") and rng.random() < 0.5
                ):
                    inv.terminate_after = 0.5
            # Each pass of a loop starts a process: thousands of them to the history quota
            # take longer than the timeout here. Such a run must end promptly by SIGTERM.
            if looping and inv.terminate_after is None:
                inv.terminate_after = 5

    def build(self) -> Invocation:
        rng = self.rng
        sub = rng.choice(["validate", "lint", "run", "run", "history", "graph", "cost", "cost"])
        data, definition, input_value, seed, mtype = self.definition_bytes()
        if rng.random() < 0.01:
            special = rng.choice(SPECIAL_FILES)
            sub = rng.choice(["validate", "lint", "graph", "cost", "history"])
            return Invocation(sub, [sub, special], {}, 0)
        inv = Invocation(sub, [], {"def.json": data}, len(data),
                         names=all_state_names(definition),
                         nothing_lasts=not re.search(rb'"(Wait|Retry|TimeoutSeconds|TimeoutSecondsPath|HeartbeatSeconds|HeartbeatSecondsPath)"', data))
        if sub == "validate":
            inv.args = ["validate", "def.json"] + rng.choice([[], ["--format", "json"], ["--type", "express"]])
            inv.expect_failure_on_full = True
        elif sub == "lint":
            inv.args = ["lint", "def.json"] + rng.choice([[], ["--format", "json"], ["--deny-warnings"], ["--type", "express"], ["--allow", "x"]])
        elif sub == "run":
            inv.args = ["run", "def.json"]
            if rng.random() < 0.02:
                inv.args += ["--input", "@/dev/zero"]
            else:
                inv.files["input.json"] = self.input_bytes(input_value if input_value is not None else {})
                inv.args += ["--input", "@input.json"]
            self.task_args(inv, definition, seed, mtype)
            inv.args += rng.choice([[], ["--format", "json"]])
            inv.args += ["--history-out", "history.json"]
            inv.expect_failure_on_full = "--format" not in inv.args
        elif sub == "history":
            inv.files.pop("def.json")
            inv.definition_size = 0
            inv.files["history.json"] = self.history_bytes()
            inv.definition_size = len(inv.files["history.json"])
            inv.args = ["history", "history.json"] + rng.choice([[], ["--width", str(rng.choice([0, 1, 5, 100000, 18446744073709551615]))]])
            inv.expect_failure_on_full = True
        elif sub == "graph":
            fmt = rng.choice(["mermaid", "dot", "svg"])
            inv.args = ["graph", "def.json", "--format", fmt]
            if self.histories and rng.random() < 0.2:
                inv.files["history.json"] = self.history_bytes()
                inv.args += ["--history", "history.json"]
            inv.expect_failure_on_full = True
        else:
            inv.args = ["cost", "def.json"]
            if rng.random() < 0.03:
                inv.args = ["cost", "--show-prices"]
                inv.files.pop("def.json")
                return inv
            numbers = {"--map-items": "3", "--express-memory-mb": "64", "--executions-per-month": "1000"}
            chosen = {}
            for flag, small in numbers.items():
                if rng.random() < 0.25:
                    chosen[flag] = (rng.choice(["0", "1", "1000", "4294967296", "9223372036854775807", "18446744073709551615"]), small)
            if rng.random() < 0.3:
                inv.files["input.json"] = self.input_bytes(input_value if input_value is not None else {})
                inv.args += ["--input", "@input.json"]
                self.task_args(inv, definition, seed, mtype, may_terminate=False)
            elif mtype == "EXPRESS":
                inv.args += ["--type", "express"]
            if rng.random() < 0.1:
                prices, bad = self.prices()
                inv.files["prices.json"] = prices
                inv.args += ["--prices", "prices.json"]
                inv.bad_prices = bad
            base = list(inv.args)
            for flag, (value, small) in chosen.items():
                inv.args += [flag, value]
                base += [flag, small]
            inv.args += ["--format", "json"]
            if chosen and "--input" not in inv.args:
                inv.cost_baseline = base + ["--format", "json"]
            inv.expect_failure_on_full = False
        return inv

    def prices(self) -> tuple[bytes, bool]:
        rng = self.rng
        choice = rng.randrange(4)
        if choice == 0:
            return b"[]", True
        if choice == 1:
            return encode(dump({"standard_per_1000_transitions": -0.025}, False)), True
        if choice == 2:
            return encode(dump({"express_duration_tiers": [{"up_to_gb_hours": None, "per_gb_second": -1}]}, False)), True
        return encode(dump({"standard_per_1000_transitions": 0.05, "standard_free_transitions": rng.choice([0, 4000, 18446744073709551615])}, False)), False

    def history_bytes(self) -> bytes:
        rng = self.rng
        if not self.histories or rng.random() < 0.1:
            # A state name of 10 MB (once) is what made `history` take seconds.
            name = rng.choice(["S", "x" * rng.choice([1000, 1_000_000, 10_000_000]), "a\u0001\n"])
            count = rng.choice([1, 10, 1000]) if len(name) < 1000 else 1
            events = [{"id": i + 1, "type": rng.choice(["PassStateEntered", "ExecutionStarted", "TaskFailed"]),
                       "timestamp": rng.choice(["2024-01-01T00:00:00Z", Raw("1e300"), Raw("-1e300"), "bogus", Raw("9223372036854775807")]),
                       "stateEnteredEventDetails": {"name": name, "input": "{}"}}
                      for i in range(count)]
            return encode(dump({"events": events}, indent=False, limit=MAX_HISTORY))
        data = rng.choice(self.histories)
        if rng.random() < 0.5:
            try:
                value = json.loads(data)
                for _ in range(rng.randint(1, 3)):
                    value = self.mutated(mutate_value, value)
                data = encode(dump(value, indent=rng.random() < 0.5))
            except (ValueError, RecursionError, TooBig):
                pass
        if rng.random() < 0.2:
            data = byte_mutate(rng, data)
        return data if len(data) <= MAX_HISTORY else encode(dump({"events": []}, indent=False))

    # -- running and checking

    def invoke(self, inv: Invocation) -> None:
        folder = Path(tempfile.mkdtemp(dir=self.work))
        try:
            for name, data in inv.files.items():
                (folder / name).write_bytes(data)
            to_full = inv.expect_failure_on_full and self.rng.random() < 0.04
            result = run([self.args.workflow] + inv.args, str(folder), self.args.timeout,
                         stdout_to_full=to_full, terminate_after=inv.terminate_after)
            self.counts[inv.subcommand] += 1
            found = self.check(inv, result, to_full, folder)
            if inv.subcommand == "run" and (folder / "history.json").is_file() and len(self.histories) < 100:
                size = (folder / "history.json").stat().st_size
                if size < 256_000 and self.rng.random() < 0.3:
                    self.histories.append((folder / "history.json").read_bytes())
            for kind, detail in found:
                self.record(kind, detail, inv, result, folder, to_full)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def check(self, inv: Invocation, r: Result, to_full: bool, folder: Path) -> list:
        found = []
        small = inv.definition_size < DEFINITION_LIMIT
        if r.timed_out:
            found.append(("hang", f"no exit after {self.args.timeout:.0f} s"))
        elif r.over_output:
            if small:
                found.append(("output", f"more than {OUTPUT_CAP} bytes of output"))
        elif r.rc is not None and r.rc < 0 and not (r.terminated and r.rc == -signal.SIGTERM):
            sig = signal.Signals(-r.rc).name
            kind = "memory" if r.oom_text else "signal"
            why = next((first_line(r.stderr, m) for m in (b"overflowed its stack", b"memory allocation", b"fatal")
                        if m in r.stderr), None)
            found.append((kind, f"killed by {sig}" + (f": {why}" if why else "")))
        elif r.rc is not None and r.rc > 4:
            found.append(("exit-code", f"exit {r.rc}"))
        # An allocation failure prints a backtrace too (with its RUST_BACKTRACE note): that
        # one is a memory finding, not a panic.
        if r.panic and (b"panicked at" in r.stderr or not r.oom_text):
            found.append(("panic", first_line(r.stderr, b"panicked at") or "panic text on stderr"))
        if r.oom_text and not any(k == "memory" for k, _ in found):
            line = next((first_line(r.stderr, m) for m in OOM_MARKERS if m in r.stderr), None)
            found.append(("memory", line or "out of memory"))
        if r.maxrss >= NEAR_CAP_RSS and not any(k == "memory" for k, _ in found):
            found.append(("memory", f"peak resident memory {r.maxrss >> 20} MiB"))
        if r.orphans:
            why = "after SIGTERM" if r.terminated else "after it exited"
            found.append(("orphan", f"{r.orphans} process(es) of a bound command left running {why}"))
        if r.timed_out or r.over_output:
            return found
        if to_full and r.rc == 0:
            found.append(("stdout-error-ignored", "exit 0 although stdout (/dev/full) could not be written"))
        if to_full:
            return found
        found += self.check_documents(inv, r)
        return found

    def check_documents(self, inv: Invocation, r: Result) -> list:
        found = []
        complete = r.out_bytes <= KEEP_FOR_CHECKS
        if inv.subcommand in ("graph", "cost") and r.rc == 1 and r.stdout.strip():
            found.append(("diagnostics-on-stdout", f"{inv.subcommand} exit 1 with {len(r.stdout)} bytes on stdout"))
        if inv.subcommand == "graph" and r.rc == 0 and complete:
            fmt = inv.args[inv.args.index("--format") + 1]
            if fmt == "svg":
                try:
                    ET.fromstring(r.stdout)
                except ET.ParseError as e:
                    found.append(("invalid-svg", f"not XML: {e}"))
            else:
                text = r.stdout.decode("utf-8", "replace")
                raw = [c for c in text if ord(c) < 0x20 and c not in "\n\t"]
                if raw:
                    found.append(("raw-control-char", f"{fmt} holds U+{ord(raw[0]):04X} raw"))
                for n in inv.names:
                    if "\n" in n and n in text:
                        found.append(("raw-control-char", f"{fmt} holds a state name's newline raw"))
                        break
        if inv.subcommand == "run" and "--bind" in inv.args and "json" in inv.args and complete:
            try:
                doc = json.loads(r.stdout)
            except (ValueError, RecursionError):
                doc = {}
            error, cause = (doc.get("error"), doc.get("cause")) if isinstance(doc, dict) else (None, None)
            # AWS's bounds on what a task's failure reports: an error of at most 256
            # characters, a cause of at most 32,768.
            if isinstance(error, str) and len(error) > 256 or isinstance(cause, str) and len(cause) > 32768:
                found.append(("aws-bounds", f"a failure with an error of {len(error or '')} and a cause of {len(cause or '')} characters"))
        if inv.subcommand == "run" and r.rc == 3 and inv.nothing_lasts:
            if b"31536000" in r.stdout + r.stderr:
                found.append(("limit-vanished", "TIMED_OUT at the one-year execution limit at --time-scale 0, with nothing in the definition that waits"))
        if inv.subcommand == "cost" and inv.args[1:2] == ["--show-prices"] and r.rc != 0:
            found.append(("show-prices-refused", f"cost --show-prices exits {r.rc}"))
        if inv.subcommand == "cost" and inv.bad_prices and r.rc == 0:
            found.append(("bad-prices-accepted", "a price table that cannot be right was accepted"))
        if inv.subcommand == "cost" and r.rc == 0 and complete and "--show-prices" not in inv.args:
            try:
                doc = json.loads(r.stdout)
            except (ValueError, RecursionError):
                doc = None
            if doc is not None:
                prices = [v for k, v in walk_numbers(doc) if k.endswith("usd")]
                if any(not isinstance(v, (int, float)) or v < 0 or not math.isfinite(v) for v in prices):
                    found.append(("cost-wrong", f"a price that is negative or not finite: {prices}"))
                elif inv.cost_baseline and not inv.bad_prices:
                    base = run([self.args.workflow] + inv.cost_baseline, str(self.work), self.args.timeout)
                    try:
                        base_doc = json.loads(base.stdout) if base.rc == 0 else None
                    except (ValueError, RecursionError):
                        base_doc = None
                    if base_doc is not None:
                        for key in ("standard", "express"):
                            a = (doc.get(key) or {}).get("monthly_usd")
                            b = (base_doc.get(key) or {}).get("monthly_usd")
                            if isinstance(a, (int, float)) and isinstance(b, (int, float)) and a < b:
                                found.append(("cost-wrong", f"{key} costs {a} with larger numbers than with small ones ({b}): an overflow"))
                                break
        return found

    def record(self, kind: str, detail: str, inv: Invocation, r: Result, folder: Path, to_full: bool) -> None:
        signature = f"{kind} | {inv.subcommand} | {normalise(detail)}"
        self.findings[kind] += 1
        self.signatures[signature] += 1
        if self.signatures[signature] > SAMPLES_PER_SIGNATURE:
            return
        self.saved += 1
        out = Path(self.args.findings) / kind / f"{self.saved:04d}-{inv.subcommand}"
        out.mkdir(parents=True, exist_ok=True)
        self.first_sample.setdefault(signature, out)
        for name, data in inv.files.items():
            (out / name).write_bytes(data)
        args = [a.replace(str(self.work) + "/", "./") for a in inv.args]
        for a in inv.args:
            if "bind-" in a and "=" in a:
                script = a.split("=", 1)[1]
                if os.path.exists(script):
                    shutil.copy(script, out / os.path.basename(script))
        command = "${WORKFLOW:-workflow} " + " ".join(shlex.quote(a) for a in args)
        if to_full:
            command += " > /dev/full"
        if inv.terminate_after is not None:
            command = f"# SIGTERM to workflow after {inv.terminate_after} s\n" + command
        (out / "command.sh").write_text("#!/bin/sh\n# from this folder\n" + command + "\n")
        (out / "stdout").write_bytes(r.stdout[:KEEP])
        (out / "stderr").write_bytes(r.stderr[:KEEP])
        (out / "finding.json").write_text(json.dumps({
            "kind": kind, "detail": detail, "signature": signature, "subcommand": inv.subcommand,
            "exit": r.rc, "seconds": round(r.elapsed, 3), "max_rss_mib": r.maxrss >> 20,
            "output_bytes": r.out_bytes, "seed": self.args.seed,
        }, indent=2) + "\n")

    def cleanup(self) -> None:
        shutil.rmtree(self.work, ignore_errors=True)


def walk_numbers(value, key=""):
    stack = [(key, value)]
    while stack:
        k, v = stack.pop()
        if isinstance(v, dict):
            stack.extend(v.items())
        elif isinstance(v, list):
            stack.extend((k, x) for x in v)
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            yield k, v


def first_line(data: bytes, marker: bytes) -> str | None:
    """The first line that holds `marker`."""
    i = data.find(marker)
    if i < 0:
        return None
    start = data.rfind(b"\n", 0, i) + 1
    line = data[start:].split(b"\n", 1)[0]
    return line[:200].decode("utf-8", "replace")


def normalise(detail: str) -> str:
    """A finding's detail without the numbers that vary between runs of the same bug."""
    detail = re.sub(r"panicked at ([^:]+:\d+):\d+:.*", r"panicked at \1", detail)
    return re.sub(r"\d+", "N", detail)[:160]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workflow", default=str(ROOT / "target" / "release" / "workflow"),
                        help="the binary (default: target/release/workflow)")
    parser.add_argument("--seconds", type=float, default=120, help="how long to run")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: from the clock)")
    parser.add_argument("--timeout", type=float, default=10, help="seconds one process may take")
    parser.add_argument("--findings", default=str(ROOT / "fuzz" / "findings"), help="where findings go")
    parser.add_argument("--max-invocations", type=int, default=None, help="stop after this many")
    args = parser.parse_args()
    if args.seed is None:
        args.seed = int(time.time())
    args.workflow = os.path.abspath(args.workflow)
    if not os.access(args.workflow, os.X_OK):
        print(f"error: {args.workflow} is not an executable (build it: cargo build --release -p workflow-cli)", file=sys.stderr)
        return 2
    resource.setrlimit(resource.RLIMIT_AS, (SCRIPT_MEMORY, SCRIPT_MEMORY))
    rng = random.Random(args.seed)
    fuzzer = Fuzzer(args, rng)
    print(f"mutate_cli: seed {args.seed}, {len(fuzzer.seeds)} seed definitions, {args.seconds:.0f} s, "
          f"timeout {args.timeout:.0f} s, findings in {args.findings}", flush=True)
    start = time.monotonic()
    next_report = start + 60
    n = 0
    script_errors = 0
    try:
        while time.monotonic() - start < args.seconds:
            if args.max_invocations is not None and n >= args.max_invocations:
                break
            try:
                fuzzer.invoke(fuzzer.build())
            except Exception:  # a bug of this script: shown, counted, and the run goes on
                script_errors += 1
                if script_errors <= 3:
                    traceback.print_exc()
            n += 1
            if time.monotonic() >= next_report:
                next_report = time.monotonic() + 60
                print(f"  {time.monotonic() - start:5.0f} s: {n} invocations, "
                      f"{sum(fuzzer.findings.values())} findings", file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
    finally:
        fuzzer.cleanup()
    elapsed = time.monotonic() - start
    total = sum(fuzzer.counts.values())
    print(f"\n{total} invocations in {elapsed:.0f} s: " + ", ".join(f"{k} {v}" for k, v in sorted(fuzzer.counts.items())))
    if script_errors:
        print(f"error: this script failed {script_errors} time(s) (tracebacks above)", file=sys.stderr)
    if total == 0 or script_errors * 10 > n:
        print("error: too few invocations ran to say anything", file=sys.stderr)
        return 2
    if fuzzer.mutator_errors:
        print(f"({fuzzer.mutator_errors} mutations skipped: the mutator met a shape it does not handle)")
    if not fuzzer.findings:
        print("no findings")
        return 0
    print(f"{sum(fuzzer.findings.values())} findings: " + ", ".join(f"{k} {v}" for k, v in fuzzer.findings.most_common()))
    for signature, count in fuzzer.signatures.most_common():
        print(f"  {count:6d}  {signature}")
        sample = fuzzer.first_sample.get(signature)
        if sample is not None:
            command = (sample / "command.sh").read_text().strip().splitlines()[-1]
            print(f"          e.g. {sample}: {command[:300]}")
    print(f"saved under {args.findings} (at most {SAMPLES_PER_SIGNATURE} per signature)")
    return 1


if __name__ == "__main__":
    sys.exit(main())
