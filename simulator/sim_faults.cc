#include "simulator/sim_faults.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/resource_name.h"

namespace cxone::sim {
namespace {

absl::Status FieldError(absl::string_view field, absl::string_view problem) {
  absl::Status status =
      absl::InvalidArgumentError(absl::StrCat(field, ": ", problem));
  status.SetPayload(kFaultFieldPayload, absl::Cord(field));
  return status;
}

// A JSON number in [min, max], or an error naming `field`.
absl::StatusOr<double> NumberIn(absl::string_view field,
                                const nlohmann::json& value, double min,
                                double max) {
  if (!value.is_number()) {
    return FieldError(
        field, absl::StrCat("must be a number, got ", value.type_name()));
  }
  const double number = value.get<double>();
  if (!std::isfinite(number) || number < min || number > max) {
    return FieldError(field,
                      absl::StrFormat("must be between %g and %g", min, max));
  }
  return number;
}

absl::StatusOr<bool> Bool(absl::string_view field,
                          const nlohmann::json& value) {
  if (!value.is_boolean()) {
    return FieldError(
        field, absl::StrCat("must be true or false, got ", value.type_name()));
  }
  return value.get<bool>();
}

absl::StatusOr<absl::flat_hash_set<std::string>> FlowList(
    absl::string_view field, const nlohmann::json& value) {
  if (!value.is_array()) {
    return FieldError(field, absl::StrCat("must be an array of flow ids, got ",
                                          value.type_name()));
  }
  absl::flat_hash_set<std::string> flows;
  for (size_t i = 0; i < value.size(); ++i) {
    const nlohmann::json& item = value[i];
    if (!item.is_string()) {
      return FieldError(field,
                        absl::StrCat("element ", i, " must be a string"));
    }
    const std::string flow_id = item.get<std::string>();
    if (absl::Status valid = ValidateFlowId(flow_id); !valid.ok()) {
      return FieldError(field,
                        absl::StrCat("element ", i, ": ", valid.message()));
    }
    flows.insert(flow_id);
  }
  return flows;
}

nlohmann::json SortedList(const absl::flat_hash_set<std::string>& set) {
  std::vector<std::string> items(set.begin(), set.end());
  std::sort(items.begin(), items.end());
  return items;
}

// Whole numbers print as integers ("250", not "250.0").
nlohmann::json Number(double value) {
  if (value == std::floor(value) && std::abs(value) < 9e15) {
    return static_cast<int64_t>(value);
  }
  return value;
}

}  // namespace

const char* RetryAfterFormName(RetryAfterForm form) {
  return form == RetryAfterForm::kHttpDate ? "http-date" : "seconds";
}

std::optional<RetryAfterForm> ParseRetryAfterForm(absl::string_view text) {
  if (text == "seconds") return RetryAfterForm::kSeconds;
  if (text == "http-date") return RetryAfterForm::kHttpDate;
  return std::nullopt;
}

std::optional<std::string> FaultFieldOf(const absl::Status& status) {
  const auto payload = status.GetPayload(kFaultFieldPayload);
  if (!payload.has_value()) return std::nullopt;
  return std::string(*payload);
}

absl::StatusOr<FaultsUpdate> ApplyFaultsPatch(const SimFaults& current,
                                              const nlohmann::json& patch,
                                              absl::Duration in_progress_min) {
  if (!patch.is_object()) {
    return FieldError("", absl::StrCat("faults must be a JSON object, got ",
                                       patch.type_name()));
  }
  FaultsUpdate update{current, false};
  SimFaults& faults = update.faults;
  for (const auto& [field, value] : patch.items()) {
    if (field == "rate_limit_rps") {
      absl::StatusOr<double> rps = NumberIn(field, value, 0, 1e9);
      if (!rps.ok()) return rps.status();
      if (*rps != std::floor(*rps)) {
        return FieldError(field, "must be a whole number");
      }
      faults.rate_limit_rps = static_cast<int64_t>(*rps);
    } else if (field == "retry_after_form") {
      std::optional<RetryAfterForm> form =
          value.is_string() ? ParseRetryAfterForm(value.get<std::string>())
                            : std::nullopt;
      if (!form.has_value()) {
        return FieldError(field, "must be \"seconds\" or \"http-date\"");
      }
      faults.retry_after_form = *form;
    } else if (field == "retry_after_seconds") {
      absl::StatusOr<double> seconds = NumberIn(field, value, 0, 86400);
      if (!seconds.ok()) return seconds.status();
      faults.retry_after = absl::Seconds(*seconds);
    } else if (field == "error_rate" || field == "drop_rate" ||
               field == "malformed_rate") {
      absl::StatusOr<double> rate = NumberIn(field, value, 0, 1);
      if (!rate.ok()) return rate.status();
      double& target = field == "error_rate"  ? faults.error_rate
                       : field == "drop_rate" ? faults.drop_rate
                                              : faults.malformed_rate;
      target = *rate;
    } else if (field == "latency_ms") {
      absl::StatusOr<double> ms = NumberIn(field, value, 0, 600'000);
      if (!ms.ok()) return ms.status();
      faults.latency = absl::Milliseconds(*ms);
    } else if (field == "token_ttl_seconds") {
      absl::StatusOr<double> seconds = NumberIn(field, value, 1, 1e8);
      if (!seconds.ok()) return seconds.status();
      faults.token_ttl = absl::Seconds(*seconds);
    } else if (field == "revoke_tokens") {
      absl::StatusOr<bool> revoke = Bool(field, value);
      if (!revoke.ok()) return revoke.status();
      update.revoke_tokens = *revoke;
    } else if (field == "token_endpoint_down") {
      absl::StatusOr<bool> down = Bool(field, value);
      if (!down.ok()) return down.status();
      faults.token_endpoint_down = *down;
    } else if (field == "stuck_flows" || field == "backwards_flows" ||
               field == "unknown_status_flows" || field == "chatty_flows" ||
               field == "echo_authorization_flows") {
      absl::StatusOr<absl::flat_hash_set<std::string>> flows =
          FlowList(field, value);
      if (!flows.ok()) return flows.status();
      absl::flat_hash_set<std::string>& target =
          field == "stuck_flows"            ? faults.stuck_flows
          : field == "backwards_flows"      ? faults.backwards_flows
          : field == "unknown_status_flows" ? faults.unknown_status_flows
          : field == "chatty_flows"         ? faults.chatty_flows
                                            : faults.echo_authorization_flows;
      target = *std::move(flows);
    } else if (field == "in_progress_ms_max") {
      absl::StatusOr<double> ms = NumberIn(field, value, 0, 86'400'000);
      if (!ms.ok()) return ms.status();
      const absl::Duration max = absl::Milliseconds(*ms);
      if (max != absl::ZeroDuration() && max < in_progress_min) {
        return FieldError(
            field,
            absl::StrCat("must be 0 or at least in_progress_ms (",
                         absl::ToInt64Milliseconds(in_progress_min), ")"));
      }
      faults.in_progress_max = max;
    } else if (field == "trigger_answer_delay_ms") {
      absl::StatusOr<double> ms = NumberIn(field, value, 0, 600'000);
      if (!ms.ok()) return ms.status();
      faults.trigger_answer_delay = absl::Milliseconds(*ms);
    } else if (field == "lost_trigger_answers") {
      absl::StatusOr<double> count = NumberIn(field, value, 0, 1e6);
      if (!count.ok()) return count.status();
      if (*count != std::floor(*count)) {
        return FieldError(field, "must be a whole number");
      }
      faults.lost_trigger_answers = static_cast<int64_t>(*count);
    } else if (field == "queued_spread_ms") {
      absl::StatusOr<double> ms = NumberIn(field, value, 0, 86'400'000);
      if (!ms.ok()) return ms.status();
      faults.queued_spread = absl::Milliseconds(*ms);
    } else {
      return FieldError(field, "unknown field");
    }
  }
  return update;
}

nlohmann::json FaultsToJson(const SimFaults& faults,
                            absl::Duration in_progress_min) {
  return {
      {"rate_limit_rps", faults.rate_limit_rps},
      {"retry_after_form", RetryAfterFormName(faults.retry_after_form)},
      {"retry_after_seconds",
       Number(absl::ToDoubleSeconds(faults.retry_after))},
      {"error_rate", faults.error_rate},
      {"drop_rate", faults.drop_rate},
      {"malformed_rate", faults.malformed_rate},
      {"latency_ms", Number(absl::ToDoubleMilliseconds(faults.latency))},
      {"token_ttl_seconds", Number(absl::ToDoubleSeconds(faults.token_ttl))},
      {"token_endpoint_down", faults.token_endpoint_down},
      {"stuck_flows", SortedList(faults.stuck_flows)},
      {"backwards_flows", SortedList(faults.backwards_flows)},
      {"unknown_status_flows", SortedList(faults.unknown_status_flows)},
      {"chatty_flows", SortedList(faults.chatty_flows)},
      {"echo_authorization_flows", SortedList(faults.echo_authorization_flows)},
      {"in_progress_ms_max", Number(absl::ToDoubleMilliseconds(std::max(
                                 faults.in_progress_max, in_progress_min)))},
      {"queued_spread_ms",
       Number(absl::ToDoubleMilliseconds(faults.queued_spread))},
      {"trigger_answer_delay_ms",
       Number(absl::ToDoubleMilliseconds(faults.trigger_answer_delay))},
      {"lost_trigger_answers", faults.lost_trigger_answers},
  };
}

std::string FormatHttpDate(absl::Time time) {
  // Formatted by hand: day and month names must be English whatever the
  // process locale.
  static constexpr const char* kDays[] = {"Mon", "Tue", "Wed", "Thu",
                                          "Fri", "Sat", "Sun"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr",
                                            "May", "Jun", "Jul", "Aug",
                                            "Sep", "Oct", "Nov", "Dec"};
  const absl::TimeZone utc = absl::UTCTimeZone();
  const absl::CivilSecond civil = absl::ToCivilSecond(time, utc);
  const absl::Weekday weekday = absl::GetWeekday(absl::CivilDay(civil));
  return absl::StrFormat("%s, %02d %s %04d %02d:%02d:%02d GMT",
                         kDays[static_cast<int>(weekday)], civil.day(),
                         kMonths[civil.month() - 1], civil.year(), civil.hour(),
                         civil.minute(), civil.second());
}

}  // namespace cxone::sim
