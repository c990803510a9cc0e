#include "tests/support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

extern char** environ;

namespace cxone::testing {

absl::StatusOr<std::unique_ptr<ChildProcess>> ChildProcess::Start(
    const std::string& binary, const std::vector<std::string>& args,
    const std::vector<std::pair<std::string, std::string>>& extra_env) {
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
    return absl::InternalError(absl::StrCat("pipe: ", std::strerror(errno)));
  }
  // Everything the child needs is built before fork(): only async-signal-safe
  // calls are allowed between fork() and exec().
  std::vector<std::string> argv_storage = {binary};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_storage;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    absl::string_view text(*entry);
    bool overridden = false;
    for (const auto& [name, value] : extra_env) {
      if (text.substr(0, name.size() + 1) == absl::StrCat(name, "=")) {
        overridden = true;
      }
    }
    if (!overridden) env_storage.emplace_back(text);
  }
  for (const auto& [name, value] : extra_env) {
    env_storage.push_back(absl::StrCat(name, "=", value));
  }
  std::vector<char*> envp;
  for (std::string& entry : env_storage) envp.push_back(entry.data());
  envp.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) {
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    // If the test process dies without its destructors running (a crash, a
    // signal), the child must not outlive it.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    execve(binary.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  return std::unique_ptr<ChildProcess>(
      new ChildProcess(pid, out_pipe[0], err_pipe[0]));
}

ChildProcess::ChildProcess(pid_t pid, int stdout_fd, int stderr_fd)
    : pid_(pid) {
  // Started here, not in the initializer list: the readers use mu_ and
  // lines_, which are declared (so constructed) after the thread members.
  stdout_reader_ = std::thread([this, stdout_fd] { ReadLines(stdout_fd); });
  stderr_reader_ = std::thread([this, stderr_fd] { ReadLines(stderr_fd); });
}

ChildProcess::~ChildProcess() {
  bool reaped;
  {
    absl::MutexLock lock(&mu_);
    reaped = reaped_;
  }
  if (!reaped) {
    kill(pid_, SIGKILL);
    Reap(0);
  }
  stdout_reader_.join();
  stderr_reader_.join();
}

void ChildProcess::ReadLines(int fd) {
  std::string pending;
  char buffer[4096];
  while (true) {
    ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    pending.append(buffer, static_cast<size_t>(n));
    size_t newline;
    while ((newline = pending.find('\n')) != std::string::npos) {
      absl::MutexLock lock(&mu_);
      lines_.push_back(pending.substr(0, newline));
      pending.erase(0, newline + 1);
    }
  }
  close(fd);
  absl::MutexLock lock(&mu_);
  if (!pending.empty()) lines_.push_back(pending);
  --open_streams_;
}

absl::StatusOr<std::string> ChildProcess::WaitForLine(
    const std::function<bool(const std::string&)>& predicate,
    absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  size_t checked = 0;
  absl::MutexLock lock(&mu_);
  while (true) {
    for (; checked < lines_.size(); ++checked) {
      if (predicate(lines_[checked])) return lines_[checked];
    }
    if (open_streams_ == 0) {
      return absl::UnavailableError(
          absl::StrCat("process exited before printing the line; output:\n",
                       absl::StrJoin(lines_, "\n")));
    }
    auto more = [this, checked]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return lines_.size() > checked || open_streams_ == 0;
    };
    if (!mu_.AwaitWithDeadline(absl::Condition(&more), deadline)) {
      return absl::DeadlineExceededError(
          absl::StrCat("no such line within ", absl::FormatDuration(timeout),
                       "; output:\n", absl::StrJoin(lines_, "\n")));
    }
  }
}

std::vector<std::string> ChildProcess::Lines() const {
  absl::MutexLock lock(&mu_);
  return lines_;
}

void ChildProcess::Signal(int signal) { kill(pid_, signal); }

bool ChildProcess::Reap(int options) {
  int status = 0;
  pid_t result = waitpid(pid_, &status, options);
  if (result != pid_) return false;
  absl::MutexLock lock(&mu_);
  reaped_ = true;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return true;
}

absl::StatusOr<int> ChildProcess::Wait(absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (reaped_) return exit_code_;
    }
    if (Reap(WNOHANG)) continue;
    if (absl::Now() >= deadline) {
      return absl::DeadlineExceededError(
          absl::StrCat("process ", pid_, " still running after ",
                       absl::FormatDuration(timeout)));
    }
    // waitpid has no timeout; poll the exit briefly. This is a bounded wait
    // on a condition, not a sleep standing in for one.
    absl::SleepFor(absl::Milliseconds(5));
  }
}

std::string ChildProcess::Outcome::Text() const {
  return absl::StrJoin(lines, "\n");
}

absl::StatusOr<ChildProcess::Outcome> ChildProcess::Run(
    const std::string& binary, const std::vector<std::string>& args,
    const std::vector<std::pair<std::string, std::string>>& extra_env,
    absl::Duration timeout) {
  absl::StatusOr<std::unique_ptr<ChildProcess>> child =
      Start(binary, args, extra_env);
  if (!child.ok()) return child.status();
  absl::StatusOr<int> code = (*child)->Wait(timeout);
  if (!code.ok()) return code.status();
  Outcome outcome;
  outcome.exit_code = *code;
  {
    // The process is gone; its pipes close once the readers drain them.
    ChildProcess& process = **child;
    absl::MutexLock lock(&process.mu_);
    auto drained = [&process]() ABSL_SHARED_LOCKS_REQUIRED(process.mu_) {
      return process.open_streams_ == 0;
    };
    process.mu_.AwaitWithTimeout(absl::Condition(&drained), absl::Seconds(10));
    outcome.lines = process.lines_;
  }
  return outcome;
}

}  // namespace cxone::testing
