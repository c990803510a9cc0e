// JobRegistry: every compile the gateway knows, by resource name.
//
// Thread-safe.
#ifndef CXONE_SERVER_JOB_REGISTRY_H_
#define CXONE_SERVER_JOB_REGISTRY_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "server/compile_job.h"

namespace cxone {

class JobRegistry {
 public:
  JobRegistry() = default;
  JobRegistry(const JobRegistry&) = delete;
  JobRegistry& operator=(const JobRegistry&) = delete;

  // The job named `name` (`flows/…/compiles/…`), or null.
  std::shared_ptr<CompileJob> Find(const std::string& name) const;

  // Registers `job` unless a job of the same name exists. Returns the
  // registered job and whether it is `job` (true) or the existing one.
  std::pair<std::shared_ptr<CompileJob>, bool> AddIfAbsent(
      std::shared_ptr<CompileJob> job);

  size_t size() const;

 private:
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, std::shared_ptr<CompileJob>> jobs_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace cxone

#endif  // CXONE_SERVER_JOB_REGISTRY_H_
