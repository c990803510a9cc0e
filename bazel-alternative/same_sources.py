#!/usr/bin/python3
"""Checks that Bazel compiles the .cc files CMake compiles, no more, no less.

Usage: same_sources.py REPO_ROOT COMPILE_COMMANDS_JSON BAZEL_SOURCES

COMPILE_COMMANDS_JSON is CMake's (CMAKE_EXPORT_COMPILE_COMMANDS); BAZEL_SOURCES
is the output of `bazel query 'kind("source file", deps(//...))'`, one label
a line. Generated files and the parts that are CMake-only by design (below)
are left out. Exits 1 naming every .cc that only one of the two builds, so
that a file added to a CMakeLists.txt (or a new folder) is not silently
missing from the Bazel build.
"""

import fnmatch
import json
import os
import sys

# CMake builds these; Bazel does not, on purpose (bazel-alternative/README.md).
CMAKE_ONLY = [
    "bench/*",
    "tests/integration/*",
    "tests/support/gateway_harness.cc",
]


def cmake_sources(repo_root, compile_commands):
    build_dir = os.path.dirname(os.path.realpath(compile_commands))
    sources = set()
    with open(compile_commands) as commands:
        for command in json.load(commands):
            path = os.path.normpath(
                os.path.join(command["directory"], command["file"]))
            relative = os.path.relpath(path, repo_root)
            if path.startswith(build_dir + os.sep) or relative.startswith(".."):
                continue  # generated, e.g. the protoc output
            if any(fnmatch.fnmatch(relative, pattern) for pattern in CMAKE_ONLY):
                continue
            if relative.endswith(".cc"):
                sources.add(relative)
    return sources


def bazel_sources(bazel_query_output):
    sources = set()
    with open(bazel_query_output) as labels:
        for label in labels:
            repository, _, path = label.strip().partition("//:")
            if repository == "@cxone" and path.endswith(".cc"):
                sources.add(path)
    return sources


def main(repo_root, compile_commands, bazel_query_output):
    cmake = cmake_sources(os.path.realpath(repo_root), compile_commands)
    bazel = bazel_sources(bazel_query_output)
    if not cmake:
        print(f"{compile_commands} names no source file", file=sys.stderr)
        return 1
    for path in sorted(cmake - bazel):
        print(f"{path}: CMake compiles it, Bazel does not "
              "(bazel-alternative/cxone.BUILD)", file=sys.stderr)
    for path in sorted(bazel - cmake):
        print(f"{path}: Bazel compiles it, CMake does not "
              "(its CMakeLists.txt)", file=sys.stderr)
    if cmake != bazel:
        return 1
    print(f"Bazel and CMake compile the same {len(cmake)} .cc files "
          f"(apart from the CMake-only {', '.join(CMAKE_ONLY)})")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
