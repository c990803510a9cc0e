// list_compiles_bench: ListCompiles over many stored compiles, with a
// label filter, page by page.
//
// Writes `compiles` (default 100,000) finished compiles into a state
// store offline, through the gateway's own SqliteStore — each COMPLETED
// with its three events (QUEUED, IN_PROGRESS, COMPLETED) and their
// collection revisions, labelled pipeline=p0 … p(pipelines-1) in turn and
// commit=<one of compiles/10 values> — then starts the real gateway (and
// simulator) on loopback on that store: the gateway recovers the compiles
// into the same in-memory collection that live starts feed, which is what
// ListCompiles reads. (Starting 100,000 compiles through StartCompile
// would measure the same index after minutes of triggers and polls.)
// Then, one call at a time:
//   - `passes` listings of `pipeline=<select>` (1% of the compiles with the
//     defaults), paged with `page_size` 100 through next_page_token:
//     latency per page p50/p99/max (target p99 <= 20 ms per page of 100),
//     each listing checked complete, newest first, and matching;
//   - unfiltered pages, for comparison;
//   - a selector that matches one compile (`commit=...`): one page that
//     scans the whole collection, the worst case of a selective filter.
// Not a test: it prints figures. Every loop is bounded in count and the
// whole run by --time-limit-s. Exits 1 if the run did not complete (a
// call failed, a listing was wrong, the time ran out), else 0.
//
// Usage: list_compiles_bench [--compiles=100000] [--pipelines=100]
//   [--select=7] [--page-size=100] [--passes=20] [--unfiltered-pages=200]
//   [--scan-samples=50] [--time-limit-s=300]
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/bench_flags.h"
#include "bench/latency_histogram.h"
#include "server/store/sqlite_store.h"
#include "tests/support/gateway_harness.h"
#include "tests/support/temp_dir.h"

namespace cxone {
namespace {

namespace v1 = ::cxone::compile::v1;
using ::cxone::bench::LatencyHistogram;
using ::cxone::testing::GatewayHarness;

constexpr int64_t kCompilesPerCommit = 1000;
constexpr int64_t kCompilesPerCommitLabel = 10;

std::string CommitOf(int64_t compile) {
  return absl::StrFormat(
      "%07x", compile / kCompilesPerCommitLabel * 2654435761 % 0xfffffff);
}

google::protobuf::Timestamp TimestampOf(absl::Time time) {
  google::protobuf::Timestamp timestamp;
  const int64_t nanos = absl::ToUnixNanos(time);
  timestamp.set_seconds(nanos / 1'000'000'000);
  timestamp.set_nanos(static_cast<int32_t>(nanos % 1'000'000'000));
  return timestamp;
}

// Compile `index`, created at `created`, finished, with its three events
// (revisions 3 * index + 1 … + 3), as the gateway records a compile.
void AddFinished(int64_t index, int64_t pipelines, absl::Time created,
                 StoreBatch& batch) {
  StoredCompile stored;
  v1::Compile& compile = stored.compile;
  compile.set_flow_id(absl::StrCat("flow-", index % 1000));
  compile.set_compile_id(absl::StrCat("c-", index));
  compile.set_name(absl::StrCat("flows/", compile.flow_id(), "/compiles/",
                                compile.compile_id()));
  compile.set_state(v1::STATE_COMPLETED);
  compile.set_upstream_status("COMPLETED");
  (*compile.mutable_labels())["pipeline"] =
      absl::StrCat("p", index % pipelines);
  (*compile.mutable_labels())["commit"] = CommitOf(index);
  *compile.mutable_create_time() = TimestampOf(created);
  const v1::State states[] = {v1::STATE_QUEUED, v1::STATE_IN_PROGRESS,
                              v1::STATE_COMPLETED};
  for (uint64_t sequence = 1; sequence <= 3; ++sequence) {
    const absl::Time at = created + absl::Seconds(sequence - 1);
    v1::CompileEvent event;
    event.set_sequence(sequence);
    event.set_type(v1::EVENT_TYPE_STATE_CHANGED);
    event.set_state(states[sequence - 1]);
    event.set_previous_state(sequence == 1 ? v1::STATE_UNSPECIFIED
                                           : states[sequence - 2]);
    event.set_upstream_status(v1::State_Name(event.state()).substr(6));
    *event.mutable_time() = TimestampOf(at);
    event.set_name(compile.name());
    event.set_resume_after_sequence(sequence);
    batch.events.push_back({compile.name(), sequence, event.SerializeAsString(),
                            static_cast<uint64_t>(index) * 3 + sequence});
  }
  *compile.mutable_update_time() = TimestampOf(created + absl::Seconds(2));
  compile.set_revision(static_cast<uint64_t>(index) * 3 + 3);
  stored.last_sequence = 3;
  stored.finished_at = created + absl::Seconds(2);
  batch.compiles.push_back(std::move(stored));
}

// Writes the compiles, oldest first, 1 ms apart, ending a minute ago.
absl::Status WriteStore(const std::string& dir, int64_t compiles,
                        int64_t pipelines) {
  auto store = SqliteStore::Open(dir);
  if (!store.ok()) return store.status();
  const absl::Time first =
      absl::Now() - absl::Minutes(1) - absl::Milliseconds(compiles);
  for (int64_t begin = 0; begin < compiles; begin += kCompilesPerCommit) {
    StoreBatch batch;
    for (int64_t c = begin; c < std::min(compiles, begin + kCompilesPerCommit);
         ++c) {
      AddFinished(c, pipelines, first + absl::Milliseconds(c), batch);
    }
    if (absl::Status committed = (*store)->Commit(batch); !committed.ok()) {
      return committed;
    }
  }
  return absl::OkStatus();
}

absl::Time TimeOf(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) +
         absl::Nanoseconds(timestamp.nanos());
}

// Lists every page of `selector`, timing each into `latency`, at most
// `max_pages` pages; the compiles listed, or the first error, or an error
// naming what is wrong with the order or the labels.
struct Listing {
  int64_t compiles = 0;
  int64_t pages = 0;
  uint64_t revision = 0;
};
absl::StatusOr<Listing> ListAll(v1::CompileService::Stub& stub,
                                const std::string& selector, int64_t page_size,
                                int64_t max_pages, const std::string& label_key,
                                const std::string& label_value,
                                LatencyHistogram& latency) {
  Listing listing;
  v1::ListCompilesRequest request;
  request.mutable_filter()->set_label_selector(selector);
  request.set_page_size(static_cast<int32_t>(page_size));
  absl::Time newest_allowed = absl::InfiniteFuture();
  while (listing.pages < max_pages) {
    const absl::Time sent = absl::Now();
    auto page = testing::ListCompiles(stub, request);
    latency.Record(absl::ToInt64Microseconds(absl::Now() - sent));
    if (!page.ok()) return page.status();
    ++listing.pages;
    if (listing.pages == 1) listing.revision = page->revision();
    if (page->compiles_size() > page_size) {
      return absl::InternalError("a page longer than page_size");
    }
    for (const v1::Compile& compile : page->compiles()) {
      ++listing.compiles;
      const absl::Time created = TimeOf(compile.create_time());
      if (created > newest_allowed) {
        return absl::InternalError(
            absl::StrCat(compile.name(), " is newer than the one before it"));
      }
      newest_allowed = created;
      auto label = compile.labels().find(label_key);
      if (!label_key.empty() &&
          (label == compile.labels().end() || label->second != label_value)) {
        return absl::InternalError(
            absl::StrCat(compile.name(), " does not match ", selector));
      }
    }
    if (page->next_page_token().empty()) break;
    request.set_page_token(page->next_page_token());
  }
  return listing;
}

void PrintLatency(const char* what, const LatencyHistogram& latency,
                  const char* target) {
  std::printf(
      "  %-46s p50 %6.2f ms  p99 %6.2f ms  max %6.2f ms  (%lu calls)   %s\n",
      what, latency.PercentileMs(0.5), latency.PercentileMs(0.99),
      latency.MaxMs(), latency.count(), target);
}

}  // namespace
}  // namespace cxone

int main(int argc, char** argv) {
  int64_t compiles = 100'000;
  int64_t pipelines = 100;
  int64_t select = 7;
  int64_t page_size = 100;
  int64_t passes = 20;
  int64_t unfiltered_pages = 200;
  int64_t scan_samples = 50;
  int64_t time_limit_s = 300;
  cxone::FlagParser flags(
      "",
      "list_compiles_bench: ListCompiles over many stored compiles with a "
      "label filter (prints figures; not a test).\nUsage: "
      "list_compiles_bench [flags]");
  flags.AddInt("compiles", &compiles, {100, 1'000'000},
               "compiles in the store");
  flags.AddInt("pipelines", &pipelines, {1, 10'000},
               "values of the pipeline label, given in turn");
  flags.AddInt("select", &select, {0, 9'999},
               "the listings select pipeline=p<select>");
  flags.AddInt("page-size", &page_size, {1, 1000}, "page_size of each call");
  flags.AddInt("passes", &passes, {1, 10'000},
               "listings of the selection, each through every page");
  flags.AddInt("unfiltered-pages", &unfiltered_pages, {0, 100'000},
               "pages of the unfiltered list, for comparison");
  flags.AddInt("scan-samples", &scan_samples, {0, 10'000},
               "calls with a selector matching one compile");
  flags.AddInt("time-limit-s", &time_limit_s, {10, 3600},
               "bound on the whole run, in seconds");
  cxone::bench::ParseFlagsOrExit(flags, argc, argv, "list_compiles_bench");
  if (select >= pipelines) {
    std::fprintf(stderr,
                 "list_compiles_bench: --select must be below "
                 "--pipelines\n");
    return 2;
  }
  const absl::Time deadline = absl::Now() + absl::Seconds(time_limit_s);
  bool complete = true;
  auto fail = [&complete](const std::string& why) {
    std::fprintf(stderr, "list_compiles_bench: %s\n", why.c_str());
    complete = false;
  };

  cxone::testing::ScopedTempDir dir;
  const absl::Time write_begin = absl::Now();
  if (absl::Status written = cxone::WriteStore(dir.path(), compiles, pipelines);
      !written.ok()) {
    fail(absl::StrCat("cannot write the store: ", written.ToString()));
    return 1;
  }
  const double write_s = absl::ToDoubleSeconds(absl::Now() - write_begin);

  cxone::testing::HarnessOptions options;
  options.state_dir = dir.path();
  options.server_args = {
      absl::StrCat("--max-finished-compiles=", compiles + 1000)};
  const absl::Time start_begin = absl::Now();
  auto started = cxone::testing::GatewayHarness::Start(options);
  if (!started.ok()) {
    fail(absl::StrCat("cannot start: ", started.status().ToString()));
    return 1;
  }
  const double start_s = absl::ToDoubleSeconds(absl::Now() - start_begin);
  std::unique_ptr<cxone::testing::GatewayHarness> harness = *std::move(started);
  auto& stub = harness->stub();

  const std::string value = absl::StrCat("p", select);
  const std::string selector = absl::StrCat("pipeline=", value);
  const int64_t expected =
      compiles / pipelines + (select < compiles % pipelines);
  cxone::bench::LatencyHistogram selected;
  cxone::bench::LatencyHistogram first_pages;
  int64_t listings = 0;
  uint64_t revision = 0;
  const int64_t max_pages = expected / page_size + 2;
  for (; listings < passes && absl::Now() < deadline && complete; ++listings) {
    auto listing = cxone::ListAll(stub, selector, page_size, max_pages,
                                  "pipeline", value, selected);
    if (!listing.ok()) {
      fail(absl::StrCat(selector, ": ", listing.status().ToString()));
    } else if (listing->compiles != expected) {
      fail(absl::StrCat(selector, " listed ", listing->compiles,
                        " compiles, not ", expected));
    } else {
      revision = listing->revision;
    }
  }
  // Each listing's first page alone (it scans the least).
  for (int64_t i = 0; i < passes && absl::Now() < deadline && complete; ++i) {
    auto listing = cxone::ListAll(stub, selector, page_size, 1, "pipeline",
                                  value, first_pages);
    if (!listing.ok()) fail(listing.status().ToString());
  }
  cxone::bench::LatencyHistogram unfiltered;
  if (unfiltered_pages > 0 && absl::Now() < deadline && complete) {
    auto listing = cxone::ListAll(stub, "", page_size, unfiltered_pages, "", "",
                                  unfiltered);
    if (!listing.ok()) fail(listing.status().ToString());
  }
  cxone::bench::LatencyHistogram scan;
  const int64_t target = compiles / 2;
  const std::string one = absl::StrCat("commit=", cxone::CommitOf(target),
                                       ",pipeline=p", target % pipelines);
  for (int64_t i = 0; i < scan_samples && absl::Now() < deadline && complete;
       ++i) {
    auto listing = cxone::ListAll(stub, one, page_size, 1, "", "", scan);
    if (!listing.ok()) {
      fail(absl::StrCat(one, ": ", listing.status().ToString()));
    } else if (listing->compiles != 1) {
      fail(absl::StrCat(one, " listed ", listing->compiles, " compiles"));
    }
  }
  if (absl::Now() >= deadline) fail("the time limit ran out");

  std::printf(
      "list_compiles_bench: %ld compiles in the store (labels "
      "pipeline=p0..p%ld "
      "in turn, commit=<one per %ld compiles>), page_size %ld, one call at a "
      "time\n",
      compiles, pipelines - 1, cxone::kCompilesPerCommitLabel, page_size);
  std::printf(
      "  store written offline (SqliteStore)            %.1f s; gateway and "
      "simulator started on it (recovery) in %.2f s\n",
      write_s, start_s);
  std::printf(
      "  listings of %-34s %ld, each %ld compiles in %ld pages, at revision "
      "%lu\n",
      selector.c_str(), listings, expected,
      (expected + page_size - 1) / page_size, revision);
  cxone::PrintLatency(absl::StrCat("per page, ", selector).c_str(), selected,
                      "target p99 <= 20 ms");
  cxone::PrintLatency("  first pages only", first_pages, "");
  cxone::PrintLatency("per page, unfiltered", unfiltered, "");
  cxone::PrintLatency("one page, a selector matching 1 (full scan)", scan, "");
  std::printf("    (%s)\n", one.c_str());
  std::fflush(stdout);
  if (!complete) {
    std::fprintf(stderr, "list_compiles_bench: the run did not complete\n");
  }
  return complete ? 0 : 1;
}
