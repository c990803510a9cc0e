#include "client/gate_sarif.h"

#include <cstdint>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/event_printer.h"
#include "nlohmann/json.hpp"

namespace cxone::client {
namespace {

namespace v1 = ::cxone::compile::v1;
using Json = nlohmann::ordered_json;

struct Rule {
  const char* id;
  const char* name;
  const char* description;
};

// In ruleIndex order.
constexpr Rule kRules[] = {
    {"syntax", "FlowSyntaxError",
     "The flow is not well-formed: its JSON does not parse (CXone "
     "SYNTAX_ERROR)."},
    {"validation", "FlowValidationError",
     "A node or a required field is missing or has the wrong type (CXone "
     "VALIDATION_ERROR)."},
    {"reference", "FlowReferenceError",
     "A transition or reference names a node that does not exist (CXone "
     "REFERENCE_ERROR)."},
    {"unknown", "FlowCompileProblem",
     "A problem CXone reported with a code this tool does not know."},
    {"warning", "FlowWarning", "A warning CXone reported about the flow."},
};

size_t RuleIndex(v1::ErrorCategory category) {
  switch (category) {
    case v1::ERROR_CATEGORY_SYNTAX:
      return 0;
    case v1::ERROR_CATEGORY_VALIDATION:
      return 1;
    case v1::ERROR_CATEGORY_REFERENCE:
      return 2;
    case v1::ERROR_CATEGORY_UNKNOWN:
      return 3;
    default:
      return 3;  // an error of no category CXone gave is "unknown"
  }
}

// FNV-1a, 64 bits: stable across runs, machines and builds (a fingerprint
// must be), unlike absl::Hash, which is seeded per process.
uint64_t Fnv1a(absl::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  return hash;
}

std::string OneLine(absl::string_view text) {
  std::string line(text);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return line;
}

Json Location(const GateFlowResult& flow, const v1::CompileError* error) {
  Json location = Json::object();
  if (!flow.flow.file.empty()) {
    Json physical = {{"artifactLocation", {{"uri", ArtifactUri(flow.flow.file)}}}};
    if (error != nullptr && error->has_location() &&
        error->location().line() > 0) {
      Json region = {{"startLine", error->location().line()}};
      if (error->location().column() > 0) {
        region["startColumn"] = error->location().column();
      }
      physical["region"] = std::move(region);
    }
    location["physicalLocation"] = std::move(physical);
  }
  location["logicalLocations"] =
      Json::array({{{"name", flow.flow.flow_id}, {"kind", "module"}}});
  return location;
}

void AddResults(const GateFlowResult& flow,
                const std::vector<v1::CompileError>& diagnostics,
                Severity severity, std::map<std::string, int>& occurrences,
                Json& results) {
  for (const v1::CompileError& diagnostic : diagnostics) {
    // Warnings are the "warning" rule's, whatever CXone's code: the
    // categories are of errors.
    const size_t rule =
        severity == Severity::kWarning ? 4 : RuleIndex(diagnostic.category());
    const std::string identity =
        absl::StrCat(flow.flow.flow_id, "\x1f", diagnostic.code(), "\x1f",
                     diagnostic.message());
    const int occurrence = occurrences[identity]++;
    Json result = {
        {"ruleId", kRules[rule].id},
        {"ruleIndex", rule},
        {"level", std::string(SeverityWord(severity))},
        {"message", {{"text", OneLine(diagnostic.message())}}},
        {"locations", Json::array({Location(flow, &diagnostic)})},
        {"partialFingerprints",
         {{"cxoneDiagnostic/v1",
           absl::StrFormat("%016x:%d", Fnv1a(identity), occurrence)}}},
    };
    Json properties = {{"flowId", flow.flow.flow_id}, {"compile", flow.name}};
    if (!diagnostic.code().empty()) properties["code"] = diagnostic.code();
    result["properties"] = std::move(properties);
    results.push_back(std::move(result));
  }
}

}  // namespace

std::string ArtifactUri(absl::string_view path) {
  std::string uri = path.empty() || path.front() != '/' ? "" : "file://";
  for (unsigned char c : path) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '.' || c == '_' ||
        c == '~' || c == '/') {
      uri.push_back(static_cast<char>(c));
    } else {
      absl::StrAppend(&uri, absl::StrFormat("%%%02X", c));
    }
  }
  return uri;
}

std::string FormatSarif(const GateResults& results, const GateRunInfo& run) {
  Json rules = Json::array();
  for (const Rule& rule : kRules) {
    rules.push_back(
        {{"id", rule.id},
         {"name", rule.name},
         {"shortDescription", {{"text", rule.description}}},
         {"defaultConfiguration",
          {{"level", std::string(rule.id) == "warning" ? "warning" : "error"}}}});
  }
  Json sarif_results = Json::array();
  Json notifications = Json::array();
  std::map<std::string, int> occurrences;
  for (const GateFlowResult& flow : results.flows()) {
    AddResults(flow, flow.errors, Severity::kError, occurrences,
               sarif_results);
    AddResults(flow, flow.warnings, Severity::kWarning, occurrences,
               sarif_results);
    std::string problem;
    if (flow.state == v1::STATE_FAILED && flow.errors.empty()) {
      problem = "FAILED, and CXone gave no error";
    } else if (flow.terminal() && flow.state != v1::STATE_COMPLETED &&
               flow.state != v1::STATE_FAILED) {
      problem = "TIMED_OUT: the gateway gave up on the compile";
    } else if (!flow.terminal()) {
      problem = absl::StrCat("result unknown: ", flow.problem.empty()
                                                     ? "it did not finish"
                                                     : flow.problem);
    }
    if (!problem.empty()) {
      notifications.push_back(
          {{"level", "error"},
           {"message", {{"text", OneLine(absl::StrCat(flow.where(), ": ",
                                                       problem))}}},
           {"locations", Json::array({Location(flow, nullptr)})}});
    }
  }
  Json invocation = {
      {"executionSuccessful", notifications.empty()},
      {"exitCode", run.exit_code},
      {"startTimeUtc", Rfc3339(run.started)},
      {"endTimeUtc", Rfc3339(run.ended)},
  };
  if (!notifications.empty()) {
    invocation["toolExecutionNotifications"] = std::move(notifications);
  }
  Json sarif = {
      {"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
      {"version", "2.1.0"},
      {"runs",
       Json::array({{
           {"tool",
            {{"driver",
              {{"name", "cxone-compile"},
               {"semanticVersion", std::string(ToolVersion())},
               {"rules", std::move(rules)}}}}},
           {"automationDetails",
            {{"id", absl::StrCat("cxone-compile-gate/", results.run_id())}}},
           {"columnKind", "unicodeCodePoints"},
           {"invocations", Json::array({std::move(invocation)})},
           {"results", std::move(sarif_results)},
       }})},
  };
  // Paths are bytes, not always UTF-8: replace what is not, never abort.
  return sarif.dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

}  // namespace cxone::client
