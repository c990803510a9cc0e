#include "server/api/access_control.h"

#include "absl/strings/str_cat.h"
#include "common/quoted.h"

namespace cxone {

AccessControl::AccessControl(const CallerAuthenticator* authenticator,
                             const TenantPolicy* policy)
    : authenticator_(authenticator),
      single_tenant_(policy == nullptr ? TenantPolicy::SingleTenant()
                                       : nullptr),
      policy_(policy == nullptr ? single_tenant_.get() : policy) {}

absl::StatusOr<Principal> AccessControl::Authenticate(
    const grpc::ServerContextBase& context) const {
  if (authenticator_ == nullptr) return Principal{"anonymous"};
  return authenticator_->Authenticate(context);
}

absl::StatusOr<Caller> AccessControl::AdmitPrincipal(
    const std::string& principal, Role role) const {
  absl::StatusOr<TenantMembership> membership =
      policy_->MembershipOf(principal);
  if (!membership.ok()) return membership.status();
  if (!membership->Has(role)) {
    return absl::PermissionDeniedError(absl::StrCat(
        "principal ", Quoted(principal), " of tenant ",
        Quoted(membership->tenant->name), " lacks the ", RoleName(role),
        " role this call needs (see the policy file)"));
  }
  return Caller{principal, membership->tenant};
}

}  // namespace cxone
