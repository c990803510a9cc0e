// ReadFlagFile: the whole contents of a file a flag names (a certificate,
// a key, a token list), with the one error every such flag gives:
//   --tls-key-file "/etc/gw.key": cannot read it
// The contents never reach the error.
#ifndef CXONE_COMMON_FLAG_FILE_H_
#define CXONE_COMMON_FLAG_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cxone {

// The bytes of `path`, or InvalidArgument naming `flag` (without its
// dashes) and `path`.
absl::StatusOr<std::string> ReadFlagFile(absl::string_view flag,
                                         const std::string& path);

}  // namespace cxone

#endif  // CXONE_COMMON_FLAG_FILE_H_
