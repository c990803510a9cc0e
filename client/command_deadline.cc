#include "client/command_deadline.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace cxone::client {
namespace {

constexpr auto kSlack = std::chrono::milliseconds(10);

}  // namespace

CommandDeadline::CommandDeadline(absl::Duration timeout) : timeout_(timeout) {
  if (timeout > absl::ZeroDuration()) {
    deadline_ =
        std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(timeout);
  }
}

void CommandDeadline::Apply(grpc::ClientContext& context) const {
  if (!deadline_.has_value()) return;
  auto remaining = *deadline_ - std::chrono::steady_clock::now();
  context.set_deadline(
      std::chrono::system_clock::now() +
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          remaining));
}

bool CommandDeadline::Expired() const {
  return deadline_.has_value() &&
         std::chrono::steady_clock::now() + kSlack >= *deadline_;
}

bool CommandDeadline::SleepFor(absl::Duration duration) const {
  if (deadline_.has_value()) {
    const absl::Duration remaining =
        absl::FromChrono(*deadline_ - std::chrono::steady_clock::now());
    duration = std::min(duration, std::max(remaining, absl::ZeroDuration()));
  }
  absl::SleepFor(duration);
  return !Expired();
}

std::string CommandDeadline::ExpiredMessage(absl::string_view awaited) const {
  return absl::StrCat("--timeout ", absl::FormatDuration(timeout_),
                      " expired before ", awaited);
}

}  // namespace cxone::client
