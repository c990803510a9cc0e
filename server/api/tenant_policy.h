// TenantPolicy: which tenant each principal acts for, what it may do there,
// and each tenant's quotas and share of the account's rate budget — read
// from the file --policy-file names (JSON):
//
//   {
//     "tenants": [{
//       "name": "payments",                 // [a-z0-9][a-z0-9-]{0,62}, unique
//       "weight": 2,                         // share of the budget; default 1
//       "flows": ["payments-*", "ivr-pay"],  // flows it may compile (`*`
//                                            //   matches any run); default
//                                            //   every flow
//       "quotas": {                          // each optional; 0 or absent:
//         "compiles_in_flight": 100,         //   no limit of the tenant's own
//         "starts_per_minute": 600,
//         "open_watches": 1000
//       },
//       "members": [
//         {"principal": "spiffe://example.org/ci/payments",
//          "roles": ["start", "watch"]},
//         {"principal": "token:payments-admin", "roles": ["admin"]}
//       ]
//     }]
//   }
//
// Roles: `start` (StartCompile, BatchStartCompiles), `watch` (GetCompile,
// LookupCompile, WatchCompile, ListCompiles, WatchCompiles), `admin` (the
// WebhookService: dead letters and their replay). A principal (see
// caller_authenticator.h for the names) belongs to one tenant at most: a
// principal the file does not name may call nothing. Every error names the
// file and the entry.
//
// Without a policy file there is one tenant, "", which every caller
// belongs to with every role: the gateway as it was before tenants.
//
// Thread-safe: immutable after creation.
#ifndef CXONE_SERVER_API_TENANT_POLICY_H_
#define CXONE_SERVER_API_TENANT_POLICY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cxone {

enum class Role { kStart = 1, kWatch = 2, kAdmin = 4 };

// "start", "watch", "admin".
absl::string_view RoleName(Role role);

struct TenantQuotas {
  // 0: no limit of the tenant's own.
  int64_t compiles_in_flight = 0;
  int64_t starts_per_minute = 0;
  int64_t open_watches = 0;
};

struct TenantConfig {
  std::string name;
  double weight = 1;
  // Glob patterns (`*` only); empty: every flow.
  std::vector<std::string> flows;
  TenantQuotas quotas;

  // Whether the tenant may compile `flow_id`.
  bool MayCompile(absl::string_view flow_id) const;
};

// A principal's place in the policy: its tenant and roles (a bit set of
// Role values).
struct TenantMembership {
  const TenantConfig* tenant = nullptr;
  unsigned roles = 0;

  bool Has(Role role) const { return (roles & static_cast<unsigned>(role)); }
};

class TenantPolicy {
 public:
  // The policy of a policy file's text; InvalidArgument naming `origin`
  // (the file) and the entry otherwise.
  static absl::StatusOr<std::unique_ptr<TenantPolicy>> Parse(
      absl::string_view text, absl::string_view origin);
  // The same, read from `path`.
  static absl::StatusOr<std::unique_ptr<TenantPolicy>> Load(
      const std::string& path);
  // The policy without a file: one tenant "", every principal a member of
  // it with every role.
  static std::unique_ptr<TenantPolicy> SingleTenant();

  TenantPolicy(const TenantPolicy&) = delete;
  TenantPolicy& operator=(const TenantPolicy&) = delete;

  // Whether tenants come from a file (false: SingleTenant()).
  bool multi_tenant() const { return multi_tenant_; }

  // Where `principal` belongs, or PermissionDenied naming it (a name, never
  // a credential) when the policy gives it no tenant.
  absl::StatusOr<TenantMembership> MembershipOf(
      absl::string_view principal) const;

  // The tenant named `name`, or null.
  const TenantConfig* Find(absl::string_view name) const;

  const std::vector<std::unique_ptr<TenantConfig>>& tenants() const {
    return tenants_;
  }

 private:
  TenantPolicy() = default;

  bool multi_tenant_ = false;
  std::vector<std::unique_ptr<TenantConfig>> tenants_;
  absl::flat_hash_map<std::string, TenantMembership> members_;
};

// OK, or InvalidArgument saying why `name` cannot name a tenant.
absl::Status ValidateTenantName(absl::string_view name);

}  // namespace cxone

#endif  // CXONE_SERVER_API_TENANT_POLICY_H_
