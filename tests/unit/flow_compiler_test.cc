#include "simulator/flow_compiler.h"

#include <fstream>
#include <sstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxone::sim {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::string ReadExample(const std::string& name) {
  const std::string path =
      std::string(CXONE_SOURCE_DIR "/simulator/flows/") + name;
  std::ifstream file(path);
  EXPECT_TRUE(file.is_open()) << path;
  std::ostringstream text;
  text << file.rdbuf();
  return text.str();
}

Diagnostic Error(const char* code, int line, int column, std::string message) {
  return {code, std::move(message), {line, column}};
}

// --- The example flows shipped in simulator/flows (their README lists the
// same diagnostics; the gateway's integration tests rely on them). ---

TEST(FlowCompiler, CompilesMainMenuExampleCleanly) {
  const FlowCompileResult result = CompileFlow(ReadExample("main-menu.json"));
  EXPECT_TRUE(result.succeeded());
  EXPECT_THAT(result.errors, IsEmpty());
  EXPECT_THAT(result.warnings, IsEmpty());
}

TEST(FlowCompiler, ReportsMissingCommaAtFollowingToken) {
  const FlowCompileResult result =
      CompileFlow(ReadExample("syntax-error.json"));
  EXPECT_FALSE(result.succeeded());
  EXPECT_THAT(result.errors,
              ElementsAre(Error(kSyntaxError, 13, 7,
                                "expected ',' or '}' after an object member, "
                                "found a string (missing ','?)")));
  EXPECT_THAT(result.warnings, IsEmpty());
}

TEST(FlowCompiler, ReportsEveryProblemOfBrokenRefsExampleInOrder) {
  const FlowCompileResult result = CompileFlow(ReadExample("broken-refs.json"));
  EXPECT_FALSE(result.succeeded());
  EXPECT_THAT(
      result.errors,
      ElementsAre(
          Error(kReferenceError, 16, 14,
                "node \"menu\": transition \"3\" names node \"operator\", "
                "which does not exist"),
          Error(kValidationError, 19, 5, "node \"sales\" has no \"type\""),
          Error(kReferenceError, 26, 15,
                "node \"support\": \"next\" names node \"goodbye2\", which "
                "does not exist"),
          Error(kValidationError, 29, 13,
                "duplicate node id \"menu\" (first defined on line 11)")));
  EXPECT_THAT(result.warnings,
              ElementsAre(Error(kUnreachableNode, 36, 5,
                                "node \"survey\" is not reachable from start "
                                "node \"greet\"")));
}

// --- Rules, one by one. ---

TEST(FlowCompiler, ReportsOnlyTheSyntaxErrorForInvalidJson) {
  // Missing "start" would be an error too, but nothing past a syntax error
  // is reported.
  const FlowCompileResult result = CompileFlow("{\"nodes\": [}");
  EXPECT_THAT(result.errors,
              ElementsAre(Error(kSyntaxError, 1, 12,
                                "expected an array element, found '}'")));
  EXPECT_THAT(result.warnings, IsEmpty());
}

TEST(FlowCompiler, RejectsRootThatIsNotAnObject) {
  const FlowCompileResult result = CompileFlow("\n  [1, 2]");
  EXPECT_THAT(result.errors,
              ElementsAre(Error(kValidationError, 2, 3,
                                "flow must be a JSON object, but the document "
                                "is an array")));
}

TEST(FlowCompiler, ReportsMissingStartAndNodesAtTheRootObject) {
  const FlowCompileResult result = CompileFlow("  {\"name\": \"n\"}");
  EXPECT_THAT(
      result.errors,
      ElementsAre(
          Error(kValidationError, 1, 3,
                "flow has no \"start\" (the id of the first node)"),
          Error(kValidationError, 1, 3, "flow has no \"nodes\" array")));
}

TEST(FlowCompiler, ReportsValuesOfTheWrongTypeWhereTheyBegin) {
  const FlowCompileResult result = CompileFlow(R"({
  "name": 7,
  "start": ["a"],
  "nodes": [
    "a",
    {"id": 1, "type": "play"},
    {"id": "b", "type": false, "next": 3, "transitions": []},
    {"id": "c", "type": "menu", "transitions": {"1": null}},
    {"id": "", "type": "play"}
  ]
})");
  EXPECT_THAT(
      result.errors,
      ElementsAre(
          Error(kValidationError, 2, 11,
                "\"name\" must be a string, got number"),
          Error(kValidationError, 3, 12,
                "\"start\" must be a string naming a node, got array"),
          Error(kValidationError, 5, 5,
                "nodes[0] must be an object, got string"),
          Error(kValidationError, 6, 12,
                "nodes[1]: \"id\" must be a string, got number"),
          Error(kValidationError, 7, 25,
                "node \"b\": \"type\" must be a string, got boolean"),
          Error(kValidationError, 7, 40,
                "node \"b\": \"next\" must be a string naming a node, got "
                "number"),
          Error(kValidationError, 7, 58,
                "node \"b\": \"transitions\" must be an object, got array"),
          Error(kValidationError, 8, 54,
                "node \"c\": transition \"1\" must be a string naming a node, "
                "got null"),
          Error(kValidationError, 9, 12,
                "nodes[4]: \"id\" must not be empty")));
}

TEST(FlowCompiler, ReportsNodeWithoutIdOrTypeAtItsBrace) {
  const FlowCompileResult result = CompileFlow(R"({"name": "n", "start": "a",
 "nodes": [{"id": "a", "next": "b"},
           {"type": "play"},
           {"id": "b", "type": "hangup"}]})");
  EXPECT_THAT(
      result.errors,
      ElementsAre(Error(kValidationError, 2, 12, "node \"a\" has no \"type\""),
                  Error(kValidationError, 3, 12, "nodes[1] has no \"id\"")));
}

TEST(FlowCompiler, ReportsEachLaterDuplicateIdNamingTheFirstLine) {
  const FlowCompileResult result = CompileFlow(R"({"name": "n", "start": "a",
 "nodes": [
  {"id": "a", "type": "play"},
  {"id": "a", "type": "play"},
  {"id": "a", "type": "play"}]})");
  EXPECT_THAT(result.errors,
              ElementsAre(Error(kValidationError, 4, 10,
                                "duplicate node id \"a\" (first defined on "
                                "line 3)"),
                          Error(kValidationError, 5, 10,
                                "duplicate node id \"a\" (first defined on "
                                "line 3)")));
  // The duplicates are errors already, not also unreachable.
  EXPECT_THAT(result.warnings, IsEmpty());
}

TEST(FlowCompiler, ReportsReferencesToMissingNodesAtTheReference) {
  const FlowCompileResult result = CompileFlow(R"({"name": "n", "start": "nope",
 "nodes": [{"id": "a", "type": "menu", "next": "b",
            "transitions": {"x": "a", "y": "zz"}}]})");
  EXPECT_THAT(
      result.errors,
      ElementsAre(
          Error(kReferenceError, 1, 24,
                "\"start\" names node \"nope\", which does not exist"),
          Error(kReferenceError, 2, 48,
                "node \"a\": \"next\" names node \"b\", which does not exist"),
          Error(kReferenceError, 3, 44,
                "node \"a\": transition \"y\" names node \"zz\", which does "
                "not exist")));
  // Without a valid start node, reachability is not judged.
  EXPECT_THAT(result.warnings, IsEmpty());
}

TEST(FlowCompiler, ResolvesReferencesToNodesDefinedLater) {
  const FlowCompileResult result = CompileFlow(R"({"name": "n", "start": "a",
 "nodes": [{"id": "a", "type": "play", "next": "b"},
           {"id": "b", "type": "hangup"}]})");
  EXPECT_TRUE(result.succeeded());
  EXPECT_THAT(result.warnings, IsEmpty());
}

TEST(FlowCompiler, WarnsAboutMissingNameAndUnreachableNodesButCompiles) {
  const FlowCompileResult result = CompileFlow(R"({"start": "a",
 "nodes": [{"id": "a", "type": "play"},
           {"id": "lost", "type": "play", "next": "a"}]})");
  EXPECT_TRUE(result.succeeded());
  EXPECT_THAT(result.errors, IsEmpty());
  EXPECT_THAT(result.warnings,
              ElementsAre(Diagnostic{"", "flow has no name", {}},
                          Error(kUnreachableNode, 3, 12,
                                "node \"lost\" is not reachable from start "
                                "node \"a\"")));
}

TEST(FlowCompiler, FollowsTransitionsWhenJudgingReachability) {
  const FlowCompileResult result = CompileFlow(R"({"name": "n", "start": "a",
 "nodes": [{"id": "a", "type": "menu", "transitions": {"1": "c"}},
           {"id": "b", "type": "play"},
           {"id": "c", "type": "play", "next": "a"}]})");
  EXPECT_THAT(result.warnings,
              ElementsAre(Error(kUnreachableNode, 3, 12,
                                "node \"b\" is not reachable from start node "
                                "\"a\"")));
}

TEST(FlowCompiler, QuotesHostileIdsInMessages) {
  const FlowCompileResult result =
      CompileFlow(R"({"name": "n", "start": "a\"b\n", "nodes": []})");
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].message,
            "\"start\" names node \"a\\\"b\\n\", which does not exist");
}

TEST(FlowCompiler, RendersDiagnosticsInTheApiShape) {
  EXPECT_EQ(Error(kReferenceError, 3, 5, "m").ToJson(),
            nlohmann::json::parse(R"({"code": "REFERENCE_ERROR", "message": "m",
                                      "location": {"line": 3, "column": 5}})"));
  EXPECT_EQ((Diagnostic{"", "flow has no name", {}}).ToJson(),
            nlohmann::json("flow has no name"));
  EXPECT_EQ(
      (Diagnostic{kValidationError, "m", {}}).ToJson(),
      nlohmann::json::parse(R"({"code": "VALIDATION_ERROR", "message": "m"})"));
}

}  // namespace
}  // namespace cxone::sim
