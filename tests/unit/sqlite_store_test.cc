#include "server/store/sqlite_store.h"

#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace cxone {
namespace {

using ::cxone::testing::ScopedTempDir;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

StoredCompile Compile(const std::string& id, compilev1::State state,
                      uint64_t last_sequence,
                      absl::Time finished_at = absl::InfiniteFuture()) {
  StoredCompile stored;
  stored.compile.set_name(absl::StrCat("flows/main/compiles/", id));
  stored.compile.set_flow_id("main");
  stored.compile.set_compile_id(id);
  stored.compile.set_state(state);
  compilev1::CompileError* error = stored.compile.add_errors();
  error->set_code("E1");
  error->mutable_location()->set_line(13);
  stored.last_sequence = last_sequence;
  stored.finished_at = finished_at;
  return stored;
}

StoredEvent Event(const std::string& id, uint64_t sequence,
                  std::string payload = "bytes") {
  return {absl::StrCat("flows/main/compiles/", id), sequence,
          std::move(payload)};
}

// Runs `sql` on the database at `path` through a connection of its own.
void RawExec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message),
            SQLITE_OK)
      << (message != nullptr ? message : "");
  sqlite3_free(message);
  sqlite3_close(db);
}

TEST(SqliteStore, CreatesTheStateDirAndKeepsABatchAcrossReopening) {
  ScopedTempDir temp;
  const std::string dir = temp.path() + "/state/nested";
  {
    auto store = SqliteStore::Open(dir);
    ASSERT_TRUE(store.ok()) << store.status();
    StoreBatch batch;
    batch.compiles.push_back(
        Compile("c1", compilev1::STATE_FAILED, 2, absl::FromUnixSeconds(100)));
    batch.events = {Event("c1", 1, std::string("\0\x01two", 5)),
                    Event("c1", 2)};
    batch.request_ids.push_back({"req-1", "main", R"({"a":1})",
                                 "flows/main/compiles/c1",
                                 absl::FromUnixSeconds(50)});
    ASSERT_TRUE((*store)->Commit(batch).ok());
  }
  auto reopened = SqliteStore::Open(dir);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  auto contents = (*reopened)->LoadAll();
  ASSERT_TRUE(contents.ok()) << contents.status();
  ASSERT_THAT(contents->compiles, SizeIs(1));
  const StoredCompile& compile = contents->compiles[0];
  EXPECT_EQ(compile.compile.compile_id(), "c1");
  EXPECT_EQ(compile.compile.state(), compilev1::STATE_FAILED);
  EXPECT_EQ(compile.compile.errors(0).location().line(), 13);
  EXPECT_EQ(compile.last_sequence, 2u);
  EXPECT_EQ(compile.finished_at, absl::FromUnixSeconds(100));
  ASSERT_THAT(contents->events, SizeIs(2));
  EXPECT_EQ(contents->events[0].payload, std::string("\0\x01two", 5));
  EXPECT_EQ(contents->events[1].sequence, 2u);
  ASSERT_THAT(contents->request_ids, SizeIs(1));
  EXPECT_EQ(contents->request_ids[0].directives_json, R"({"a":1})");
  EXPECT_EQ(contents->request_ids[0].compile_name, "flows/main/compiles/c1");
  EXPECT_EQ(contents->request_ids[0].created_at, absl::FromUnixSeconds(50));
}

TEST(SqliteStore, WritesAheadToALog) {
  ScopedTempDir temp;
  auto store = SqliteStore::Open(temp.path());
  ASSERT_TRUE(store.ok()) << store.status();
  StoreBatch batch;
  batch.compiles.push_back(Compile("c1", compilev1::STATE_QUEUED, 0));
  ASSERT_TRUE((*store)->Commit(batch).ok());
  EXPECT_TRUE(std::filesystem::exists(temp.path() + "/gateway.db-wal"));
}

TEST(SqliteStore, ABatchIsAllOrNothing) {
  ScopedTempDir temp;
  auto store = SqliteStore::Open(temp.path());
  ASSERT_TRUE(store.ok()) << store.status();
  StoreBatch first;
  first.events = {Event("c1", 1)};
  ASSERT_TRUE((*store)->Commit(first).ok());
  StoreBatch clashing;
  clashing.compiles.push_back(Compile("c2", compilev1::STATE_QUEUED, 0));
  clashing.events = {Event("c2", 1), Event("c1", 1)};  // c1/1 exists
  absl::Status status = (*store)->Commit(clashing);
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("event 1 of flows/main/compiles/c1"));
  auto contents = (*store)->LoadAll();
  ASSERT_TRUE(contents.ok());
  EXPECT_THAT(contents->compiles, SizeIs(0));
  EXPECT_THAT(contents->events, SizeIs(1));
}

TEST(SqliteStore, AStateDirThatIsAFileIsAClearError) {
  ScopedTempDir temp;
  const std::string file = temp.path() + "/not-a-dir";
  std::ofstream(file) << "x";
  auto store = SqliteStore::Open(file);
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(store.status())) << store.status();
  EXPECT_THAT(store.status().message(), HasSubstr(file));
  EXPECT_THAT(store.status().message(), HasSubstr("not a directory"));
}

TEST(SqliteStore, RefusesADatabaseWrittenByANewerGateway) {
  ScopedTempDir temp;
  RawExec(temp.path() + "/gateway.db", "PRAGMA user_version=99");
  auto store = SqliteStore::Open(temp.path());
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(store.status())) << store.status();
  EXPECT_EQ(store.status().message(),
            absl::StrCat("state store ", temp.path(),
                         "/gateway.db: the database has schema version 99, "
                         "newer than this gateway's ", SqliteStore::kSchemaVersion,
                         ": it was written by a "
                         "newer gateway; run that, or start with another "
                         "--state-dir"));
}

TEST(SqliteStore, AFileThatIsNoDatabaseIsRefusedNamingTheStoreOnce) {
  ScopedTempDir temp;
  std::ofstream(temp.path() + "/gateway.db")
      << "this is not an SQLite database, whatever its name says\n";
  auto store = SqliteStore::Open(temp.path());
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(store.status())) << store.status();
  EXPECT_EQ(store.status().message(),
            absl::StrCat("state store ", temp.path(),
                         "/gateway.db: cannot turn on write-ahead logging: "
                         "file is not a database"));
}

TEST(SqliteStore, AnEmptyDatabaseFileIsRefusedAsTruncatedAndLeftAlone) {
  ScopedTempDir temp;
  const std::string path = temp.path() + "/gateway.db";
  std::ofstream{path};
  auto store = SqliteStore::Open(temp.path());
  ASSERT_FALSE(store.ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(store.status())) << store.status();
  EXPECT_EQ(store.status().message(),
            absl::StrCat("state store ", path,
                         ": the database file is empty (0 bytes): something "
                         "truncated it, and the compiles, events and "
                         "request_ids it held are lost. Restore it from a "
                         "backup, or move it away with its -wal and -shm "
                         "files to start with an empty store"));
  EXPECT_EQ(std::filesystem::file_size(path), 0u);
  EXPECT_FALSE(SqliteStore::Open(temp.path(), {.read_only = true}).ok());
}

TEST(SqliteStore, ANewDatabaseIsNeverAnEmptyFile) {
  ScopedTempDir temp;
  // What a crash while creating one leaves behind.
  std::ofstream{temp.path() + "/gateway.db.creating"};
  {
    auto store = SqliteStore::Open(temp.path());
    ASSERT_TRUE(store.ok()) << store.status();
    EXPECT_GT(std::filesystem::file_size(temp.path() + "/gateway.db"), 0u);
    EXPECT_FALSE(std::filesystem::exists(temp.path() + "/gateway.db.creating"));
  }
  auto reopened = SqliteStore::Open(temp.path());
  EXPECT_TRUE(reopened.ok()) << reopened.status();
}

// A database as the first release of the store (schema version 1) left it.
constexpr char kVersionOneFixture[] = R"sql(
  CREATE TABLE compiles (name TEXT PRIMARY KEY, flow_id TEXT NOT NULL,
    compile_id TEXT NOT NULL, state INTEGER NOT NULL, compile BLOB NOT NULL,
    last_sequence INTEGER NOT NULL, terminal INTEGER NOT NULL) WITHOUT ROWID;
  CREATE TABLE events (compile_name TEXT NOT NULL, sequence INTEGER NOT NULL,
    payload BLOB NOT NULL, PRIMARY KEY (compile_name, sequence)) WITHOUT ROWID;
  CREATE TABLE request_ids (request_id TEXT PRIMARY KEY,
    flow_id TEXT NOT NULL, compile_name TEXT NOT NULL DEFAULT '')
    WITHOUT ROWID;
  INSERT INTO compiles VALUES ('flows/main/compiles/old', 'main', 'old', 3,
    X'', 2, 1);
  INSERT INTO compiles VALUES ('flows/main/compiles/live', 'main', 'live', 2,
    X'', 1, 0);
  INSERT INTO events VALUES ('flows/main/compiles/old', 1, X'0a01');
  INSERT INTO events VALUES ('flows/main/compiles/old', 2, X'0a02');
  INSERT INTO request_ids VALUES ('req', 'main', 'flows/main/compiles/old');
  PRAGMA user_version=1;
)sql";

TEST(SqliteStore, MigratesAVersionOneDatabaseForward) {
  ScopedTempDir temp;
  RawExec(temp.path() + "/gateway.db", kVersionOneFixture);
  const absl::Time before = absl::Now() - absl::Seconds(1);
  auto store = SqliteStore::Open(temp.path());
  ASSERT_TRUE(store.ok()) << store.status();
  auto contents = (*store)->LoadAll();
  ASSERT_TRUE(contents.ok()) << contents.status();
  ASSERT_THAT(contents->compiles, SizeIs(2));
  for (const StoredCompile& compile : contents->compiles) {
    if (compile.last_sequence == 2) {          // the finished one
      EXPECT_GE(compile.finished_at, before);  // retention starts now
      EXPECT_LE(compile.finished_at, absl::Now() + absl::Seconds(1));
    } else {
      EXPECT_EQ(compile.finished_at, absl::InfiniteFuture());
    }
  }
  EXPECT_THAT(contents->events, SizeIs(2));
  ASSERT_THAT(contents->request_ids, SizeIs(1));
  EXPECT_EQ(contents->request_ids[0].directives_json, "");
  EXPECT_TRUE(contents->request_ids[0].labels.empty());
  EXPECT_EQ(contents->request_ids[0].tenant, "");  // keys before tenants
  // And it is writable in the new schema.
  StoreBatch batch;
  batch.request_ids.push_back({"req2", "main", "{}", "", absl::Now()});
  EXPECT_TRUE((*store)->Commit(batch).ok());
}

// Two tenants' keys with the same request_id are two rows; forgetting one
// leaves the other.
TEST(SqliteStore, KeepsRequestIdsPerTenant) {
  ScopedTempDir temp;
  auto store = SqliteStore::Open(temp.path());
  ASSERT_TRUE(store.ok()) << store.status();
  StoreBatch batch;
  batch.request_ids.push_back({"deploy-1", "pay-main", "", "flows/pay-main/compiles/a",
                               absl::FromUnixSeconds(50), {}, "payments"});
  batch.request_ids.push_back({"deploy-1", "claims", "", "flows/claims/compiles/b",
                               absl::FromUnixSeconds(50), {}, "claims"});
  ASSERT_TRUE((*store)->Commit(batch).ok());
  auto contents = (*store)->LoadAll();
  ASSERT_TRUE(contents.ok()) << contents.status();
  ASSERT_THAT(contents->request_ids, SizeIs(2));
  StoreBatch forget;
  forget.forgotten_request_ids.push_back({"payments", "deploy-1"});
  ASSERT_TRUE((*store)->Commit(forget).ok());
  contents = (*store)->LoadAll();
  ASSERT_TRUE(contents.ok()) << contents.status();
  ASSERT_THAT(contents->request_ids, SizeIs(1));
  EXPECT_EQ(contents->request_ids[0].tenant, "claims");
  EXPECT_EQ(contents->request_ids[0].compile_name, "flows/claims/compiles/b");
}

// A start interrupted by a crash is triggered again with the labels its
// caller gave, so the intent's labels must come back exactly.
TEST(SqliteStore, KeepsAKeysLabelsAcrossReopening) {
  ScopedTempDir temp;
  const Labels labels = {
      {"commit", "3f2a9c"}, {"example.com/team", "ivr"}, {"pipeline", ""}};
  {
    auto store = SqliteStore::Open(temp.path());
    ASSERT_TRUE(store.ok()) << store.status();
    StoreBatch batch;
    batch.request_ids.push_back(
        {"pending", "main", "", "", absl::FromUnixSeconds(50), labels});
    batch.request_ids.push_back(
        {"plain", "main", "", "", absl::FromUnixSeconds(50)});
    ASSERT_TRUE((*store)->Commit(batch).ok());
  }
  auto reopened = SqliteStore::Open(temp.path());
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  auto contents = (*reopened)->LoadAll();
  ASSERT_TRUE(contents.ok()) << contents.status();
  ASSERT_THAT(contents->request_ids, SizeIs(2));
  for (const StoredRequestId& key : contents->request_ids) {
    EXPECT_EQ(key.labels, key.request_id == "pending" ? labels : Labels())
        << key.request_id;
  }
}

TEST(SqliteStore, UnreadableLabelsAreDataLossNamingTheKey) {
  ScopedTempDir temp;
  {
    auto store = SqliteStore::Open(temp.path());
    ASSERT_TRUE(store.ok()) << store.status();
    StoreBatch batch;
    batch.request_ids.push_back({"req-1", "main", "", "", absl::Now()});
    ASSERT_TRUE((*store)->Commit(batch).ok());
  }
  RawExec(temp.path() + "/gateway.db",
          R"sql(UPDATE request_ids SET labels = '{"a": 1}')sql");
  auto store = SqliteStore::Open(temp.path());
  ASSERT_TRUE(store.ok()) << store.status();
  auto contents = (*store)->LoadAll();
  EXPECT_TRUE(absl::IsDataLoss(contents.status())) << contents.status();
  EXPECT_THAT(contents.status().message(),
              HasSubstr("the labels of request_id \"req-1\" are not readable"));
}

TEST(SqliteStore, AFullDatabaseRefusesWritesKeepsWhatItHasAndRecovers) {
  ScopedTempDir temp;
  auto store = SqliteStore::Open(temp.path());
  ASSERT_TRUE(store.ok()) << store.status();
  StoreBatch small;
  small.events = {Event("c1", 1)};
  ASSERT_TRUE((*store)->Commit(small).ok());
  ASSERT_TRUE((*store)->SetMaxPageCount(8).ok());
  StoreBatch big;
  for (uint64_t i = 2; i < 40; ++i) {
    big.events.push_back(Event("c1", i, std::string(4096, 'x')));
  }
  absl::Status full = (*store)->Commit(big);
  EXPECT_TRUE(absl::IsUnavailable(full)) << full;
  EXPECT_THAT(full.message(), HasSubstr("full"));
  auto contents = (*store)->LoadAll();
  ASSERT_TRUE(contents.ok());
  EXPECT_THAT(contents->events, SizeIs(1));
  ASSERT_TRUE((*store)->SetMaxPageCount(0).ok());  // room again
  EXPECT_TRUE((*store)->Commit(big).ok());
  contents = (*store)->LoadAll();
  ASSERT_TRUE(contents.ok());
  EXPECT_THAT(contents->events, SizeIs(39));
}

TEST(SqliteStore, AReadOnlyDatabaseServesReadsAndRefusesWritesClearly) {
  ScopedTempDir temp;
  {
    auto store = SqliteStore::Open(temp.path());
    ASSERT_TRUE(store.ok()) << store.status();
    StoreBatch batch;
    batch.events = {Event("c1", 1)};
    ASSERT_TRUE((*store)->Commit(batch).ok());
  }
  auto store = SqliteStore::Open(temp.path(), {.read_only = true});
  ASSERT_TRUE(store.ok()) << store.status();
  auto contents = (*store)->LoadAll();
  ASSERT_TRUE(contents.ok()) << contents.status();
  EXPECT_THAT(contents->events, SizeIs(1));
  StoreBatch batch;
  batch.events = {Event("c1", 2)};
  absl::Status status = (*store)->Commit(batch);
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  EXPECT_THAT(status.message(), HasSubstr("readonly"));
}

TEST(SqliteStore, ExpiredEventsGoButEachResultAndKeyStay) {
  ScopedTempDir temp;
  auto store = SqliteStore::Open(temp.path());
  ASSERT_TRUE(store.ok()) << store.status();
  StoreBatch batch;
  batch.compiles = {
      Compile("old", compilev1::STATE_COMPLETED, 3, absl::FromUnixSeconds(10)),
      Compile("newer", compilev1::STATE_COMPLETED, 2,
              absl::FromUnixSeconds(20)),
      Compile("live", compilev1::STATE_IN_PROGRESS, 2)};
  batch.events = {Event("old", 1),   Event("old", 2),   Event("old", 3),
                  Event("newer", 1), Event("newer", 2), Event("live", 1),
                  Event("live", 2)};
  batch.request_ids.push_back(
      {"r", "main", "", "flows/main/compiles/old", absl::FromUnixSeconds(1)});
  ASSERT_TRUE((*store)->Commit(batch).ok());

  auto dropped = (*store)->DropEventsFinishedBefore(absl::FromUnixSeconds(15));
  ASSERT_TRUE(dropped.ok()) << dropped.status();
  EXPECT_EQ(*dropped, 2);  // events 1 and 2 of "old"

  auto contents = (*store)->LoadAll();
  ASSERT_TRUE(contents.ok());
  EXPECT_THAT(contents->compiles, SizeIs(3));
  std::vector<std::pair<std::string, uint64_t>> events;
  for (const auto& event : contents->events) {
    events.emplace_back(event.compile_name, event.sequence);
  }
  std::sort(events.begin(), events.end());
  EXPECT_THAT(
      events,
      ElementsAre(
          std::pair<std::string, uint64_t>{"flows/main/compiles/live", 1},
          std::pair<std::string, uint64_t>{"flows/main/compiles/live", 2},
          std::pair<std::string, uint64_t>{"flows/main/compiles/newer", 1},
          std::pair<std::string, uint64_t>{"flows/main/compiles/newer", 2},
          std::pair<std::string, uint64_t>{"flows/main/compiles/old", 3}));
  ASSERT_THAT(contents->request_ids, SizeIs(1));
  EXPECT_EQ(contents->request_ids[0].compile_name, "flows/main/compiles/old");
}

TEST(SqliteStore, PrunesFinishedCompilesWithTheirEventsAndKeys) {
  ScopedTempDir temp;
  auto store = SqliteStore::Open(temp.path());
  ASSERT_TRUE(store.ok()) << store.status();
  StoreBatch batch;
  batch.compiles = {
      Compile("old", compilev1::STATE_COMPLETED, 1, absl::FromUnixSeconds(10)),
      Compile("newer", compilev1::STATE_COMPLETED, 1,
              absl::FromUnixSeconds(20)),
      Compile("newest", compilev1::STATE_FAILED, 1, absl::FromUnixSeconds(30)),
      Compile("live", compilev1::STATE_IN_PROGRESS, 1)};
  batch.events = {Event("old", 1), Event("newer", 1), Event("newest", 1),
                  Event("live", 1)};
  batch.request_ids.push_back(
      {"r", "main", "", "flows/main/compiles/old", absl::FromUnixSeconds(1)});
  ASSERT_TRUE((*store)->Commit(batch).ok());

  auto pruned = (*store)->PruneFinishedBeyond(1);  // keep the newest finished
  ASSERT_TRUE(pruned.ok()) << pruned.status();
  EXPECT_EQ(*pruned, 2);

  auto contents = (*store)->LoadAll();
  ASSERT_TRUE(contents.ok());
  std::vector<std::string> names;
  for (const auto& compile : contents->compiles) {
    names.push_back(compile.compile.compile_id());
  }
  std::sort(names.begin(), names.end());
  EXPECT_THAT(names, ElementsAre("live", "newest"));
  EXPECT_THAT(contents->events, SizeIs(2));
  EXPECT_THAT(contents->request_ids, SizeIs(0));
}

StoredDelivery Delivery(const std::string& endpoint, const std::string& id,
                        uint64_t sequence) {
  StoredDelivery delivery;
  delivery.endpoint = endpoint;
  delivery.compile_name = absl::StrCat("flows/main/compiles/", id);
  delivery.sequence = sequence;
  delivery.webhook_id = absl::StrCat("msg_", endpoint, id, sequence);
  delivery.body = R"({"type":"compile.state_changed"})";
  delivery.next_attempt = absl::FromUnixSeconds(10);
  delivery.created_at = absl::FromUnixSeconds(10);
  delivery.updated_at = absl::FromUnixSeconds(10);
  return delivery;
}

TEST(SqliteStore, KeepsTheOutboxWithTheEventsItDelivers) {
  ScopedTempDir temp;
  auto store = SqliteStore::Open(temp.path());
  ASSERT_TRUE(store.ok()) << store.status();
  StoreBatch batch;
  batch.compiles.push_back(
      Compile("c1", compilev1::STATE_COMPLETED, 2, absl::FromUnixSeconds(5)));
  batch.events = {Event("c1", 1), Event("c1", 2)};
  batch.deliveries = {Delivery("bot", "c1", 1), Delivery("bot", "c1", 2),
                      Delivery("audit", "c1", 2)};
  ASSERT_TRUE((*store)->Commit(batch).ok());

  // bot's first is delivered; its second dies; audit's waits for a retry.
  StoreBatch outcomes;
  StoredDelivery delivered = Delivery("bot", "c1", 1);
  delivered.state = DeliveryState::kDelivered;
  delivered.attempts = 1;
  StoredDelivery dead = Delivery("bot", "c1", 2);
  dead.state = DeliveryState::kDead;
  dead.attempts = 7;
  dead.last_error = "HTTP 500";
  dead.updated_at = absl::FromUnixSeconds(100);
  StoredDelivery retry = Delivery("audit", "c1", 2);
  retry.attempts = 1;
  retry.next_attempt = absl::FromUnixSeconds(15);
  outcomes.delivery_updates = {delivered, dead, retry};
  outcomes.endpoint_states.push_back(
      {"gone", true, "410 Gone", absl::FromUnixSeconds(50)});
  ASSERT_TRUE((*store)->Commit(outcomes).ok());

  auto contents = (*store)->LoadAll();
  ASSERT_TRUE(contents.ok()) << contents.status();
  ASSERT_THAT(contents->pending_deliveries, SizeIs(1));
  EXPECT_EQ(contents->pending_deliveries[0].endpoint, "audit");
  EXPECT_EQ(contents->pending_deliveries[0].attempts, 1);
  EXPECT_EQ(contents->pending_deliveries[0].next_attempt,
            absl::FromUnixSeconds(15));
  ASSERT_THAT(contents->endpoint_states, SizeIs(1));
  EXPECT_TRUE(contents->endpoint_states[0].disabled);

  DeliveryFilter only_bot;
  only_bot.endpoint = "bot";
  auto letters = (*store)->ListDeliveries(DeliveryState::kDead, only_bot);
  ASSERT_TRUE(letters.ok()) << letters.status();
  ASSERT_THAT(*letters, SizeIs(1));
  EXPECT_EQ(letters->front().last_error, "HTTP 500");
  EXPECT_EQ(letters->front().body, R"({"type":"compile.state_changed"})");
  DeliveryFilter too_early;
  too_early.to = absl::FromUnixSeconds(99);
  EXPECT_THAT(*(*store)->ListDeliveries(DeliveryState::kDead, too_early),
              SizeIs(0));

  auto replayed =
      (*store)->ReplayDeadLetters(only_bot, absl::FromUnixSeconds(200));
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  ASSERT_THAT(*replayed, SizeIs(1));
  EXPECT_EQ(replayed->front().attempts, 0);
  EXPECT_EQ(replayed->front().state, DeliveryState::kPending);
  contents = (*store)->LoadAll();
  ASSERT_TRUE(contents.ok());
  EXPECT_THAT(contents->pending_deliveries, SizeIs(2));

  // Pruning the compile takes its outbox along.
  ASSERT_TRUE((*store)->PruneFinishedBeyond(0).ok());
  contents = (*store)->LoadAll();
  ASSERT_TRUE(contents.ok());
  EXPECT_THAT(contents->pending_deliveries, SizeIs(0));
}

}  // namespace
}  // namespace cxone
