// AddFinishedCompile: a COMPLETED compile in a registry, as one from before
// a restart would be — for the tests of what meets known, finished jobs
// (retention, reused compile ids).
#ifndef CXONE_TESTS_SUPPORT_FINISHED_COMPILE_H_
#define CXONE_TESTS_SUPPORT_FINISHED_COMPILE_H_

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "server/jobs/compile_job.h"
#include "server/jobs/job_registry.h"
#include "server/store/journal.h"
#include "tests/support/fake_upstream.h"

namespace cxone::testing {

// Compile `compile_id` of flow "main", finished at `at`. `journal` must
// outlive the registry's jobs.
inline void AddFinishedCompile(JobRegistry& registry, Journal* journal,
                               absl::Time at, const std::string& compile_id) {
  auto job = std::make_shared<CompileJob>(CompileName{"main", compile_id}, at,
                                          LifecycleTimeouts{}, journal);
  ASSERT_TRUE(job->ApplyFirstStatus(Status("COMPLETED"), at, {}).ok());
  registry.AddIfAbsent(job);
}

}  // namespace cxone::testing

#endif  // CXONE_TESTS_SUPPORT_FINISHED_COMPILE_H_
