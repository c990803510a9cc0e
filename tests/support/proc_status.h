// Reading a process's figures from /proc, for tests and benchmarks that
// check memory or CPU time.
#ifndef CXONE_TESTS_SUPPORT_PROC_STATUS_H_
#define CXONE_TESTS_SUPPORT_PROC_STATUS_H_

#include <sys/types.h>

#include <cstdint>
#include <string>

namespace cxone::testing {

// A field of /proc/PID/status: in KiB for memory fields (VmRSS, VmHWM), a
// count for others (Threads); -1 when the field or process is not there.
int64_t ProcStatusField(pid_t pid, const std::string& field);

// The CPU time `pid` has used (utime + stime of /proc/PID/stat), in
// seconds; -1 when the process is not there.
double ProcCpuSeconds(pid_t pid);

}  // namespace cxone::testing

#endif  // CXONE_TESTS_SUPPORT_PROC_STATUS_H_
