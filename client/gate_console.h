// GateConsole: what a person sees of a gate run while it runs.
//
// Every mode writes each flow's result as it arrives — a result line, then
// its diagnostics at the flow's file (`flows/x.json:16:14: error: …`) —
// and the run's summary line at the end. Besides:
// - kTty: a live block under those lines, one line per flow (state,
//   elapsed, errors so far) and a footer with the totals, elapsed time and
//   an ETA, redrawn in place (ANSI cursor-up and erase) on every change and
//   twice a second, cut to the terminal's width (a wrapped line would break
//   the cursor arithmetic) and height (running flows first, then "... N
//   more"; on a terminal of three rows or fewer, the footer alone), both
//   read again at every redraw, so that a resized terminal is followed. It
//   stays on screen, final, above the summary line. Only ASCII is drawn in
//   it, whose width every terminal agrees on. Anything else meant for the
//   terminal while the block is drawn (a reconnect, an error) must go
//   through notes(), which writes it above the block.
// - kPlain: an append-only line per state change ("[ 1.2 s] main-menu
//   QUEUED -> IN_PROGRESS"), for logs and pipes.
// - kNone: only the results and the summary.
//
// The results are the console's while it runs: change them only through
// Change(), which holds the lock the redraw thread reads them under.
//
// Thread-safe. Owns one thread in kTty mode, started by Start() and joined
// by Finish() or the destructor.
#ifndef CXONE_CLIENT_GATE_CONSOLE_H_
#define CXONE_CLIENT_GATE_CONSOLE_H_

#include <functional>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/gate_results.h"
#include "client/terminal.h"

namespace cxone::client {

enum class ProgressMode { kTty, kPlain, kNone };

class GateConsole {
 public:
  // `out` and `results` must outlive the console; `size` says how large
  // the terminal is now (kTty); `now` is the wall clock (the gateway's
  // create times are wall-clock times).
  GateConsole(ProgressMode mode, std::ostream& out,
              std::function<TerminalSize()> size, GateResults& results,
              std::function<absl::Time()> now);
  GateConsole(const GateConsole&) = delete;
  GateConsole& operator=(const GateConsole&) = delete;
  ~GateConsole();

  // Writes `headline` and starts showing the flows.
  void Start(const std::string& headline);

  // Applies `change` to the results under the lock, then shows what it
  // changed.
  void Change(const std::function<void(GateResults&)>& change);

  // A line of its own above the live block (e.g. a note on the batch).
  void Note(const std::string& line);

  // A stream whose every line becomes a Note(): where the watch's and the
  // start's messages go while a live block is drawn. Use from one thread.
  std::ostream& notes() { return notes_; }

  // Stops the redraws, leaves the final live block on screen, and writes
  // `summary`. The console shows nothing after it.
  void Finish(const std::string& summary);

 private:
  // Writes what changed since the last call; REQUIRES: mu_ held.
  void ShowChanges() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Erases the live block and writes `lines` in its place, then draws it
  // again (kTty), or just writes `lines`.
  void WriteAbove(const std::vector<std::string>& lines)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Redraw() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::vector<std::string> LiveBlock(absl::Time now, int rows) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string Footer(absl::Time now) const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  std::string Fit(std::string line, int columns) const;
  void Tick();

  // Turns what is written to it into Note() calls, a line at a time.
  class NoteBuffer : public std::streambuf {
   public:
    explicit NoteBuffer(GateConsole* console) : console_(console) {}

   protected:
    int overflow(int c) override;

   private:
    GateConsole* const console_;
    std::string line_;
  };

  const ProgressMode mode_;
  std::ostream& out_;
  const std::function<TerminalSize()> size_;
  const std::function<absl::Time()> now_;

  absl::Mutex mu_;
  GateResults& results_ ABSL_GUARDED_BY(mu_);
  // What was last shown of each flow (by index): its state, and whether its
  // result was written.
  std::vector<compile::v1::State> shown_state_ ABSL_GUARDED_BY(mu_);
  std::vector<bool> shown_result_ ABSL_GUARDED_BY(mu_);
  // Lines of the live block now on screen (kTty).
  int drawn_lines_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time started_ ABSL_GUARDED_BY(mu_);
  bool running_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::thread ticker_;
  NoteBuffer note_buffer_{this};
  std::ostream notes_{&note_buffer_};
};

// The lines of one finished flow (or one whose result is unknown): its
// result line, then its errors and warnings at its file. Without newlines.
std::vector<std::string> ResultLines(const GateFlowResult& flow,
                                     absl::Time now);

}  // namespace cxone::client

#endif  // CXONE_CLIENT_GATE_CONSOLE_H_
