// The next_page_token of ListCompiles: opaque to callers, it says where the
// next page starts (a CollectionCursor, so it stays valid however many
// compiles are started meanwhile, and across restarts) and which query it
// was made for (a hash of CompileQuery::Fingerprint(), so that a token
// replayed with another filter is refused instead of paging wrongly).
//
// Not a secret and not signed: a forged token only moves its own caller's
// page. Pure functions; thread-safe.
#ifndef CXONE_SERVER_API_PAGE_TOKEN_H_
#define CXONE_SERVER_API_PAGE_TOKEN_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "server/jobs/compile_collection.h"

namespace cxone {

// The token of the page after `cursor`, for the query of `fingerprint`.
std::string EncodePageToken(const CollectionCursor& cursor,
                            absl::string_view fingerprint);

// The cursor `token` holds. InvalidArgument naming `page_token` if it is
// not a token EncodePageToken made, or was made for another query.
absl::StatusOr<CollectionCursor> DecodePageToken(absl::string_view token,
                                                 absl::string_view fingerprint);

}  // namespace cxone

#endif  // CXONE_SERVER_API_PAGE_TOKEN_H_
