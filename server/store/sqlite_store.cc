#include "server/store/sqlite_store.h"

#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <optional>
#include <system_error>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/quoted.h"
#include "nlohmann/json.hpp"

namespace cxone {
namespace {

constexpr char kFileName[] = "gateway.db";

// Forward migrations: kMigrations[v] takes the schema from version v to
// v + 1. Version 0 is an empty database.
const char* const kMigrations[] = {
    // 0 → 1: compiles, their events, request_id keys.
    R"sql(
      CREATE TABLE compiles (
        name TEXT PRIMARY KEY,
        flow_id TEXT NOT NULL,
        compile_id TEXT NOT NULL,
        state INTEGER NOT NULL,
        compile BLOB NOT NULL,
        last_sequence INTEGER NOT NULL,
        terminal INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE events (
        compile_name TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        payload BLOB NOT NULL,
        PRIMARY KEY (compile_name, sequence)
      ) WITHOUT ROWID;
      CREATE TABLE request_ids (
        request_id TEXT PRIMARY KEY,
        flow_id TEXT NOT NULL,
        compile_name TEXT NOT NULL DEFAULT ''
      ) WITHOUT ROWID;
    )sql",
    // 1 → 2: when each compile finished (for retention), and each key's
    // directives and age (to retry a trigger interrupted by a crash).
    // Compiles already finished start their retention now.
    R"sql(
      ALTER TABLE compiles ADD COLUMN finished_us INTEGER;
      UPDATE compiles SET finished_us =
          CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)
        WHERE terminal = 1;
      CREATE INDEX compiles_by_finish ON compiles (finished_us)
        WHERE finished_us IS NOT NULL;
      ALTER TABLE request_ids ADD COLUMN directives TEXT NOT NULL DEFAULT '';
      ALTER TABLE request_ids ADD COLUMN created_us INTEGER NOT NULL DEFAULT 0;
    )sql",
    // 2 → 3: the webhook outbox, written with the events it delivers, and
    // the endpoints receivers disabled.
    R"sql(
      CREATE TABLE webhook_deliveries (
        endpoint TEXT NOT NULL,
        compile_name TEXT NOT NULL,
        sequence INTEGER NOT NULL,
        webhook_id TEXT NOT NULL,
        body BLOB NOT NULL,
        state INTEGER NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_us INTEGER NOT NULL,
        last_error TEXT NOT NULL DEFAULT '',
        created_us INTEGER NOT NULL,
        updated_us INTEGER NOT NULL,
        PRIMARY KEY (endpoint, compile_name, sequence)
      ) WITHOUT ROWID;
      CREATE INDEX webhook_deliveries_by_state
        ON webhook_deliveries (state, updated_us);
      CREATE TABLE webhook_endpoints (
        endpoint TEXT PRIMARY KEY,
        disabled INTEGER NOT NULL,
        reason TEXT NOT NULL,
        at_us INTEGER NOT NULL
      ) WITHOUT ROWID;
    )sql",
    // 3 → 4: each event's collection revision (0 for the events logged
    // before), and the last revision ever given, which pruning cannot take
    // away; each key's labels, a JSON object ('' for none, as every key
    // recorded before had).
    R"sql(
      ALTER TABLE events ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE request_ids ADD COLUMN labels TEXT NOT NULL DEFAULT '';
      CREATE TABLE collection (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        last_revision INTEGER NOT NULL
      );
      INSERT INTO collection (id, last_revision) VALUES (1, 0);
    )sql",
    // 4 → 5: keys are per tenant (every key recorded before belongs to the
    // tenant "" of a gateway without tenants). The primary key changes, so
    // the table is made anew.
    R"sql(
      CREATE TABLE request_ids_by_tenant (
        tenant TEXT NOT NULL,
        request_id TEXT NOT NULL,
        flow_id TEXT NOT NULL,
        compile_name TEXT NOT NULL DEFAULT '',
        directives TEXT NOT NULL DEFAULT '',
        created_us INTEGER NOT NULL DEFAULT 0,
        labels TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (tenant, request_id)
      ) WITHOUT ROWID;
      INSERT INTO request_ids_by_tenant (tenant, request_id, flow_id,
          compile_name, directives, created_us, labels)
        SELECT '', request_id, flow_id, compile_name, directives, created_us,
               labels FROM request_ids;
      DROP TABLE request_ids;
      ALTER TABLE request_ids_by_tenant RENAME TO request_ids;
    )sql",
};

constexpr char kDeliveryColumns[] =
    "endpoint, compile_name, sequence, webhook_id, body, state, attempts, "
    "next_attempt_us, last_error, created_us, updated_us";
static_assert(std::size(kMigrations) == SqliteStore::kSchemaVersion);

// Every error of the store names it once, "state store PATH: ...", here or
// in SqliteStore::Error(); callers add what they were doing, never the
// store's name again.
absl::Status OpenError(const std::string& path, const std::string& reason) {
  return absl::FailedPreconditionError(
      absl::StrCat("state store ", path, ": ", reason));
}

// An error of a step of Open(), already naming the store, as Open()'s own.
absl::Status AsOpenError(const absl::Status& status) {
  return absl::FailedPreconditionError(status.message());
}

// Creates the database at `path` with its header written, under a
// temporary name renamed into place: a crash never leaves an empty file
// at `path`, which Open() refuses as truncated.
absl::Status CreateDatabase(const std::string& path) {
  const std::string creating = absl::StrCat(path, ".creating");
  std::error_code ignored;
  for (const char* suffix : {"", "-wal", "-shm"}) {
    std::filesystem::remove(absl::StrCat(creating, suffix), ignored);
  }
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(creating.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                      nullptr) != SQLITE_OK) {
    std::string reason = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return OpenError(path,
                     absl::StrCat("cannot create the database: ", reason));
  }
  // Turning WAL on writes the header, page 1; closing checkpoints and
  // removes the log, so the renamed file is complete on its own.
  const int wal =
      sqlite3_exec(db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
  std::string reason = sqlite3_errmsg(db);
  sqlite3_close(db);
  if (wal != SQLITE_OK) {
    return OpenError(path,
                     absl::StrCat("cannot create the database: ", reason));
  }
  std::error_code error;
  std::filesystem::rename(creating, path, error);
  if (error) {
    return OpenError(
        path, absl::StrCat("cannot create the database: ", error.message()));
  }
  return absl::OkStatus();
}

// Resets `statement` when it goes out of scope, so that it can be reused.
class StatementReset {
 public:
  explicit StatementReset(sqlite3_stmt* statement) : statement_(statement) {}
  StatementReset(const StatementReset&) = delete;
  StatementReset& operator=(const StatementReset&) = delete;
  ~StatementReset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }

 private:
  sqlite3_stmt* const statement_;
};

void BindText(sqlite3_stmt* statement, int index, const std::string& text) {
  sqlite3_bind_text(statement, index, text.data(),
                    static_cast<int>(text.size()), SQLITE_TRANSIENT);
}

void BindBlob(sqlite3_stmt* statement, int index, const std::string& bytes) {
  sqlite3_bind_blob(statement, index, bytes.data(),
                    static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
}

std::string ColumnBytes(sqlite3_stmt* statement, int column) {
  const void* data = sqlite3_column_blob(statement, column);
  const int size = sqlite3_column_bytes(statement, column);
  if (data == nullptr || size <= 0) return "";
  return std::string(static_cast<const char*>(data), static_cast<size_t>(size));
}

// A key's labels as their column holds them: a JSON object of strings, or
// "" for none. Valid labels are ASCII; `replace` only keeps a commit from
// throwing on bytes that are not UTF-8.
std::string LabelsColumn(const Labels& labels) {
  if (labels.empty()) return "";
  return nlohmann::json(labels).dump(-1, ' ', false,
                                     nlohmann::json::error_handler_t::replace);
}

// The labels in `column` (see LabelsColumn), or nullopt if it holds
// something else.
std::optional<Labels> ParseLabelsColumn(const std::string& column) {
  if (column.empty()) return Labels();
  const nlohmann::json parsed =
      nlohmann::json::parse(column, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return std::nullopt;
  Labels labels;
  for (const auto& [key, value] : parsed.items()) {
    if (!value.is_string()) return std::nullopt;
    labels.emplace(key, value.get<std::string>());
  }
  return labels;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(
    const std::string& state_dir, SqliteStoreOptions options) {
  std::error_code error;
  if (std::filesystem::exists(state_dir, error) &&
      !std::filesystem::is_directory(state_dir, error)) {
    return OpenError(state_dir, "exists and is not a directory");
  }
  std::filesystem::create_directories(state_dir, error);
  if (error) {
    return OpenError(state_dir, absl::StrCat("cannot create the directory: ",
                                             error.message()));
  }
  if (!std::filesystem::is_directory(state_dir, error)) {
    return OpenError(state_dir, "not a directory");
  }
  if (!options.read_only && access(state_dir.c_str(), W_OK | X_OK) != 0) {
    return OpenError(state_dir, "the directory is not writable");
  }
  const std::string path =
      (std::filesystem::path(state_dir) / kFileName).string();
  if (std::filesystem::exists(path, error)) {
    // SQLite takes an empty file for an empty database. The gateway never
    // leaves one (CreateDatabase), so an empty gateway.db is one something
    // truncated: starting on it would forget every compile and request_id
    // without a word.
    if (std::filesystem::file_size(path, error) == 0 && !error) {
      return OpenError(
          path,
          "the database file is empty (0 bytes): something truncated it, "
          "and the compiles, events and request_ids it held are lost. "
          "Restore it from a backup, or move it away with its -wal and -shm "
          "files to start with an empty store");
    }
  } else if (!options.read_only) {
    if (absl::Status created = CreateDatabase(path); !created.ok()) {
      return created;
    }
  }
  sqlite3* db = nullptr;
  const int flags =
      (options.read_only ? SQLITE_OPEN_READONLY
                         : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string reason = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return OpenError(path, reason);
  }
  std::unique_ptr<SqliteStore> store(new SqliteStore(db, path));
  sqlite3_busy_timeout(db, 5000);
  if (!options.read_only) {
    if (absl::Status wal = store->Exec("PRAGMA journal_mode=WAL",
                                       "cannot turn on write-ahead logging");
        !wal.ok()) {
      return AsOpenError(wal);
    }
  }
  if (absl::Status sync =
          store->Exec(options.sync_every_commit ? "PRAGMA synchronous=FULL"
                                                : "PRAGMA synchronous=NORMAL",
                      "cannot set the sync mode");
      !sync.ok()) {
    return AsOpenError(sync);
  }
  if (options.max_page_count > 0) {
    if (absl::Status max = store->SetMaxPageCount(options.max_page_count);
        !max.ok()) {
      return AsOpenError(max);
    }
  }
  if (absl::Status migrated = store->Migrate(); !migrated.ok()) {
    return migrated;
  }
  absl::Status prepared;
  {
    // No other thread has the store yet; the statements are guarded anyway.
    absl::MutexLock lock(&store->mu_);
    prepared = store->Prepare();
  }
  if (!prepared.ok()) return AsOpenError(prepared);
  return store;
}

SqliteStore::SqliteStore(sqlite3* db, std::string path)
    : db_(db), path_(std::move(path)) {}

SqliteStore::~SqliteStore() {
  for (sqlite3_stmt* statement :
       {upsert_compile_, insert_event_, advance_revision_, upsert_request_id_,
        delete_request_id_, insert_delivery_, update_delivery_,
        upsert_endpoint_state_}) {
    sqlite3_finalize(statement);
  }
  sqlite3_close(db_);
}

absl::Status SqliteStore::Error(const std::string& what) const {
  return Error(what, sqlite3_errmsg(db_));
}

absl::Status SqliteStore::Error(const std::string& what,
                                const std::string& detail) const {
  return absl::UnavailableError(
      absl::StrCat("state store ", path_, ": ", what, ": ", detail));
}

absl::Status SqliteStore::Exec(const std::string& sql,
                               const std::string& what) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message != nullptr ? message : "unknown error";
    sqlite3_free(message);
    return Error(what, text);
  }
  return absl::OkStatus();
}

absl::Status SqliteStore::SetMaxPageCount(int64_t pages) {
  absl::MutexLock lock(&mu_);
  // SQLite reads 0 as "show the bound"; the largest value lifts it.
  return Exec(absl::StrCat("PRAGMA max_page_count=",
                           pages > 0 ? pages : int64_t{4294967294}),
              "cannot bound the database size");
}

absl::Status SqliteStore::Migrate() {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &statement, nullptr) !=
          SQLITE_OK ||
      sqlite3_step(statement) != SQLITE_ROW) {
    sqlite3_finalize(statement);
    return OpenError(path_, absl::StrCat("cannot read the schema version: ",
                                         sqlite3_errmsg(db_)));
  }
  const int version = sqlite3_column_int(statement, 0);
  sqlite3_finalize(statement);
  if (version > kSchemaVersion) {
    return OpenError(
        path_, absl::StrCat("the database has schema version ", version,
                            ", newer than this gateway's ", kSchemaVersion,
                            ": it was written by a newer gateway; run that, "
                            "or start with another --state-dir"));
  }
  for (int from = version; from < kSchemaVersion; ++from) {
    absl::Status migrated =
        Exec(absl::StrCat("BEGIN IMMEDIATE;", kMigrations[from],
                          "PRAGMA user_version=", from + 1, ";COMMIT;"),
             absl::StrCat("cannot migrate the schema from version ", from,
                          " to ", from + 1));
    if (!migrated.ok()) {
      (void)Exec("ROLLBACK", "cannot roll back");
      return AsOpenError(migrated);
    }
  }
  return absl::OkStatus();
}

absl::Status SqliteStore::Prepare() {
  const std::pair<sqlite3_stmt**, const char*> statements[] = {
      {&upsert_compile_,
       "INSERT OR REPLACE INTO compiles (name, flow_id, compile_id, state, "
       "compile, last_sequence, terminal, finished_us) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"},
      {&insert_event_,
       "INSERT INTO events (compile_name, sequence, payload, revision) "
       "VALUES (?1, ?2, ?3, ?4)"},
      {&advance_revision_,
       "UPDATE collection SET last_revision = MAX(last_revision, ?1) "
       "WHERE id = 1"},
      {&upsert_request_id_,
       "INSERT OR REPLACE INTO request_ids (request_id, flow_id, "
       "compile_name, directives, created_us, labels, tenant) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"},
      {&delete_request_id_,
       "DELETE FROM request_ids WHERE request_id = ?1 AND tenant = ?2"},
      {&insert_delivery_,
       "INSERT OR IGNORE INTO webhook_deliveries (endpoint, compile_name, "
       "sequence, webhook_id, body, state, attempts, next_attempt_us, "
       "last_error, created_us, updated_us) "
       "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"},
      {&update_delivery_,
       "UPDATE webhook_deliveries SET state = ?4, attempts = ?5, "
       "next_attempt_us = ?6, last_error = ?7, updated_us = ?8 "
       "WHERE endpoint = ?1 AND compile_name = ?2 AND sequence = ?3"},
      {&upsert_endpoint_state_,
       "INSERT OR REPLACE INTO webhook_endpoints (endpoint, disabled, reason, "
       "at_us) VALUES (?1, ?2, ?3, ?4)"},
  };
  for (const auto& [statement, sql] : statements) {
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, statement,
                           nullptr) != SQLITE_OK) {
      return Error("cannot prepare a statement");
    }
  }
  return absl::OkStatus();
}

absl::Status SqliteStore::CommitAll(
    absl::Span<const StoreBatch* const> batches) {
  absl::MutexLock lock(&mu_);
  if (std::all_of(batches.begin(), batches.end(),
                  [](const StoreBatch* batch) { return batch->empty(); })) {
    return absl::OkStatus();
  }
  return InTransaction(
      [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) -> absl::Status {
        for (const StoreBatch* batch : batches) {
          if (absl::Status written = CommitLocked(*batch); !written.ok()) {
            return written;
          }
        }
        return absl::OkStatus();
      });
}

absl::Status SqliteStore::InTransaction(
    absl::FunctionRef<absl::Status()> body) {
  if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) !=
      SQLITE_OK) {
    return Error("cannot begin a transaction");
  }
  absl::Status written = body();
  if (written.ok() &&
      sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK) {
    return absl::OkStatus();
  }
  if (written.ok()) written = Error("cannot commit");
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  return written;
}

absl::Status SqliteStore::CommitLocked(const StoreBatch& batch) {
  for (const StoredCompile& stored : batch.compiles) {
    const compilev1::Compile& compile = stored.compile;
    StatementReset reset(upsert_compile_);
    BindText(upsert_compile_, 1, compile.name());
    BindText(upsert_compile_, 2, compile.flow_id());
    BindText(upsert_compile_, 3, compile.compile_id());
    sqlite3_bind_int(upsert_compile_, 4, compile.state());
    BindBlob(upsert_compile_, 5, compile.SerializeAsString());
    sqlite3_bind_int64(upsert_compile_, 6,
                       static_cast<int64_t>(stored.last_sequence));
    const bool finished = stored.finished_at != absl::InfiniteFuture();
    sqlite3_bind_int(upsert_compile_, 7, finished ? 1 : 0);
    if (finished) {
      sqlite3_bind_int64(upsert_compile_, 8,
                         absl::ToUnixMicros(stored.finished_at));
    } else {
      sqlite3_bind_null(upsert_compile_, 8);
    }
    if (sqlite3_step(upsert_compile_) != SQLITE_DONE) {
      return Error(absl::StrCat("cannot record compile ", compile.name()));
    }
  }
  uint64_t last_revision = 0;
  for (const StoredEvent& event : batch.events) {
    StatementReset reset(insert_event_);
    BindText(insert_event_, 1, event.compile_name);
    sqlite3_bind_int64(insert_event_, 2, static_cast<int64_t>(event.sequence));
    BindBlob(insert_event_, 3, event.payload);
    sqlite3_bind_int64(insert_event_, 4, static_cast<int64_t>(event.revision));
    if (sqlite3_step(insert_event_) != SQLITE_DONE) {
      return Error(absl::StrCat("cannot record event ", event.sequence, " of ",
                                event.compile_name));
    }
    last_revision = std::max(last_revision, event.revision);
  }
  if (last_revision > 0) {
    StatementReset reset(advance_revision_);
    sqlite3_bind_int64(advance_revision_, 1,
                       static_cast<int64_t>(last_revision));
    if (sqlite3_step(advance_revision_) != SQLITE_DONE) {
      return Error("cannot record the collection revision");
    }
  }
  for (const StoredRequestId& key : batch.request_ids) {
    StatementReset reset(upsert_request_id_);
    BindText(upsert_request_id_, 1, key.request_id);
    BindText(upsert_request_id_, 2, key.flow_id);
    BindText(upsert_request_id_, 3, key.compile_name);
    BindText(upsert_request_id_, 4, key.directives_json);
    sqlite3_bind_int64(upsert_request_id_, 5,
                       absl::ToUnixMicros(key.created_at));
    BindText(upsert_request_id_, 6, LabelsColumn(key.labels));
    BindText(upsert_request_id_, 7, key.tenant);
    if (sqlite3_step(upsert_request_id_) != SQLITE_DONE) {
      return Error("cannot record a request_id");
    }
  }
  for (const auto& [tenant, request_id] : batch.forgotten_request_ids) {
    StatementReset reset(delete_request_id_);
    BindText(delete_request_id_, 1, request_id);
    BindText(delete_request_id_, 2, tenant);
    if (sqlite3_step(delete_request_id_) != SQLITE_DONE) {
      return Error("cannot forget a request_id");
    }
  }
  for (const StoredDelivery& delivery : batch.deliveries) {
    StatementReset reset(insert_delivery_);
    BindText(insert_delivery_, 1, delivery.endpoint);
    BindText(insert_delivery_, 2, delivery.compile_name);
    sqlite3_bind_int64(insert_delivery_, 3,
                       static_cast<int64_t>(delivery.sequence));
    BindText(insert_delivery_, 4, delivery.webhook_id);
    BindBlob(insert_delivery_, 5, delivery.body);
    sqlite3_bind_int(insert_delivery_, 6, static_cast<int>(delivery.state));
    sqlite3_bind_int(insert_delivery_, 7, delivery.attempts);
    sqlite3_bind_int64(insert_delivery_, 8,
                       absl::ToUnixMicros(delivery.next_attempt));
    BindText(insert_delivery_, 9, delivery.last_error);
    sqlite3_bind_int64(insert_delivery_, 10,
                       absl::ToUnixMicros(delivery.created_at));
    sqlite3_bind_int64(insert_delivery_, 11,
                       absl::ToUnixMicros(delivery.updated_at));
    if (sqlite3_step(insert_delivery_) != SQLITE_DONE) {
      return Error("cannot record a webhook delivery");
    }
  }
  for (const StoredDelivery& delivery : batch.delivery_updates) {
    StatementReset reset(update_delivery_);
    BindText(update_delivery_, 1, delivery.endpoint);
    BindText(update_delivery_, 2, delivery.compile_name);
    sqlite3_bind_int64(update_delivery_, 3,
                       static_cast<int64_t>(delivery.sequence));
    sqlite3_bind_int(update_delivery_, 4, static_cast<int>(delivery.state));
    sqlite3_bind_int(update_delivery_, 5, delivery.attempts);
    sqlite3_bind_int64(update_delivery_, 6,
                       absl::ToUnixMicros(delivery.next_attempt));
    BindText(update_delivery_, 7, delivery.last_error);
    sqlite3_bind_int64(update_delivery_, 8,
                       absl::ToUnixMicros(delivery.updated_at));
    if (sqlite3_step(update_delivery_) != SQLITE_DONE) {
      return Error("cannot update a webhook delivery");
    }
  }
  for (const StoredEndpointState& endpoint : batch.endpoint_states) {
    StatementReset reset(upsert_endpoint_state_);
    BindText(upsert_endpoint_state_, 1, endpoint.endpoint);
    sqlite3_bind_int(upsert_endpoint_state_, 2, endpoint.disabled ? 1 : 0);
    BindText(upsert_endpoint_state_, 3, endpoint.reason);
    sqlite3_bind_int64(upsert_endpoint_state_, 4,
                       absl::ToUnixMicros(endpoint.at));
    if (sqlite3_step(upsert_endpoint_state_) != SQLITE_DONE) {
      return Error("cannot record a webhook endpoint's state");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> SqliteStore::LastRevision() {
  absl::MutexLock lock(&mu_);
  return LastRevisionLocked();
}

absl::StatusOr<uint64_t> SqliteStore::LastRevisionLocked() {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_,
                         "SELECT last_revision FROM collection WHERE id = 1",
                         -1, &statement, nullptr) != SQLITE_OK) {
    return Error("cannot read the collection revision");
  }
  const int step = sqlite3_step(statement);
  const uint64_t last_revision =
      step == SQLITE_ROW
          ? static_cast<uint64_t>(sqlite3_column_int64(statement, 0))
          : 0;
  sqlite3_finalize(statement);
  if (step != SQLITE_ROW) return Error("cannot read the collection revision");
  return last_revision;
}

absl::StatusOr<StoreContents> SqliteStore::LoadAll() {
  absl::MutexLock lock(&mu_);
  StoreContents contents;
  auto query = [this](const char* sql, auto&& row) -> absl::Status {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql, -1, &statement, nullptr) != SQLITE_OK) {
      return Error("cannot read");
    }
    int step;
    while ((step = sqlite3_step(statement)) == SQLITE_ROW) {
      if (absl::Status status = row(statement); !status.ok()) {
        sqlite3_finalize(statement);
        return status;
      }
    }
    sqlite3_finalize(statement);
    return step == SQLITE_DONE ? absl::OkStatus() : Error("cannot read");
  };
  absl::Status compiles =
      query("SELECT name, compile, last_sequence, finished_us FROM compiles",
            [&](sqlite3_stmt* row) {
              StoredCompile stored;
              if (!stored.compile.ParseFromString(ColumnBytes(row, 1))) {
                return absl::DataLossError(absl::StrCat(
                    "state store ", path_, ": the record of compile ",
                    reinterpret_cast<const char*>(sqlite3_column_text(row, 0)),
                    " is not readable"));
              }
              stored.last_sequence =
                  static_cast<uint64_t>(sqlite3_column_int64(row, 2));
              if (sqlite3_column_type(row, 3) != SQLITE_NULL) {
                stored.finished_at =
                    absl::FromUnixMicros(sqlite3_column_int64(row, 3));
              }
              contents.compiles.push_back(std::move(stored));
              return absl::OkStatus();
            });
  if (!compiles.ok()) return compiles;
  absl::Status events = query(
      "SELECT compile_name, sequence, payload, revision FROM events "
      "ORDER BY compile_name, sequence",
      [&](sqlite3_stmt* row) {
        StoredEvent event;
        event.compile_name =
            reinterpret_cast<const char*>(sqlite3_column_text(row, 0));
        event.sequence = static_cast<uint64_t>(sqlite3_column_int64(row, 1));
        event.payload = ColumnBytes(row, 2);
        event.revision = static_cast<uint64_t>(sqlite3_column_int64(row, 3));
        contents.events.push_back(std::move(event));
        return absl::OkStatus();
      });
  if (!events.ok()) return events;
  absl::Status keys = query(
      "SELECT request_id, flow_id, compile_name, directives, created_us, "
      "labels, tenant FROM request_ids",
      [&](sqlite3_stmt* row) {
        StoredRequestId key;
        key.request_id = ColumnBytes(row, 0);
        key.flow_id = ColumnBytes(row, 1);
        key.compile_name = ColumnBytes(row, 2);
        key.directives_json = ColumnBytes(row, 3);
        key.created_at = absl::FromUnixMicros(sqlite3_column_int64(row, 4));
        std::optional<Labels> labels = ParseLabelsColumn(ColumnBytes(row, 5));
        if (!labels.has_value()) {
          return absl::DataLossError(
              absl::StrCat("state store ", path_, ": the labels of request_id ",
                           Quoted(key.request_id), " are not readable"));
        }
        key.labels = *std::move(labels);
        key.tenant = ColumnBytes(row, 6);
        contents.request_ids.push_back(std::move(key));
        return absl::OkStatus();
      });
  if (!keys.ok()) return keys;
  DeliveryFilter everything;
  everything.limit = -1;
  absl::StatusOr<std::vector<StoredDelivery>> pending = SelectDeliveries(
      "state = ?1", everything, static_cast<int>(DeliveryState::kPending));
  if (!pending.ok()) return pending.status();
  contents.pending_deliveries = *std::move(pending);
  absl::Status endpoints =
      query("SELECT endpoint, disabled, reason, at_us FROM webhook_endpoints",
            [&](sqlite3_stmt* row) {
              StoredEndpointState state;
              state.endpoint = ColumnBytes(row, 0);
              state.disabled = sqlite3_column_int(row, 1) != 0;
              state.reason = ColumnBytes(row, 2);
              state.at = absl::FromUnixMicros(sqlite3_column_int64(row, 3));
              contents.endpoint_states.push_back(std::move(state));
              return absl::OkStatus();
            });
  if (!endpoints.ok()) return endpoints;
  absl::StatusOr<uint64_t> last_revision = LastRevisionLocked();
  if (!last_revision.ok()) return last_revision.status();
  contents.last_revision = *last_revision;
  return contents;
}

absl::StatusOr<std::vector<StoredDelivery>> SqliteStore::SelectDeliveries(
    const std::string& where, const DeliveryFilter& filter, int state) {
  // ?1 state, ?2 endpoint, ?3 compile, ?4 sequence, ?5 from, ?6 to, ?7 limit
  const std::string sql = absl::StrCat(
      "SELECT ", kDeliveryColumns, " FROM webhook_deliveries WHERE ", where,
      " AND (?2 = '' OR endpoint = ?2) AND (?3 = '' OR compile_name = ?3)"
      " AND (?4 < 0 OR sequence = ?4) AND updated_us >= ?5 AND updated_us <= "
      "?6 ORDER BY updated_us, endpoint, compile_name, sequence LIMIT ?7");
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) !=
      SQLITE_OK) {
    return Error("cannot read webhook deliveries");
  }
  sqlite3_bind_int(statement, 1, state);
  BindText(statement, 2, filter.endpoint);
  BindText(statement, 3, filter.compile_name);
  sqlite3_bind_int64(statement, 4,
                     filter.sequence.has_value()
                         ? static_cast<int64_t>(*filter.sequence)
                         : int64_t{-1});
  sqlite3_bind_int64(statement, 5,
                     filter.from == absl::InfinitePast()
                         ? std::numeric_limits<int64_t>::min()
                         : absl::ToUnixMicros(filter.from));
  sqlite3_bind_int64(statement, 6,
                     filter.to == absl::InfiniteFuture()
                         ? std::numeric_limits<int64_t>::max()
                         : absl::ToUnixMicros(filter.to));
  sqlite3_bind_int64(statement, 7, filter.limit);
  std::vector<StoredDelivery> deliveries;
  int step;
  while ((step = sqlite3_step(statement)) == SQLITE_ROW) {
    StoredDelivery delivery;
    delivery.endpoint = ColumnBytes(statement, 0);
    delivery.compile_name = ColumnBytes(statement, 1);
    delivery.sequence =
        static_cast<uint64_t>(sqlite3_column_int64(statement, 2));
    delivery.webhook_id = ColumnBytes(statement, 3);
    delivery.body = ColumnBytes(statement, 4);
    delivery.state =
        static_cast<DeliveryState>(sqlite3_column_int(statement, 5));
    delivery.attempts = sqlite3_column_int(statement, 6);
    delivery.next_attempt =
        absl::FromUnixMicros(sqlite3_column_int64(statement, 7));
    delivery.last_error = ColumnBytes(statement, 8);
    delivery.created_at =
        absl::FromUnixMicros(sqlite3_column_int64(statement, 9));
    delivery.updated_at =
        absl::FromUnixMicros(sqlite3_column_int64(statement, 10));
    deliveries.push_back(std::move(delivery));
  }
  sqlite3_finalize(statement);
  if (step != SQLITE_DONE) return Error("cannot read webhook deliveries");
  return deliveries;
}

absl::StatusOr<std::vector<StoredDelivery>> SqliteStore::ListDeliveries(
    DeliveryState state, const DeliveryFilter& filter) {
  absl::MutexLock lock(&mu_);
  return SelectDeliveries("state = ?1", filter, static_cast<int>(state));
}

absl::StatusOr<std::vector<StoredDelivery>> SqliteStore::ReplayDeadLetters(
    const DeliveryFilter& filter, absl::Time now) {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<std::vector<StoredDelivery>> dead = SelectDeliveries(
      "state = ?1", filter, static_cast<int>(DeliveryState::kDead));
  if (!dead.ok() || dead->empty()) return dead;
  StoreBatch batch;
  for (StoredDelivery& delivery : *dead) {
    delivery.state = DeliveryState::kPending;
    delivery.attempts = 0;
    delivery.next_attempt = now;
    delivery.updated_at = now;
    batch.delivery_updates.push_back(delivery);
  }
  if (absl::Status written =
          InTransaction([&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
            return CommitLocked(batch);
          });
      !written.ok()) {
    return written;
  }
  return dead;
}

absl::StatusOr<int64_t> SqliteStore::PruneWhere(const std::string& select_names,
                                                int64_t value) {
  int64_t pruned = 0;
  const std::string deletes[] = {
      absl::StrCat("DELETE FROM events WHERE compile_name IN (", select_names,
                   ")"),
      absl::StrCat("DELETE FROM webhook_deliveries WHERE compile_name IN (",
                   select_names, ")"),
      absl::StrCat("DELETE FROM request_ids WHERE compile_name IN (",
                   select_names, ")"),
      absl::StrCat("DELETE FROM compiles WHERE name IN (", select_names, ")"),
  };
  absl::Status status = InTransaction([&]() -> absl::Status {
    for (const std::string& sql : deletes) {
      sqlite3_stmt* statement = nullptr;
      if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) !=
          SQLITE_OK) {
        return Error("cannot prune");
      }
      sqlite3_bind_int64(statement, 1, value);
      const int step = sqlite3_step(statement);
      sqlite3_finalize(statement);
      if (step != SQLITE_DONE) return Error("cannot prune");
      pruned = sqlite3_changes(db_);  // the last, compiles, counts
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return pruned;
}

absl::StatusOr<int64_t> SqliteStore::DropEventsFinishedBefore(
    absl::Time cutoff) {
  absl::MutexLock lock(&mu_);
  static constexpr char kDrop[] =
      "DELETE FROM events WHERE compile_name IN (SELECT name FROM compiles "
      "WHERE finished_us IS NOT NULL AND finished_us < ?1) AND sequence < "
      "(SELECT last_sequence FROM compiles WHERE name = events.compile_name)";
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db_, kDrop, -1, &statement, nullptr) != SQLITE_OK) {
    return Error("cannot drop expired events");
  }
  sqlite3_bind_int64(statement, 1, absl::ToUnixMicros(cutoff));
  const int step = sqlite3_step(statement);
  sqlite3_finalize(statement);
  if (step != SQLITE_DONE) return Error("cannot drop expired events");
  return static_cast<int64_t>(sqlite3_changes(db_));
}

absl::StatusOr<int64_t> SqliteStore::PruneFinishedBeyond(int64_t keep) {
  absl::MutexLock lock(&mu_);
  return PruneWhere(
      "SELECT name FROM compiles WHERE finished_us IS NOT NULL "
      "ORDER BY finished_us DESC LIMIT -1 OFFSET ?1",
      keep);
}

}  // namespace cxone
