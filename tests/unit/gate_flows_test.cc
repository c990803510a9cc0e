// Which flows a gate run compiles, and the keys that make a retried run
// attach instead of starting again.
#include "client/gate_flows.h"

#include <filesystem>
#include <fstream>
#include <map>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace cxone::client {
namespace {

using ::testing::HasSubstr;

EnvLookup Env(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto found = values.find(name);
    if (found == values.end()) return std::nullopt;
    return found->second;
  };
}

void Touch(const std::string& path) { std::ofstream(path) << "{}"; }

TEST(GateFlows, ADirectorysMatchingFilesAreFlowsByStemInNameOrder) {
  cxone::testing::ScopedTempDir dir;
  Touch(dir.path() + "/main-menu.json");
  Touch(dir.path() + "/billing.v2.json");
  Touch(dir.path() + "/notes.txt");
  Touch(dir.path() + "/.hidden.json");
  std::filesystem::create_directory(dir.path() + "/nested.json");
  auto flows = FlowsInDirectory(dir.path() + "/", "*.json");
  ASSERT_TRUE(flows.ok()) << flows.status();
  ASSERT_EQ(flows->size(), 2u);
  EXPECT_EQ((*flows)[0].flow_id, "billing.v2");
  EXPECT_EQ((*flows)[0].file, dir.path() + "/billing.v2.json");
  EXPECT_EQ((*flows)[1].flow_id, "main-menu");
  EXPECT_EQ((*flows)[1].file, dir.path() + "/main-menu.json");
}

TEST(GateFlows, TheDirectoryIsKeptAsGivenSoRelativePathsStayRelative) {
  cxone::testing::ScopedTempDir dir;
  Touch(dir.path() + "/a.json");
  const auto previous = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  auto flows = FlowsInDirectory(".", "*.json");
  std::filesystem::current_path(previous);
  ASSERT_TRUE(flows.ok()) << flows.status();
  EXPECT_EQ((*flows)[0].file, "./a.json");
}

TEST(GateFlows, AFileWhoseNameIsNoFlowIdIsNamed) {
  cxone::testing::ScopedTempDir dir;
  Touch(dir.path() + "/main menu.json");
  auto flows = FlowsInDirectory(dir.path(), "*.json");
  ASSERT_FALSE(flows.ok());
  EXPECT_THAT(flows.status().message(), HasSubstr("main menu.json"));
  EXPECT_THAT(flows.status().message(), HasSubstr("FLOW_ID.json"));
}

TEST(GateFlows, NothingToCompileIsAnError) {
  cxone::testing::ScopedTempDir dir;
  Touch(dir.path() + "/a.yaml");
  auto empty = FlowsInDirectory(dir.path(), "*.json");
  ASSERT_FALSE(empty.ok());
  EXPECT_THAT(empty.status().message(), HasSubstr("no file matches --glob"));
  auto missing = FlowsInDirectory(dir.path() + "/nope", "*.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), HasSubstr("cannot read it"));
}

TEST(GateFlows, TwoFilesOfOneFlowAreRefused) {
  cxone::testing::ScopedTempDir dir;
  Touch(dir.path() + "/main-menu.json");
  Touch(dir.path() + "/main-menu.yaml");
  auto flows = FlowsInDirectory(dir.path(), "*");
  ASSERT_FALSE(flows.ok());
  EXPECT_THAT(flows.status().message(), HasSubstr("are both flow main-menu"));
}

TEST(GateFlows, IdsAreCheckedAndGivenOnce) {
  auto flows = FlowsFromIds({"a", "b"});
  ASSERT_TRUE(flows.ok());
  EXPECT_EQ((*flows)[1].flow_id, "b");
  EXPECT_TRUE((*flows)[1].file.empty());
  EXPECT_THAT(FlowsFromIds({"a", "a"}).status().message(),
              HasSubstr("given twice"));
  EXPECT_THAT(FlowsFromIds({"a/b"}).status().message(), HasSubstr("a/b"));
}

TEST(GateFlows, TheRunIdComesFromTheFlagThenTheCiSystem) {
  const EnvLookup ci = Env({{"GITHUB_RUN_ID", "98765"}, {"CI_PIPELINE_ID", "4"}});
  EXPECT_EQ(*ResolveRunId("mine", ci, "rnd"), "mine");
  EXPECT_EQ(*ResolveRunId("", ci, "rnd"), "98765");
  EXPECT_EQ(*ResolveRunId("", Env({{"CI_PIPELINE_ID", "4"}}), "rnd"), "4");
  EXPECT_EQ(*ResolveRunId("", Env({}), "rnd"), "rnd");
  auto bad = ResolveRunId("", Env({{"GITHUB_RUN_ID", "not a label"}}), "rnd");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("$GITHUB_RUN_ID"));
}

TEST(GateFlows, RequestIdsAreDerivedFromTheRunAndTheFlow) {
  EXPECT_EQ(GateRequestId("98765", "main-menu"), "gate/98765/main-menu");
  EXPECT_EQ(RandomRunId().size(), 16u);
  EXPECT_NE(RandomRunId(), RandomRunId());
}

}  // namespace
}  // namespace cxone::client
