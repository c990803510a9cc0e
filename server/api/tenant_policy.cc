#include "server/api/tenant_policy.h"

#include <cmath>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/flag_file.h"
#include "common/quoted.h"
#include "nlohmann/json.hpp"

namespace cxone {
namespace {

using json = nlohmann::json;

constexpr int64_t kMaxQuota = 1'000'000'000;
constexpr double kMaxWeight = 1000;

// Whether `text` matches `pattern`, where `*` matches any run of
// characters (none included).
bool GlobMatches(absl::string_view pattern, absl::string_view text) {
  size_t p = 0, t = 0, star = absl::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != absl::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// OK if `object` has no keys beyond `known`; else InvalidArgument at
// `where` naming the first unknown one (a typo must not pass as a default).
absl::Status OnlyKnownKeys(const json& object,
                           std::initializer_list<absl::string_view> known,
                           const std::string& where) {
  for (const auto& [key, value] : object.items()) {
    bool found = false;
    for (absl::string_view name : known) found = found || key == name;
    if (!found) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": unknown key ", Quoted(key), "; known: ",
                       absl::StrJoin(known, ", ")));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> QuotaField(const json& quotas, const char* key,
                                   const std::string& where) {
  if (!quotas.contains(key)) return 0;
  const json& value = quotas[key];
  if (!value.is_number_integer() || value.get<int64_t>() < 0 ||
      value.get<int64_t>() > kMaxQuota) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ".quotas.", key, ": give a whole number from 0 ",
                     "(no limit) to ", kMaxQuota));
  }
  return value.get<int64_t>();
}

absl::StatusOr<unsigned> RolesField(const json& member,
                                    const std::string& where) {
  if (!member.contains("roles") || !member["roles"].is_array() ||
      member["roles"].empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        where, ".roles: give a list of one or more of start, watch, admin"));
  }
  unsigned roles = 0;
  for (const json& role : member["roles"]) {
    const std::string name = role.is_string() ? role.get<std::string>() : "";
    if (name == "start") {
      roles |= static_cast<unsigned>(Role::kStart);
    } else if (name == "watch") {
      roles |= static_cast<unsigned>(Role::kWatch);
    } else if (name == "admin") {
      roles |= static_cast<unsigned>(Role::kAdmin);
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".roles: unknown role ",
                       role.is_string() ? Quoted(name) : role.dump(),
                       "; roles are start, watch, admin"));
    }
  }
  return roles;
}

}  // namespace

absl::string_view RoleName(Role role) {
  switch (role) {
    case Role::kStart:
      return "start";
    case Role::kWatch:
      return "watch";
    case Role::kAdmin:
      return "admin";
  }
  return "?";
}

absl::Status ValidateTenantName(absl::string_view name) {
  bool valid = !name.empty() && name.size() <= 63 && name[0] != '-';
  for (char c : name) {
    valid = valid && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-');
  }
  if (valid) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      Quoted(name), " cannot name a tenant: give 1 to 63 of a-z, 0-9 and -, "
                    "not starting with -"));
}

bool TenantConfig::MayCompile(absl::string_view flow_id) const {
  if (flows.empty()) return true;
  for (const std::string& pattern : flows) {
    if (GlobMatches(pattern, flow_id)) return true;
  }
  return false;
}

std::unique_ptr<TenantPolicy> TenantPolicy::SingleTenant() {
  std::unique_ptr<TenantPolicy> policy(new TenantPolicy());
  policy->tenants_.push_back(std::make_unique<TenantConfig>());
  return policy;
}

absl::StatusOr<std::unique_ptr<TenantPolicy>> TenantPolicy::Load(
    const std::string& path) {
  absl::StatusOr<std::string> text = ReadFlagFile("policy-file", path);
  if (!text.ok()) return text.status();
  return Parse(*text, path);
}

absl::StatusOr<std::unique_ptr<TenantPolicy>> TenantPolicy::Parse(
    absl::string_view text, absl::string_view origin) {
  const std::string file = absl::StrCat("policy file ", Quoted(origin));
  const json parsed = json::parse(text.begin(), text.end(), nullptr,
                                  /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file, ": not a JSON object"));
  }
  if (absl::Status known = OnlyKnownKeys(parsed, {"tenants"}, file);
      !known.ok()) {
    return known;
  }
  if (!parsed.contains("tenants") || !parsed["tenants"].is_array() ||
      parsed["tenants"].empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(file, ": tenants: give a list of one or more tenants"));
  }
  std::unique_ptr<TenantPolicy> policy(new TenantPolicy());
  policy->multi_tenant_ = true;
  const json& tenants = parsed["tenants"];
  for (size_t i = 0; i < tenants.size(); ++i) {
    const json& entry = tenants[i];
    std::string where = absl::StrCat(file, ": tenants[", i, "]");
    if (!entry.is_object()) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": not an object"));
    }
    auto tenant = std::make_unique<TenantConfig>();
    tenant->name = entry.contains("name") && entry["name"].is_string()
                       ? entry["name"].get<std::string>()
                       : "";
    if (absl::Status valid = ValidateTenantName(tenant->name); !valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ".name: ", valid.message()));
    }
    absl::StrAppend(&where, " (", Quoted(tenant->name), ")");
    if (policy->Find(tenant->name) != nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": a tenant of that name comes before"));
    }
    if (absl::Status known = OnlyKnownKeys(
            entry, {"name", "weight", "flows", "quotas", "members"}, where);
        !known.ok()) {
      return known;
    }
    if (entry.contains("weight")) {
      const json& weight = entry["weight"];
      if (!weight.is_number() || !std::isfinite(weight.get<double>()) ||
          weight.get<double>() <= 0 || weight.get<double>() > kMaxWeight) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ".weight: give a number above 0, at most ", kMaxWeight));
      }
      tenant->weight = weight.get<double>();
    }
    if (entry.contains("flows")) {
      const json& flows = entry["flows"];
      bool valid = flows.is_array() && !flows.empty();
      for (const json& pattern : flows) {
        valid = valid && pattern.is_string() &&
                !pattern.get<std::string>().empty();
        if (valid) tenant->flows.push_back(pattern.get<std::string>());
      }
      if (!valid) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ".flows: give a list of flow ids or patterns with *"));
      }
    }
    if (entry.contains("quotas")) {
      const json& quotas = entry["quotas"];
      if (!quotas.is_object()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ".quotas: not an object"));
      }
      if (absl::Status known = OnlyKnownKeys(
              quotas,
              {"compiles_in_flight", "starts_per_minute", "open_watches"},
              absl::StrCat(where, ".quotas"));
          !known.ok()) {
        return known;
      }
      for (auto [key, field] :
           {std::pair{"compiles_in_flight", &TenantQuotas::compiles_in_flight},
            std::pair{"starts_per_minute", &TenantQuotas::starts_per_minute},
            std::pair{"open_watches", &TenantQuotas::open_watches}}) {
        absl::StatusOr<int64_t> value = QuotaField(quotas, key, where);
        if (!value.ok()) return value.status();
        tenant->quotas.*field = *value;
      }
    }
    if (!entry.contains("members") || !entry["members"].is_array()) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ".members: give a list of {\"principal\", \"roles\"}"));
    }
    const json& members = entry["members"];
    for (size_t m = 0; m < members.size(); ++m) {
      const std::string member_where =
          absl::StrCat(where, ".members[", m, "]");
      const json& member = members[m];
      if (!member.is_object()) {
        return absl::InvalidArgumentError(
            absl::StrCat(member_where, ": not an object"));
      }
      if (absl::Status known =
              OnlyKnownKeys(member, {"principal", "roles"}, member_where);
          !known.ok()) {
        return known;
      }
      if (!member.contains("principal") || !member["principal"].is_string() ||
          member["principal"].get<std::string>().empty()) {
        return absl::InvalidArgumentError(absl::StrCat(
            member_where,
            ".principal: give the principal's name (spiffe://…, cn:NAME, "
            "token:NAME, jwt:SUBJECT)"));
      }
      const std::string principal = member["principal"].get<std::string>();
      absl::StatusOr<unsigned> roles = RolesField(member, member_where);
      if (!roles.ok()) return roles.status();
      if (auto [it, added] = policy->members_.try_emplace(
              principal, TenantMembership{tenant.get(), *roles});
          !added) {
        return absl::InvalidArgumentError(absl::StrCat(
            member_where, ": principal ", Quoted(principal),
            " is already a member of tenant ", Quoted(it->second.tenant->name),
            "; a principal acts for one tenant"));
      }
    }
    policy->tenants_.push_back(std::move(tenant));
  }
  return policy;
}

absl::StatusOr<TenantMembership> TenantPolicy::MembershipOf(
    absl::string_view principal) const {
  if (!multi_tenant_) {
    return TenantMembership{tenants_.front().get(),
                            static_cast<unsigned>(Role::kStart) |
                                static_cast<unsigned>(Role::kWatch) |
                                static_cast<unsigned>(Role::kAdmin)};
  }
  auto it = members_.find(principal);
  if (it == members_.end()) {
    return absl::PermissionDeniedError(
        absl::StrCat("principal ", Quoted(principal),
                     " is not a member of any tenant of the policy file"));
  }
  return it->second;
}

const TenantConfig* TenantPolicy::Find(absl::string_view name) const {
  for (const std::unique_ptr<TenantConfig>& tenant : tenants_) {
    if (tenant->name == name) return tenant.get();
  }
  return nullptr;
}

}  // namespace cxone
