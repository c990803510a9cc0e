#include "client/gate_flows.h"

#include <fnmatch.h>

#include <algorithm>
#include <filesystem>
#include <optional>
#include <random>
#include <system_error>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/labels.h"
#include "common/resource_name.h"

namespace cxone::client {

absl::StatusOr<std::vector<GateFlow>> FlowsFromIds(
    const std::vector<std::string>& ids) {
  std::vector<GateFlow> flows;
  absl::flat_hash_set<std::string> seen;
  for (const std::string& id : ids) {
    if (absl::Status valid = ValidateFlowId(id); !valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("FLOW_ID \"", id, "\": ", valid.message()));
    }
    if (!seen.insert(id).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("flow ", id, " is given twice; a run compiles it once"));
    }
    flows.push_back(GateFlow{id, ""});
  }
  return flows;
}

absl::StatusOr<std::vector<GateFlow>> FlowsInDirectory(
    const std::string& directory, const std::string& glob) {
  namespace fs = std::filesystem;
  std::error_code error;
  fs::directory_iterator entries(directory, error);
  if (error) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--flows-dir ", directory, ": cannot read it: ", error.message()));
  }
  std::vector<std::string> names;
  for (const fs::directory_entry& entry : entries) {
    std::error_code type_error;
    if (!entry.is_regular_file(type_error)) continue;
    std::string name = entry.path().filename().string();
    if (fnmatch(glob.c_str(), name.c_str(), FNM_PERIOD) == 0) {
      names.push_back(std::move(name));
    }
  }
  if (names.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("--flows-dir ", directory, ": no file matches --glob '",
                     glob, "'; nothing to compile"));
  }
  std::sort(names.begin(), names.end());
  // The path as given: "flows/" and "flows" both give "flows/x.json".
  absl::string_view prefix = directory;
  while (prefix.size() > 1 && prefix.back() == '/') prefix.remove_suffix(1);
  const absl::string_view separator = prefix == "/" ? "" : "/";
  std::vector<GateFlow> flows;
  absl::flat_hash_map<std::string, std::string> file_of_flow;
  for (const std::string& name : names) {
    const std::string file = absl::StrCat(prefix, separator, name);
    const std::string stem = fs::path(name).stem().string();
    if (absl::Status valid = ValidateFlowId(stem); !valid.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          file, ": its name does not give a valid flow id (the file of flow "
                "FLOW_ID is FLOW_ID.json): ",
          valid.message()));
    }
    if (auto [it, inserted] = file_of_flow.emplace(stem, file); !inserted) {
      return absl::InvalidArgumentError(absl::StrCat(
          it->second, " and ", file, " are both flow ", stem,
          "; narrow --glob so that one file is each flow"));
    }
    flows.push_back(GateFlow{stem, file});
  }
  return flows;
}

absl::StatusOr<std::string> ResolveRunId(const std::string& given,
                                         const EnvLookup& env,
                                         absl::string_view random) {
  std::string run_id = given;
  std::string source = "--run-id";
  for (const char* variable : {"GITHUB_RUN_ID", "CI_PIPELINE_ID"}) {
    if (!run_id.empty()) break;
    if (std::optional<std::string> value = env(variable);
        value.has_value() && !value->empty()) {
      run_id = *value;
      source = absl::StrCat("$", variable);
    }
  }
  if (run_id.empty()) return std::string(random);
  if (absl::Status valid = ValidateLabelValueSyntax(run_id);
      !valid.ok() || run_id.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        source, " \"", run_id,
        "\" cannot be a run id (it labels the run's compiles): ",
        valid.ok() ? "it is empty" : valid.message()));
  }
  return run_id;
}

std::string RandomRunId() {
  std::random_device device;
  const uint64_t value =
      (static_cast<uint64_t>(device()) << 32) | static_cast<uint64_t>(device());
  return absl::StrFormat("%016x", value);
}

std::string GateRequestId(absl::string_view run_id, absl::string_view flow_id) {
  return absl::StrCat("gate/", run_id, "/", flow_id);
}

}  // namespace cxone::client
