// AccessControl: whether a call may go on — who makes it
// (CallerAuthenticator), the tenant it acts for and whether it holds the
// role the call needs (TenantPolicy).
//
// Codes: no or a bad credential UNAUTHENTICATED; a principal the policy
// gives no tenant, or one without the role, PERMISSION_DENIED naming the
// principal and the role. A compile of another tenant is not refused here
// but answered NOT_FOUND where it is looked up, exactly as a compile that
// does not exist, so that no caller learns another tenant's names.
//
// Thread-safe: immutable after creation.
#ifndef CXONE_SERVER_API_ACCESS_CONTROL_H_
#define CXONE_SERVER_API_ACCESS_CONTROL_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "grpcpp/server_context.h"
#include "server/api/caller_authenticator.h"
#include "server/api/tenant_policy.h"

namespace cxone {

// A caller admitted to a call.
struct Caller {
  std::string principal;
  // Never null; lives as long as the policy.
  const TenantConfig* tenant = nullptr;

  const std::string& tenant_name() const { return tenant->name; }
};

class AccessControl {
 public:
  // `authenticator` may be null (authentication off: every caller is
  // "anonymous"); `policy` may be null (one tenant, every role). Both must
  // outlive the access control.
  AccessControl(const CallerAuthenticator* authenticator,
                const TenantPolicy* policy);

  // Who calls in `context`: "anonymous" without an authenticator, or
  // Unauthenticated.
  absl::StatusOr<Principal> Authenticate(
      const grpc::ServerContextBase& context) const;

  // `principal` as a caller, if it may make a call that needs `role`.
  // (Two steps, so that the audit line names a principal refused here.)
  absl::StatusOr<Caller> AdmitPrincipal(const std::string& principal,
                                        Role role) const;

  const TenantPolicy& policy() const { return *policy_; }

 private:
  const CallerAuthenticator* const authenticator_;
  std::unique_ptr<TenantPolicy> single_tenant_;
  const TenantPolicy* const policy_;
};

}  // namespace cxone

#endif  // CXONE_SERVER_API_ACCESS_CONTROL_H_
