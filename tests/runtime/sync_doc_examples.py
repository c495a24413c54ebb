#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Copies examples/runtime/example.{c,cpp} into docs/runtime-api.md between
their BEGIN/END markers (check_doc_examples.cmake verifies the result)."""
import pathlib
import re

root = pathlib.Path(__file__).resolve().parents[2]
doc_path = root / "docs" / "runtime-api.md"
doc = doc_path.read_text()
for path, lang in (("examples/runtime/example.c", "c"), ("examples/runtime/example.cpp", "cpp")):
    source = (root / path).read_text()
    begin, end = f"<!-- BEGIN {path} -->", f"<!-- END {path} -->"
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    block = f"{begin}\n```{lang}\n{source}```\n{end}"
    doc, n = pattern.subn(lambda _: block, doc)
    if n != 1:
        raise SystemExit(f"{doc_path}: markers for {path} not found exactly once")
doc_path.write_text(doc)
