#include "server/api/tenant_policy.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cxone {
namespace {

using ::testing::HasSubstr;

constexpr char kPolicy[] = R"({"tenants": [
  {"name": "payments", "weight": 2, "flows": ["pay-*", "ivr-pay"],
   "quotas": {"compiles_in_flight": 10, "starts_per_minute": 60},
   "members": [
     {"principal": "spiffe://example.org/ci/payments",
      "roles": ["start", "watch"]},
     {"principal": "token:pay-admin", "roles": ["admin"]}]},
  {"name": "claims", "members": [
     {"principal": "jwt:claims-bot", "roles": ["watch"]}]}]})";

TEST(TenantPolicy, MapsPrincipalsToTheirTenantAndRoles) {
  auto policy = TenantPolicy::Parse(kPolicy, "policy.json");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_TRUE((*policy)->multi_tenant());
  auto ci = (*policy)->MembershipOf("spiffe://example.org/ci/payments");
  ASSERT_TRUE(ci.ok());
  EXPECT_EQ(ci->tenant->name, "payments");
  EXPECT_TRUE(ci->Has(Role::kStart));
  EXPECT_TRUE(ci->Has(Role::kWatch));
  EXPECT_FALSE(ci->Has(Role::kAdmin));
  EXPECT_EQ(ci->tenant->weight, 2);
  EXPECT_EQ(ci->tenant->quotas.compiles_in_flight, 10);
  EXPECT_EQ(ci->tenant->quotas.starts_per_minute, 60);
  EXPECT_EQ(ci->tenant->quotas.open_watches, 0);
  auto admin = (*policy)->MembershipOf("token:pay-admin");
  ASSERT_TRUE(admin.ok());
  EXPECT_TRUE(admin->Has(Role::kAdmin));
  EXPECT_FALSE(admin->Has(Role::kStart));
  auto claims = (*policy)->MembershipOf("jwt:claims-bot");
  ASSERT_TRUE(claims.ok());
  EXPECT_EQ(claims->tenant->name, "claims");
  EXPECT_EQ(claims->tenant->weight, 1);
  auto stranger = (*policy)->MembershipOf("token:stranger");
  EXPECT_EQ(stranger.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(stranger.status().message(), HasSubstr("\"token:stranger\""));
}

TEST(TenantPolicy, FlowPatternsMatchWholeIds) {
  auto policy = TenantPolicy::Parse(kPolicy, "policy.json");
  ASSERT_TRUE(policy.ok());
  const TenantConfig* payments = (*policy)->Find("payments");
  ASSERT_NE(payments, nullptr);
  EXPECT_TRUE(payments->MayCompile("pay-checkout"));
  EXPECT_TRUE(payments->MayCompile("pay-"));
  EXPECT_TRUE(payments->MayCompile("ivr-pay"));
  EXPECT_FALSE(payments->MayCompile("ivr-pay2"));
  EXPECT_FALSE(payments->MayCompile("xpay-checkout"));
  EXPECT_FALSE(payments->MayCompile("claims"));
  EXPECT_TRUE((*policy)->Find("claims")->MayCompile("anything"));
  TenantConfig globs;
  globs.flows = {"a*b*c"};
  EXPECT_TRUE(globs.MayCompile("abc"));
  EXPECT_TRUE(globs.MayCompile("a-b-b-c"));
  EXPECT_FALSE(globs.MayCompile("a-b-c-d"));
}

TEST(TenantPolicy, WithoutAFileEveryoneIsTheOneTenantWithEveryRole) {
  auto policy = TenantPolicy::SingleTenant();
  EXPECT_FALSE(policy->multi_tenant());
  auto anyone = policy->MembershipOf("anonymous");
  ASSERT_TRUE(anyone.ok());
  EXPECT_EQ(anyone->tenant->name, "");
  EXPECT_TRUE(anyone->Has(Role::kStart) && anyone->Has(Role::kWatch) &&
              anyone->Has(Role::kAdmin));
}

TEST(TenantPolicy, EveryMistakeNamesTheFileAndTheEntry) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"[]", "not a JSON object"},
      {"{", "not a JSON object"},
      {R"({"tenants": []})", "tenants: give a list of one or more"},
      {R"({"tenant": []})", "unknown key \"tenant\""},
      {R"({"tenants": [{"name": "Pay", "members": []}]})",
       "tenants[0].name: \"Pay\" cannot name a tenant"},
      {R"({"tenants": [{"name": "-pay", "members": []}]})",
       "cannot name a tenant"},
      {R"({"tenants": [{"name": "pay", "members": []},
                       {"name": "pay", "members": []}]})",
       "tenants[1] (\"pay\"): a tenant of that name comes before"},
      {R"({"tenants": [{"name": "pay"}]})", "members: give a list"},
      {R"({"tenants": [{"name": "pay", "weight": 0, "members": []}]})",
       "weight: give a number above 0"},
      {R"({"tenants": [{"name": "pay", "weight": "2", "members": []}]})",
       "weight: give a number above 0"},
      {R"({"tenants": [{"name": "pay", "flows": [], "members": []}]})",
       "flows: give a list"},
      {R"({"tenants": [{"name": "pay", "quotas": {"starts": 1},
                        "members": []}]})",
       "quotas: unknown key \"starts\""},
      {R"({"tenants": [{"name": "pay", "quotas": {"open_watches": -1},
                        "members": []}]})",
       "quotas.open_watches: give a whole number"},
      {R"({"tenants": [{"name": "pay", "quotas": {"open_watches": 1.5},
                        "members": []}]})",
       "quotas.open_watches: give a whole number"},
      {R"({"tenants": [{"name": "pay", "members": [{"roles": ["start"]}]}]})",
       "members[0].principal: give the principal's name"},
      {R"({"tenants": [{"name": "pay", "members": [
           {"principal": "token:a", "roles": []}]}]})",
       "members[0].roles: give a list of one or more"},
      {R"({"tenants": [{"name": "pay", "members": [
           {"principal": "token:a", "roles": ["root"]}]}]})",
       "unknown role \"root\"; roles are start, watch, admin"},
      {R"({"tenants": [{"name": "pay", "members": [
           {"principal": "token:a", "roles": ["start"], "role": "x"}]}]})",
       "members[0]: unknown key \"role\""},
      {R"({"tenants": [
           {"name": "pay", "members": [{"principal": "token:a",
                                        "roles": ["start"]}]},
           {"name": "claims", "members": [{"principal": "token:a",
                                           "roles": ["watch"]}]}]})",
       "principal \"token:a\" is already a member of tenant \"pay\""},
  };
  for (const Case& c : cases) {
    auto policy = TenantPolicy::Parse(c.text, "/etc/gw/policy.json");
    ASSERT_FALSE(policy.ok()) << c.text;
    EXPECT_EQ(policy.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(policy.status().message(),
                HasSubstr("policy file \"/etc/gw/policy.json\""))
        << c.text;
    EXPECT_THAT(policy.status().message(), HasSubstr(c.message)) << c.text;
  }
}

TEST(TenantPolicy, AMissingFileIsNamed) {
  auto policy = TenantPolicy::Load("/nonexistent/policy.json");
  ASSERT_FALSE(policy.ok());
  EXPECT_THAT(policy.status().message(), HasSubstr("policy-file"));
  EXPECT_THAT(policy.status().message(), HasSubstr("/nonexistent/policy.json"));
}

}  // namespace
}  // namespace cxone
