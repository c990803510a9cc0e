// ChildProcess: runs one of our binaries as a subprocess for an integration
// test, captures its stdout and stderr line by line, and kills it when the
// test is done.
//
// Integration tests start the real simulator and the real server this way
// (port 0, then WaitForLine() to read the port each one printed).
//
// Thread-safe: the output is read by two background threads owned by the
// object; the destructor kills the child (SIGKILL) if it still runs and joins
// them.
#ifndef CXONE_TESTS_SUPPORT_CHILD_PROCESS_H_
#define CXONE_TESTS_SUPPORT_CHILD_PROCESS_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace cxone::testing {

class ChildProcess {
 public:
  // Starts `binary` with `args`; `extra_env` is added to (or overrides) the
  // test's own environment.
  static absl::StatusOr<std::unique_ptr<ChildProcess>> Start(
      const std::string& binary, const std::vector<std::string>& args,
      const std::vector<std::pair<std::string, std::string>>& extra_env = {});

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  // Waits until a line (stdout or stderr) satisfies `predicate` and returns
  // it; DeadlineExceeded (with the output so far) if none does in time, or
  // Unavailable if the process exited first.
  absl::StatusOr<std::string> WaitForLine(
      const std::function<bool(const std::string&)>& predicate,
      absl::Duration timeout);

  // Every line printed so far, stdout and stderr interleaved as read.
  std::vector<std::string> Lines() const;

  // Sends `signal` to the child.
  void Signal(int signal);

  // Waits for the child to exit, at most `timeout`; returns its exit code
  // (128 + signal number if killed by a signal), or DeadlineExceeded.
  absl::StatusOr<int> Wait(absl::Duration timeout);

  pid_t pid() const { return pid_; }

  // What a process that ran to its end printed, and how it ended.
  struct Outcome {
    int exit_code = -1;
    std::vector<std::string> lines;
    // The lines joined with newlines, for substring checks and messages.
    std::string Text() const;
  };

  // Starts `binary`, waits (at most `timeout`) for it to exit and for its
  // output to be read to the end.
  static absl::StatusOr<Outcome> Run(
      const std::string& binary, const std::vector<std::string>& args,
      const std::vector<std::pair<std::string, std::string>>& extra_env = {},
      absl::Duration timeout = absl::Seconds(120));

 private:
  ChildProcess(pid_t pid, int stdout_fd, int stderr_fd);
  void ReadLines(int fd);
  bool Reap(int options);

  const pid_t pid_;
  std::thread stdout_reader_;
  std::thread stderr_reader_;
  mutable absl::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
  int open_streams_ ABSL_GUARDED_BY(mu_) = 2;
  bool reaped_ ABSL_GUARDED_BY(mu_) = false;
  int exit_code_ ABSL_GUARDED_BY(mu_) = -1;
};

}  // namespace cxone::testing

#endif  // CXONE_TESTS_SUPPORT_CHILD_PROCESS_H_
