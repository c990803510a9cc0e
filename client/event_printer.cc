#include "client/event_printer.h"

#include <map>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "common/resource_name.h"
#include "google/protobuf/util/json_util.h"

namespace cxone::client {
namespace {

// Messages and details come from CXone verbatim; a line break inside one
// would split a diagnostic and break tools that read one per line.
std::string OneLine(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"\r\n", " "}, {"\n", " "}, {"\r", " "}});
}

}  // namespace

std::string Plural(int64_t count, absl::string_view noun) {
  return absl::StrCat(count, " ", noun, count == 1 ? "" : "s");
}

bool IsTerminal(v1::State state) {
  return state == v1::STATE_COMPLETED || state == v1::STATE_FAILED ||
         state == v1::STATE_TIMED_OUT;
}

bool IsMarker(v1::EventType type) {
  return type == v1::EVENT_TYPE_SYNCED || type == v1::EVENT_TYPE_HEARTBEAT;
}

std::string StateName(v1::State state) {
  const std::string& name = v1::State_Name(state);
  if (name.empty()) return absl::StrCat("STATE(", static_cast<int>(state), ")");
  return std::string(absl::StripPrefix(name, "STATE_"));
}

std::string EventTypeName(v1::EventType type) {
  const std::string& name = v1::EventType_Name(type);
  if (name.empty()) {
    return absl::StrCat("EVENT_TYPE(", static_cast<int>(type), ")");
  }
  return std::string(absl::StripPrefix(name, "EVENT_TYPE_"));
}

std::string CategoryWord(v1::ErrorCategory category) {
  switch (category) {
    case v1::ERROR_CATEGORY_SYNTAX:
      return "syntax";
    case v1::ERROR_CATEGORY_VALIDATION:
      return "validation";
    case v1::ERROR_CATEGORY_REFERENCE:
      return "reference";
    case v1::ERROR_CATEGORY_UNSPECIFIED:
      return "";
    default:
      // ERROR_CATEGORY_UNKNOWN, and any category a newer gateway adds.
      return "unknown";
  }
}

std::string FormatDiagnostic(absl::string_view flow_id,
                             const v1::CompileError& error, Severity severity) {
  std::string line(flow_id);
  if (error.has_location() && error.location().line() > 0) {
    absl::StrAppend(&line, ":", error.location().line());
    if (error.location().column() > 0) {
      absl::StrAppend(&line, ":", error.location().column());
    }
  }
  absl::StrAppend(&line, ": ",
                  severity == Severity::kError ? "error" : "warning", ": ");
  if (std::string word = CategoryWord(error.category()); !word.empty()) {
    absl::StrAppend(&line, word, ": ");
  }
  absl::StrAppend(&line, OneLine(error.message()));
  return line;
}

std::vector<std::string> FormatDiagnostics(
    absl::string_view flow_id,
    const google::protobuf::RepeatedPtrField<v1::CompileError>& errors,
    const google::protobuf::RepeatedPtrField<v1::CompileError>& warnings) {
  std::vector<std::string> lines;
  lines.reserve(errors.size() + warnings.size());
  for (const v1::CompileError& error : errors) {
    lines.push_back(FormatDiagnostic(flow_id, error, Severity::kError));
  }
  for (const v1::CompileError& warning : warnings) {
    lines.push_back(FormatDiagnostic(flow_id, warning, Severity::kWarning));
  }
  return lines;
}

std::string FormatEventLine(const v1::CompileEvent& event) {
  std::string line = absl::StrCat(event.name(), "  #", event.sequence(), "  ",
                                  EventTypeName(event.type()), "  ");
  if (event.type() == v1::EVENT_TYPE_STATE_CHANGED &&
      event.previous_state() != v1::STATE_UNSPECIFIED) {
    absl::StrAppend(&line, StateName(event.previous_state()), " -> ");
  }
  absl::StrAppend(&line, StateName(event.state()));
  if (!event.detail().empty()) {
    absl::StrAppend(&line, "  ", OneLine(event.detail()));
  }
  // For a stuck job the raw status says what CXone keeps answering; for an
  // anomaly it is the offending value itself (possibly empty, so always
  // shown, quoted).
  const bool show_upstream = event.type() == v1::EVENT_TYPE_UPSTREAM_ANOMALY ||
                             (event.type() == v1::EVENT_TYPE_STUCK &&
                              !event.upstream_status().empty());
  if (show_upstream) {
    absl::StrAppend(&line, " (upstream: \"", OneLine(event.upstream_status()),
                    "\")");
  }
  return line;
}

std::string FormatLabels(
    const google::protobuf::Map<std::string, std::string>& labels) {
  // The Map's order is arbitrary; a person (and a diff) wants one order.
  const std::map<std::string, std::string> sorted(labels.begin(), labels.end());
  return absl::StrJoin(sorted, ",", absl::PairFormatter("="));
}

std::string FormatCompileLine(const v1::Compile& compile) {
  std::string line =
      absl::StrCat(compile.name(), "  ", StateName(compile.state()));
  if (!compile.labels().empty()) {
    absl::StrAppend(&line, "  ", FormatLabels(compile.labels()));
  }
  return line;
}

std::string FormatSummary(absl::string_view name, v1::State state,
                          int error_count, int warning_count) {
  std::string line = absl::StrCat("compile ", name, " ", StateName(state));
  switch (state) {
    case v1::STATE_COMPLETED:
      if (warning_count > 0) {
        absl::StrAppend(&line, " with ", Plural(warning_count, "warning"));
      }
      break;
    case v1::STATE_FAILED:
      absl::StrAppend(&line, " with ", Plural(error_count, "error"));
      if (warning_count > 0) {
        absl::StrAppend(&line, " and ", Plural(warning_count, "warning"));
      }
      break;
    case v1::STATE_TIMED_OUT:
      absl::StrAppend(&line,
                      " (the gateway gave up; CXone may still finish it)");
      break;
    default:
      break;
  }
  return line;
}

std::string FormatCollectionSummary(int completed, int failed, int timed_out) {
  return absl::StrCat(Plural(completed + failed + timed_out, "compile"), ": ",
                      completed, " COMPLETED, ", failed, " FAILED, ", timed_out,
                      " TIMED_OUT");
}

absl::StatusOr<std::string> ToJsonLine(
    const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.always_print_enums_as_ints = false;
  // Scripts should find `errors: []` and `previousState` without checking
  // whether the field exists.
  options.always_print_primitive_fields = true;
  std::string json;
  auto status =
      google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot render ", message.GetTypeName(),
                     " as JSON: ", status.message().as_string()));
  }
  return json;
}

std::string FlowIdOfName(absl::string_view name) {
  absl::StatusOr<CompileName> parsed = CompileName::Parse(name);
  if (!parsed.ok()) return std::string(name);
  return parsed->flow_id;
}

EventPrinter::EventPrinter(OutputFormat format, std::ostream& out)
    : format_(format), out_(out) {}

absl::Status EventPrinter::PrintEvent(const v1::CompileEvent& event) {
  if (format_ == OutputFormat::kJson) return PrintJson(event);
  if (IsMarker(event.type())) return absl::OkStatus();
  std::vector<std::string> lines = {FormatEventLine(event)};
  if (IsTerminal(event.state())) {
    std::vector<std::string> diagnostics = FormatDiagnostics(
        FlowIdOfName(event.name()), event.errors(), event.warnings());
    lines.insert(lines.end(), diagnostics.begin(), diagnostics.end());
  }
  PrintLines(lines);
  return absl::OkStatus();
}

absl::Status EventPrinter::PrintCompile(const v1::Compile& compile,
                                        Diagnostics diagnostics) {
  if (format_ == OutputFormat::kJson) return PrintJson(compile);
  std::vector<std::string> lines = {FormatCompileLine(compile)};
  if (diagnostics == Diagnostics::kIfTerminal && IsTerminal(compile.state())) {
    const std::string flow_id = compile.flow_id().empty()
                                    ? FlowIdOfName(compile.name())
                                    : compile.flow_id();
    std::vector<std::string> more =
        FormatDiagnostics(flow_id, compile.errors(), compile.warnings());
    lines.insert(lines.end(), more.begin(), more.end());
  }
  PrintLines(lines);
  return absl::OkStatus();
}

void EventPrinter::PrintSummary(absl::string_view name, v1::State state,
                                int error_count, int warning_count) {
  if (format_ == OutputFormat::kJson) return;
  PrintLines({FormatSummary(name, state, error_count, warning_count)});
}

void EventPrinter::PrintListSummary(int compile_count) {
  if (format_ == OutputFormat::kJson) return;
  PrintLines({Plural(compile_count, "compile")});
}

absl::Status EventPrinter::PrintCollectionMessage(
    const v1::WatchCompilesResponse& message) {
  if (format_ == OutputFormat::kJson) return PrintJson(message);
  return PrintEvent(message.event());
}

void EventPrinter::PrintCollectionSummary(int completed, int failed,
                                          int timed_out) {
  if (format_ == OutputFormat::kJson) return;
  PrintLines({FormatCollectionSummary(completed, failed, timed_out)});
}

absl::Status EventPrinter::PrintJson(const google::protobuf::Message& message) {
  absl::StatusOr<std::string> json = ToJsonLine(message);
  if (!json.ok()) return json.status();
  PrintLines({*json});
  return absl::OkStatus();
}

void EventPrinter::PrintLines(const std::vector<std::string>& lines) {
  for (const std::string& line : lines) out_ << line << '\n';
  out_.flush();
}

}  // namespace cxone::client
