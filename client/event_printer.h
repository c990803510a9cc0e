// EventPrinter: how cxone-compile shows compiles and their events, for people
// (one line per event, compiler-style diagnostics) or for programs (one proto3
// JSON object per line).
//
// Human output, one line per event:
//
//   flows/main-menu/compiles/c-1  #0  SNAPSHOT  QUEUED
//   flows/main-menu/compiles/c-1  #2  STATE_CHANGED  QUEUED -> IN_PROGRESS
//   flows/main-menu/compiles/c-1  #3  STUCK  IN_PROGRESS  no change for 5m
//   (upstream: "Running")
//
// When a printed event or compile is in a terminal state, its errors and then
// its warnings follow, one per line, in the `file:line:column: severity:`
// form that editors and CI log viewers turn into links:
//
//   main-menu:12:5: error: syntax: unexpected token '}'
//   main-menu:7: warning: validation: prompt is empty     (no column)
//   main-menu: error: reference: node 'x' does not exist  (no location)
//   main-menu: warning: deprecated action                 (plain warning)
//
// Diagnostics are printed only with terminal states because every event
// carries the compile's full error list; printing it each time would repeat
// it. The summary line (`compile NAME COMPLETED`, `… FAILED with 3 errors`)
// is written by PrintSummary(), which the caller invokes once at the end.
//
// SYNCED and HEARTBEAT markers (sequence 0, no news about the compile) are
// not shown to people.
//
// JSON output: each event — markers included, so that scripts can see the
// stream is alive and where to resume it — or compile is one line of proto3
// JSON (enum values by name, fields with default values included so that
// scripts always find them), and nothing else is written.
//
// Thread-compatible: an EventPrinter writes to a stream it does not own and
// must be used from one thread at a time.
#ifndef CXONE_CLIENT_EVENT_PRINTER_H_
#define CXONE_CLIENT_EVENT_PRINTER_H_

#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cxone/compile/v1/compile.pb.h"
#include "google/protobuf/message.h"

namespace cxone::client {

namespace v1 = ::cxone::compile::v1;

enum class OutputFormat { kHuman, kJson };

enum class Severity { kError, kWarning };

// True for the states that never change again: COMPLETED, FAILED, TIMED_OUT.
bool IsTerminal(v1::State state);

// True for the stream markers SYNCED and HEARTBEAT: not logged events, their
// `sequence` is 0 and their `state` is not set.
bool IsMarker(v1::EventType type);

// `state` without its "STATE_" prefix ("IN_PROGRESS"); "STATE(7)" for a value
// this build does not know (a newer gateway may send one).
std::string StateName(v1::State state);

// `type` without its "EVENT_TYPE_" prefix ("STATE_CHANGED"); "EVENT_TYPE(9)"
// for an unknown value.
std::string EventTypeName(v1::EventType type);

// The lower-case word for `category` ("syntax", "validation", "reference",
// "unknown"); empty for ERROR_CATEGORY_UNSPECIFIED, which is what a warning
// CXone sent as a plain string carries.
std::string CategoryWord(v1::ErrorCategory category);

// "1 error", "3 errors": `count` and `noun`, plural when not 1.
std::string Plural(int64_t count, absl::string_view noun);

// One diagnostic line, without newline:
//   FLOW_ID:LINE:COLUMN: SEVERITY: CATEGORY: message
// with `:COLUMN` left out when the column is 0, `:LINE:COLUMN` left out when
// there is no location (or its line is 0), and `CATEGORY: ` left out when the
// category is unspecified. Line breaks inside the message become spaces so
// that one diagnostic stays one line.
std::string FormatDiagnostic(absl::string_view flow_id,
                             const v1::CompileError& error, Severity severity);

// The diagnostic lines of `errors` then `warnings`.
std::vector<std::string> FormatDiagnostics(
    absl::string_view flow_id,
    const google::protobuf::RepeatedPtrField<v1::CompileError>& errors,
    const google::protobuf::RepeatedPtrField<v1::CompileError>& warnings);

// The human line of one event (see the file comment), without newline.
std::string FormatEventLine(const v1::CompileEvent& event);

// A compile's labels as `KEY=VALUE` pairs joined by ',' in key order
// (`pipeline=checkout,tier=canary`); empty for none. The text is a label
// selector that matches them.
std::string FormatLabels(
    const google::protobuf::Map<std::string, std::string>& labels);

// The human line of a compile, `NAME  STATE`, then `  LABELS`
// (FormatLabels) when it has labels, without newline.
std::string FormatCompileLine(const v1::Compile& compile);

// The closing line of a watch, without newline:
//   compile NAME COMPLETED [with N warnings]
//   compile NAME FAILED with N errors [and M warnings]
//   compile NAME TIMED_OUT (the gateway gave up; CXone may still finish it)
std::string FormatSummary(absl::string_view name, v1::State state,
                          int error_count, int warning_count);

// The closing line of `watch --until-done`, without newline:
//   3 compiles: 2 COMPLETED, 1 FAILED, 0 TIMED_OUT
std::string FormatCollectionSummary(int completed, int failed, int timed_out);

// `message` as one line of proto3 JSON, without newline; enum values by
// name, default-valued fields included.
absl::StatusOr<std::string> ToJsonLine(
    const google::protobuf::Message& message);

// The flow id in compile name `name`; `name` itself if it does not parse
// (the diagnostics then still say which compile they belong to).
std::string FlowIdOfName(absl::string_view name);

class EventPrinter {
 public:
  // `out` must outlive the printer.
  EventPrinter(OutputFormat format, std::ostream& out);
  EventPrinter(const EventPrinter&) = delete;
  EventPrinter& operator=(const EventPrinter&) = delete;

  OutputFormat format() const { return format_; }

  // Writes `event` (and its diagnostics, if terminal) and flushes, so that a
  // pipeline sees each event as it arrives. A marker (IsMarker) is written
  // in JSON mode only. Fails only if the event cannot be rendered as JSON.
  absl::Status PrintEvent(const v1::CompileEvent& event);

  enum class Diagnostics { kIfTerminal, kNone };
  // Writes `compile` (and, unless `diagnostics` is kNone, its diagnostics if
  // terminal) and flushes. Fails only if it cannot be rendered as JSON.
  absl::Status PrintCompile(const v1::Compile& compile,
                            Diagnostics diagnostics = Diagnostics::kIfTerminal);

  // Writes the FormatSummary() line in human mode; nothing in JSON mode,
  // where the last event already says how the compile ended.
  void PrintSummary(absl::string_view name, v1::State state, int error_count,
                    int warning_count);

  // Writes the closing line of a list, `3 compiles`, in human mode; nothing
  // in JSON mode, where every line is a compile.
  void PrintListSummary(int compile_count);

  // Writes one message of a WatchCompiles stream: in human mode its event
  // as PrintEvent() does (markers not at all); in JSON mode the whole
  // message (event, compile, resume_after_revision), markers included.
  absl::Status PrintCollectionMessage(const v1::WatchCompilesResponse& message);

  // Writes the closing line of a collection watch that waited for every
  // compile to finish, in human mode: FormatCollectionSummary().
  void PrintCollectionSummary(int completed, int failed, int timed_out);

 private:
  absl::Status PrintJson(const google::protobuf::Message& message);
  void PrintLines(const std::vector<std::string>& lines);

  const OutputFormat format_;
  std::ostream& out_;
};

}  // namespace cxone::client

#endif  // CXONE_CLIENT_EVENT_PRINTER_H_
