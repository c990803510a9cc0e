"""What cxone.BUILD shares: the warnings of our own code, and protoc."""

# Warnings as errors for our own targets only; generated code is exempt, as
# in CMake's cxone_strict().
STRICT_COPTS = ["-Wall", "-Wextra", "-Werror"]

def _proto_path(src, strip_prefix):
    """The path protoc knows `src` by: its file name in its repository,
    less `strip_prefix` (the folder the imports are relative to)."""
    path = src.split(":")[-1]
    if not path.startswith(strip_prefix) or not path.endswith(".proto"):
        fail("%s is not a .proto under %s" % (src, strip_prefix))
    return path[len(strip_prefix):]

def cc_grpc_proto_library(name, srcs, strip_prefix = ""):
    """C++ messages and gRPC services for `srcs`, made by Debian's protoc.

    Runs /usr/bin/protoc with /usr/bin/grpc_cpp_plugin, as proto/CMakeLists.txt
    does, and makes two libraries: `name`_messages (the .pb.cc files, for the
    layers below the gRPC edge) and `name` (the .grpc.pb.cc files on top).
    Their headers are included as protoc names them
    ("cxone/compile/v1/compile.pb.h").

    Args:
      name: the services' library.
      srcs: .proto files, all of one repository and under one import root.
      strip_prefix: the import root, relative to that repository's root.
    """
    out_dir = name + "_gen"
    stems = [_proto_path(src, strip_prefix)[:-len(".proto")] for src in srcs]
    messages_h = ["%s/%s.pb.h" % (out_dir, stem) for stem in stems]
    messages_cc = ["%s/%s.pb.cc" % (out_dir, stem) for stem in stems]
    services_h = ["%s/%s.grpc.pb.h" % (out_dir, stem) for stem in stems]
    services_cc = ["%s/%s.grpc.pb.cc" % (out_dir, stem) for stem in stems]

    # protoc wants the import root; it is the first file's path less the
    # part protoc knows it by.
    first = _proto_path(srcs[0], strip_prefix)
    native.genrule(
        name = name + "_protoc",
        srcs = srcs,
        outs = messages_h + messages_cc + services_h + services_cc,
        cmd = " ".join([
            "first=$(execpath %s);" % srcs[0],
            "/usr/bin/protoc -I\"$${first%%/%s}\"" % first,
            "--cpp_out=$(RULEDIR)/%s --grpc_out=$(RULEDIR)/%s" % (out_dir, out_dir),
            "--plugin=protoc-gen-grpc=/usr/bin/grpc_cpp_plugin",
            "$(SRCS)",
        ]),
        message = "protoc " + " ".join(stems),
    )
    native.cc_library(
        name = name + "_messages",
        srcs = messages_cc,
        hdrs = messages_h,
        includes = [out_dir],
        deps = ["@system//:protobuf"],
    )
    native.cc_library(
        name = name,
        srcs = services_cc,
        hdrs = services_h,
        includes = [out_dir],
        deps = [name + "_messages", "@system//:grpcpp"],
    )
