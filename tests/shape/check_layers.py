#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The source layout's rules (DESIGN section 4), checked on every build's test run:

- arrows point down: common <- packet <- flow <- service/sched <- forward/defense/net <-
  worker <- control <- sluiced; config (the model) sits on common and only the control side
  and sluicectl read it;
- no data-plane file includes a config or control header;
- no include circle between folders;
- no source file over 850 lines (the ~800 of the rule, with a little slack).

Prints each breach with the file and the include; exits 1 if there is any.
"""
import collections
import os
import re
import sys

RANK = {"common": 0, "packet": 1, "config": 1, "flow": 2, "service": 3, "sched": 3,
        "forward": 4, "defense": 4, "net": 4, "worker": 5, "control": 6, "cli": 7,
        "tools": 7}
DATA_PLANE = {"packet", "flow", "service", "sched", "forward", "defense", "net", "worker"}
MAX_LINES = 850


def main(src):
    bad = []
    edges = collections.defaultdict(set)
    for folder in sorted(os.listdir(src)):
        d = os.path.join(src, folder)
        if not os.path.isdir(d):
            continue
        if folder not in RANK:
            bad.append(f"{folder}/: a folder DESIGN section 4 does not name")
            continue
        for name in sorted(os.listdir(d)):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(folder, name)
            text = open(os.path.join(d, name), encoding="utf-8").read()
            n = text.count("\n")
            if n > MAX_LINES:
                bad.append(f"{path}: {n} lines (more than {MAX_LINES})")
            for inc in re.findall(r'^#include "([a-z_]+)/[^"]+"', text, re.M):
                if inc == folder:
                    continue
                edges[folder].add(inc)
                if inc not in RANK:
                    bad.append(f"{path}: includes {inc}/, a folder DESIGN does not name")
                elif folder in DATA_PLANE and inc in ("config", "control"):
                    bad.append(f"{path}: a data-plane file includes {inc}/")
                elif RANK[inc] > RANK[folder]:
                    bad.append(f"{path}: includes {inc}/, above it")
    # circles between folders (same-rank folders may include each other one way)
    state = {}

    def visit(f, stack):
        state[f] = 1
        for g in sorted(edges.get(f, ())):
            if state.get(g) == 1:
                bad.append("include circle: " + " -> ".join(stack[stack.index(g):] + [g]))
            elif g not in state:
                visit(g, stack + [g])
        state[f] = 2

    for f in sorted(edges):
        if f not in state:
            visit(f, [f])
    for b in bad:
        print(b)
    print(f"layers: {len(bad)} breach(es)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "src"))
