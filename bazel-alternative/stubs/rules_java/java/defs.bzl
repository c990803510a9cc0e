"""An offline stand-in for rules_java's java/defs.bzl.

@bazel_tools//tools/jdk loads its Java rules from @rules_java, which Bazel's
built-in WORKSPACE suffix would download; nothing here builds Java, but
Bazel reads that package while it sets up. The rules are built into
Bazel 4, so this file hands back the native ones.
"""

java_binary = native.java_binary
java_import = native.java_import
java_library = native.java_library
java_lite_proto_library = native.java_lite_proto_library
java_package_configuration = native.java_package_configuration
java_plugin = native.java_plugin
java_proto_library = native.java_proto_library
java_runtime = native.java_runtime
java_test = native.java_test
java_toolchain = native.java_toolchain
