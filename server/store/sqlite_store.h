// SqliteStore: the Store in one SQLite database file, `gateway.db` in the
// state directory.
//
// WAL mode with synchronous=NORMAL: a commit is in the write-ahead log, in
// the operating system's hands, before Commit() returns, so a killed or
// crashed process loses nothing; only a power cut or kernel crash may lose
// the last commits (since the last checkpoint). synchronous=FULL (option
// `sync_every_commit`) adds an fsync per commit for that case; group commit
// keeps it affordable.
//
// The schema is versioned (PRAGMA user_version) and migrated forward at
// Open(); a database written by a newer gateway is refused.
//
// Thread-safe: one connection, one call at a time.
#ifndef CXONE_SERVER_STORE_SQLITE_STORE_H_
#define CXONE_SERVER_STORE_SQLITE_STORE_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "server/store/store.h"

struct sqlite3;
struct sqlite3_stmt;

namespace cxone {

struct SqliteStoreOptions {
  // fsync on every commit (synchronous=FULL) instead of at checkpoints.
  bool sync_every_commit = false;
  // Upper bound on the database size in pages (0: SQLite's default); for
  // tests of a full disk.
  int64_t max_page_count = 0;
  // Open the database read-only (every write fails), as when its file is
  // not writable; for tests, since root ignores file permissions.
  bool read_only = false;
};

class SqliteStore final : public Store {
 public:
  // The schema version this gateway writes.
  static constexpr int kSchemaVersion = 5;

  // Opens (creating `state_dir` and the database if missing) and migrates.
  // FailedPrecondition naming the path and the reason when the directory or
  // database cannot be used, was written by a newer gateway, or is an empty
  // file (truncated: its compiles are lost, and the operator must say to
  // start afresh by moving it away). Every error of the store reads
  // "state store PATH: reason", naming the store once.
  static absl::StatusOr<std::unique_ptr<SqliteStore>> Open(
      const std::string& state_dir, SqliteStoreOptions options = {});

  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;
  ~SqliteStore() override;

  absl::Status CommitAll(absl::Span<const StoreBatch* const> batches) override;
  absl::StatusOr<StoreContents> LoadAll() override;
  absl::StatusOr<uint64_t> LastRevision() override;
  absl::StatusOr<std::vector<StoredDelivery>> ListDeliveries(
      DeliveryState state, const DeliveryFilter& filter) override;
  absl::StatusOr<std::vector<StoredDelivery>> ReplayDeadLetters(
      const DeliveryFilter& filter, absl::Time now) override;
  absl::StatusOr<int64_t> DropEventsFinishedBefore(absl::Time cutoff) override;
  absl::StatusOr<int64_t> PruneFinishedBeyond(int64_t keep) override;

  // The database file.
  const std::string& path() const { return path_; }

  // Changes the size bound (0: none); for tests of a disk that fills up
  // and then has room again.
  absl::Status SetMaxPageCount(int64_t pages);

 private:
  SqliteStore(sqlite3* db, std::string path);

  absl::Status Migrate();
  absl::Status Prepare() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Runs `sql`; on failure, Error(what, SQLite's message).
  absl::Status Exec(const std::string& sql, const std::string& what);
  // An Unavailable status "state store PATH: WHAT: DETAIL", DETAIL being
  // the connection's last error unless given: the one place a store error
  // names the store once the database is open.
  absl::Status Error(const std::string& what) const;
  absl::Status Error(const std::string& what, const std::string& detail) const;
  absl::Status CommitLocked(const StoreBatch& batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Runs `body` in one transaction: committed if it returns OK, else
  // rolled back. REQUIRES: mu_ held.
  absl::Status InTransaction(absl::FunctionRef<absl::Status()> body)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Deletes the compiles named by `select_names` (SQL selecting names,
  // binding `value` as ?1), with their events and keys.
  absl::StatusOr<int64_t> PruneWhere(const std::string& select_names,
                                     int64_t value)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<uint64_t> LastRevisionLocked()
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // The deliveries `sql` selects (columns as in kDeliveryColumns), binding
  // the filter. REQUIRES: mu_ held.
  absl::StatusOr<std::vector<StoredDelivery>> SelectDeliveries(
      const std::string& where, const DeliveryFilter& filter, int state)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  // Guards the connection and the statements.
  absl::Mutex mu_;
  sqlite3* const db_;
  const std::string path_;
  sqlite3_stmt* upsert_compile_ ABSL_GUARDED_BY(mu_) = nullptr;
  sqlite3_stmt* insert_event_ ABSL_GUARDED_BY(mu_) = nullptr;
  sqlite3_stmt* advance_revision_ ABSL_GUARDED_BY(mu_) = nullptr;
  sqlite3_stmt* upsert_request_id_ ABSL_GUARDED_BY(mu_) = nullptr;
  sqlite3_stmt* delete_request_id_ ABSL_GUARDED_BY(mu_) = nullptr;
  sqlite3_stmt* insert_delivery_ ABSL_GUARDED_BY(mu_) = nullptr;
  sqlite3_stmt* update_delivery_ ABSL_GUARDED_BY(mu_) = nullptr;
  sqlite3_stmt* upsert_endpoint_state_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace cxone

#endif  // CXONE_SERVER_STORE_SQLITE_STORE_H_
