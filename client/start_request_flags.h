// The flags that fill a StartCompileRequest — --directives and --label —
// parsed and checked as the gateway would check them, so that a bad value
// is a usage error naming it rather than a call the gateway refuses. Shared
// by `start` and `gate`.
//
// Thread-safety: pure functions.
#ifndef CXONE_CLIENT_START_REQUEST_FLAGS_H_
#define CXONE_CLIENT_START_REQUEST_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/map.h"
#include "google/protobuf/struct.pb.h"

namespace cxone::client {

// Parses --directives into `directives`: a JSON object, else
// InvalidArgument saying what is wrong.
absl::Status ParseDirectives(const std::string& json,
                             google::protobuf::Struct* directives);

// Parses the --label values into `labels`: each KEY=VALUE (the first '='
// splits), each key once, and the whole set by the gateway's own rules
// (common/labels.h). InvalidArgument naming the label otherwise.
absl::Status ParseLabels(
    const std::vector<std::string>& given,
    google::protobuf::Map<std::string, std::string>* labels);

}  // namespace cxone::client

#endif  // CXONE_CLIENT_START_REQUEST_FLAGS_H_
