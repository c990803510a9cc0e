#include "client/gate_github.h"

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "client/event_printer.h"

namespace cxone::client {
namespace {

namespace v1 = ::cxone::compile::v1;

struct Annotation {
  std::string properties;  // "file=…,line=…" (escaped), may be empty
  std::string message;
};

std::string Properties(const GateFlowResult& flow,
                       const v1::CompileError* diagnostic,
                       absl::string_view title) {
  std::vector<std::string> parts;
  if (!flow.flow.file.empty()) {
    parts.push_back(absl::StrCat("file=", EscapeCommandProperty(flow.flow.file)));
    if (diagnostic != nullptr && diagnostic->location().line() > 0) {
      parts.push_back(absl::StrCat("line=", diagnostic->location().line()));
      if (diagnostic->location().column() > 0) {
        parts.push_back(absl::StrCat("col=", diagnostic->location().column()));
      }
    }
  }
  parts.push_back(absl::StrCat("title=", EscapeCommandProperty(title)));
  return absl::StrJoin(parts, ",");
}

std::string Title(const GateFlowResult& flow, const v1::CompileError& error,
                  Severity severity) {
  const std::string category = CategoryWord(error.category());
  return absl::StrCat(flow.flow.flow_id, ": ",
                      category.empty() ? "" : absl::StrCat(category, " "),
                      SeverityWord(severity));
}

void Write(absl::string_view command, const std::vector<Annotation>& list,
           absl::string_view plural, std::string& out) {
  const size_t limit = kMaxAnnotationsPerType;
  const size_t shown = list.size() > limit ? limit - 1 : list.size();
  for (size_t i = 0; i < shown; ++i) {
    absl::StrAppend(&out, "::", command, " ", list[i].properties, "::",
                    EscapeCommandData(list[i].message), "\n");
  }
  if (shown < list.size()) {
    absl::StrAppend(
        &out, "::", command, " title=",
        EscapeCommandProperty(absl::StrCat(list.size() - shown, " more ",
                                           plural)),
        "::",
        EscapeCommandData(absl::StrCat(
            list.size() - shown, " more ", plural,
            " are not annotated (GitHub shows 10 per step); every one is in "
            "the job log")),
        "\n");
  }
}

std::string Cell(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"|", "\\|"}, {"\n", " "}, {"\r", " "}});
}

}  // namespace

std::string EscapeCommandData(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"%", "%25"}, {"\r", "%0D"}, {"\n", "%0A"}});
}

std::string EscapeCommandProperty(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"%", "%25"},
                                    {"\r", "%0D"},
                                    {"\n", "%0A"},
                                    {":", "%3A"},
                                    {",", "%2C"}});
}

std::string FormatGithubAnnotations(const GateResults& results) {
  // Flows without a result first: the 10 shown must never hide that one
  // is unknown behind compile errors.
  std::vector<Annotation> unknown;
  std::vector<Annotation> errors;
  std::vector<Annotation> warnings;
  for (const GateFlowResult& flow : results.flows()) {
    for (const v1::CompileError& error : flow.errors) {
      errors.push_back({Properties(flow, &error,
                                   Title(flow, error, Severity::kError)),
                        error.message()});
    }
    for (const v1::CompileError& warning : flow.warnings) {
      warnings.push_back({Properties(flow, &warning,
                                     Title(flow, warning, Severity::kWarning)),
                          warning.message()});
    }
    if (!flow.terminal()) {
      unknown.push_back(
          {Properties(flow, nullptr,
                      absl::StrCat(flow.flow.flow_id, ": result unknown")),
           flow.problem.empty() ? "the compile did not finish" : flow.problem});
    } else if (flow.state != v1::STATE_COMPLETED &&
               flow.state != v1::STATE_FAILED) {
      unknown.push_back(
          {Properties(flow, nullptr,
                      absl::StrCat(flow.flow.flow_id, ": TIMED_OUT")),
           "the gateway gave up on the compile (CXone reported no change for "
           "its give-up timeout)"});
    }
  }
  errors.insert(errors.begin(), unknown.begin(), unknown.end());
  std::string out;
  Write("error", errors, "errors", out);
  Write("warning", warnings, "warnings", out);
  return out;
}

std::string FormatStepSummary(const GateResults& results,
                              const GateRunInfo& run) {
  const GateTotals totals = results.Totals();
  std::string outcome =
      totals.failed > 0
          ? absl::StrCat(totals.failed, " of ", totals.flows, " flows FAILED")
      : totals.unknown + totals.running > 0
          ? absl::StrCat("not every result is known (exit ", run.exit_code, ")")
      : totals.timed_out > 0
          ? absl::StrCat(totals.timed_out, " of ", totals.flows,
                         " flows TIMED_OUT (the gateway gave up on them)")
          : absl::StrCat("all ", totals.flows, " flows COMPLETED");
  std::string out = absl::StrCat("### cxone-compile gate: ", outcome, "\n\n",
                                 FormatGateSummary(totals, run.ended - run.started),
                                 "\n\n| Flow | File | State | Errors | Warnings | "
                                 "Time | First error |\n|---|---|---|---:|---:|"
                                 "---:|---|\n");
  for (const GateFlowResult& flow : results.flows()) {
    const std::string state =
        flow.terminal() ? StateName(flow.state)
                        : (flow.problem.empty() ? "running" : "unknown");
    const std::string mark = flow.state == v1::STATE_COMPLETED ? "✅ "
                             : flow.state == v1::STATE_FAILED  ? "❌ "
                                                               : "⚠️ ";
    const std::string first =
        flow.errors.empty()
            ? flow.problem
            : LocatedDiagnostic(flow, flow.errors.front(), Severity::kError);
    absl::StrAppend(
        &out, "| ", Cell(flow.flow.flow_id), " | ",
        flow.flow.file.empty() || absl::StrContains(flow.flow.file, '`')
            ? Cell(flow.flow.file)
            : absl::StrCat("`", Cell(flow.flow.file), "`"),
        " | ", mark, state, " | ", flow.errors.size(), " | ",
        flow.warnings.size(), " | ",
        flow.created.has_value() ? FormatElapsed(flow.Elapsed(run.ended)) : "",
        " | ", Cell(first), " |\n");
  }
  return out;
}

}  // namespace cxone::client
