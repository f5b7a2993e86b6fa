#!/usr/bin/env python3
"""Finds import circles between the modules of a crate.

Each source file is a module; `crate::a::b` in a file is an edge to the file that defines the
module `a::b` (or `a`, when `b` is an item). A circle is a set of files that reach one another
through such edges. Usage: import_cycles.py CRATE_SRC_DIR... ; exits 1 when a circle exists.
"""
import os
import re
import sys


def modules(src):
    """Module path (tuple) -> file, for every .rs file under src."""
    found = {}
    for root, _, files in os.walk(src):
        for f in files:
            if not f.endswith(".rs"):
                continue
            rel = os.path.relpath(os.path.join(root, f), src)[:-3].split(os.sep)
            if rel[-1] in ("mod", "lib", "main"):
                rel = rel[:-1]
            found[tuple(rel)] = os.path.join(root, f)
    return found


def edges(src):
    mods = modules(src)
    graph = {path: set() for path in mods}
    for path, file in mods.items():
        text = open(file, encoding="utf-8").read()
        # Tests may reach anything of their own module.
        text = text.split("#[cfg(test)]")[0]
        refs = set()
        for m in re.finditer(r"\bcrate((?:::\w+)+)", text):
            refs.add(tuple(m.group(1).split("::")[1:]))
        for m in re.finditer(r"use crate::\{([^}]*)\}", text):
            for part in m.group(1).split(","):
                part = part.strip().split("::")
                if part and part[0]:
                    refs.add(tuple(part))
        for m in re.finditer(r"\bsuper((?:::\w+)+)", text):
            parent = path[:-1] if not file.endswith("mod.rs") else path[:-1]
            refs.add(parent + tuple(m.group(1).split("::")[1:]))
        for ref in refs:
            # The longest prefix that is a module file.
            for n in range(len(ref), 0, -1):
                if ref[:n] in mods:
                    target = ref[:n]
                    break
            else:
                continue
            # A parent module listing its children is not an import.
            if target != path and target[: len(path)] != path:
                graph[path].add(target)
    return graph


def circles(graph):
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    sys.setrecursionlimit(10000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


def main():
    bad = False
    for src in sys.argv[1:]:
        for comp in circles(edges(src)):
            bad = True
            names = sorted("::".join(c) or "lib" for c in comp)
            print(f"{src}: import circle: {' <-> '.join(names)}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
