// CollectionWatch: follows every compile that matches a filter over one
// WatchCompiles stream, surviving broken streams. This is what
// `watch --all` and `watch --label-selector SELECTOR` run.
//
// The stream is resumed by collection revision: each stream after the first
// carries `after_revision` = the last `resume_after_revision` received
// (markers are bookmarks too), so a reconnect misses nothing and repeats
// nothing; an event whose compile was already printed at or after its
// revision (in an event or a list) is skipped all the same. Reconnecting is
// CompileWatch's (client/compile_watch.h): the same retryable errors,
// IdleWatchdog, new connection after a silence, backoff,
// --max-reconnects and one line per reconnect on the error stream.
//
// When the gateway no longer has the events after the revision to resume
// from (OUT_OF_RANGE, like Kubernetes' 410 Gone), the watch lists the
// matching compiles again (ListCompiles, every page), prints each one whose
// state changed unseen (with its diagnostics and summary if it finished),
// and goes on from the list's revision: a change can be missed in between,
// never a compile's latest state.
//
// Without `until_done` the watch goes on until the deadline (exit 124) or a
// final error (exit 3). With it, the watch first lists the matching compiles
// (printing each), then watches from the list's revision — list-then-watch,
// so it knows exactly which compiles are still running, including those
// started later — and ends once none is: exit 1 if any FAILED, else 4 if any
// TIMED_OUT, else 0, after a totals line.
//
// What the watch sees goes to a CollectionObserver: `watch --all` prints it
// (PrintingCollectionObserver), `gate` keeps a table of its flows.
//
// Thread-compatible: Follow() runs on the calling thread (plus one watchdog
// thread per stream, joined before the stream ends) and may be called once.
#ifndef CXONE_CLIENT_COLLECTION_WATCH_H_
#define CXONE_CLIENT_COLLECTION_WATCH_H_

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "client/command_deadline.h"
#include "client/compile_connection.h"
#include "client/event_printer.h"
#include "client/guarded_stream.h"
#include "client/reconnect_pacer.h"
#include "cxone/compile/v1/compile.grpc.pb.h"
#include "grpcpp/support/status.h"

namespace cxone::client {

// Told what a CollectionWatch sees, on the thread that runs Follow().
class CollectionObserver {
 public:
  virtual ~CollectionObserver() = default;
  // A message of the stream: a marker, or an event that is news (its
  // compile was not yet seen at its revision) of a followed compile. An
  // error ends the watch (exit 3) with its message.
  virtual absl::Status OnMessage(
      const compile::v1::WatchCompilesResponse& message) = 0;
  // A followed compile that a list showed in a state not seen before.
  virtual absl::Status OnListed(const compile::v1::Compile& compile) = 0;
  // Compile `name` has just been seen to reach terminal `state`.
  virtual void OnFinished(absl::string_view name, compile::v1::State state,
                          int error_count, int warning_count) = 0;
  // With `until_done`: no followed compile is running any more; the
  // totals of those seen.
  virtual void OnAllFinished(int completed, int failed, int timed_out) = 0;
  // With `until_done` and `names`: compile `name` is not in a full list of
  // the matching compiles — the gateway no longer knows it (its state was
  // lost) — so its end will never be seen; the watch stops waiting for it.
  virtual void OnVanished(absl::string_view /*name*/) {}
};

// Writes what the watch sees with an EventPrinter: `watch --all`.
class PrintingCollectionObserver : public CollectionObserver {
 public:
  // `printer` must outlive the observer.
  explicit PrintingCollectionObserver(EventPrinter& printer)
      : printer_(printer) {}
  absl::Status OnMessage(
      const compile::v1::WatchCompilesResponse& message) override;
  absl::Status OnListed(const compile::v1::Compile& compile) override;
  void OnFinished(absl::string_view name, compile::v1::State state,
                  int error_count, int warning_count) override;
  void OnAllFinished(int completed, int failed, int timed_out) override;

 private:
  EventPrinter& printer_;
};

// What to watch.
struct CollectionTarget {
  // Which compiles (as ListCompiles takes it); empty: all.
  compile::v1::CompileFilter filter;
  // Replay the matching events after this revision first; unset: from now.
  // REQUIRES: unset when `until_done`.
  std::optional<uint64_t> after_revision;
  // End once every matching compile has finished (see the file comment).
  // REQUIRES: `filter` has no states (a compile leaving them would be
  // dropped before it finished).
  bool until_done = false;
  // When not empty, only these compiles (by name) are followed: the others
  // the filter matches are ignored, and `until_done` ends once each of
  // these has been seen to finish or has vanished (a list of the matching
  // compiles does not show it: CollectionObserver::OnVanished). REQUIRES:
  // every one of them matches `filter`.
  absl::flat_hash_set<std::string> names;
};

class CollectionWatch {
 public:
  // All arguments must outlive the watch.
  CollectionWatch(CompileConnection& connection, CollectionObserver& observer,
                  std::ostream& err, const CommandDeadline& deadline,
                  const WatchOptions& options);
  CollectionWatch(const CollectionWatch&) = delete;
  CollectionWatch& operator=(const CollectionWatch&) = delete;

  // Prints the events of `target`'s compiles and returns the process exit
  // code (an ExitCode); see the file comment.
  int Follow(const CollectionTarget& target);

 private:
  // What listing again decided: the watch is over (`exit_code`), or the
  // call failed retryably (`retry_reason`), or neither: watch on from the
  // list's revision.
  struct Relisted {
    std::optional<int> exit_code;
    std::optional<std::string> retry_reason;
  };

  GuardedStreamResult ReadStream();
  // Handles one received message; the exit code when the watch is over.
  std::optional<int> Take(const compile::v1::WatchCompilesResponse& message);
  Relisted Relist();
  // Whether `revision` of compile `name` is already reflected in what was
  // printed (its event, or a list that showed the compile after it).
  bool Seen(const std::string& name, uint64_t revision) const;
  // Records that `name` is in `state` as of `revision`; prints the summary
  // line when it has just finished.
  void Observe(const std::string& name, compile::v1::State state,
               uint64_t revision, int error_count, int warning_count);
  // Whether `name` is one of the compiles followed.
  bool Followed(const std::string& name) const;
  // With `until_done`: whether no followed compile is running.
  bool AllFinished() const;
  // The watch's result once no matching compile is running.
  int Outcome();

  std::string ResumePoint() const;
  int TimedOut();
  int Fail(int exit_code, absl::string_view message);

  CompileConnection& connection_;
  CollectionObserver& observer_;
  std::ostream& err_;
  const CommandDeadline& deadline_;
  ReconnectPacer pacer_;

  CollectionTarget target_;
  // The `after_revision` for the next stream; unset means from now.
  std::optional<uint64_t> resume_after_;
  // See CompileWatch::idle_limit_.
  absl::Duration idle_limit_ = absl::ZeroDuration();
  // The newest state seen of each compile (listed or in an event), as of
  // which revision, and how many of them are not terminal. A list page is
  // newer than the revision the watch resumes from, so events the page
  // already reflects are replayed after it: the revision tells them apart.
  struct Known {
    compile::v1::State state = compile::v1::STATE_UNSPECIFIED;
    uint64_t revision = 0;
  };
  absl::flat_hash_map<std::string, Known> compiles_;
  int running_ = 0;
  // Of target_.names: how many have been seen to finish or vanished, and
  // which vanished.
  int names_finished_ = 0;
  absl::flat_hash_set<std::string> vanished_;
};

}  // namespace cxone::client

#endif  // CXONE_CLIENT_COLLECTION_WATCH_H_
