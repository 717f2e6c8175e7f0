// Persistence of PR state: text round trip, corrupt files, atomic file
// store, and Reservations::load's APTPL rule.
#include "scsi/pr_store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "scsi/reservations.h"

namespace esan::scsi {
namespace {

PrState sample() {
  PrState st;
  st.generation = 42;
  st.aptpl = true;
  st.type = pr::kExclusiveAccessRegistrantsOnly;
  st.regs.push_back({0x1122334455667788ull, "iqn.2024-01.test:a,i,0x230000000001", 1, false, true});
  st.regs.push_back({0x99, "iqn.2024-01.test:b,i,0x230000000002", 0, true, false});
  st.regs.push_back({0x7, "iqn.2024-01.test:c", 3, false, false});
  return st;
}

struct TempDir {
  TempDir() {
    char buf[] = "/tmp/esan-pr-test-XXXXXX";
    path = ::mkdtemp(buf);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};

std::string slurp(const std::string& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(PrStore, TextRoundTrip) {
  PrState st = sample();
  std::string text = format_pr_state(st, "disk0");
  EXPECT_NE(text.find("esan-pr 1\n"), std::string::npos);
  EXPECT_NE(text.find("registrant 0x1122334455667788 1 0 1 iqn.2024-01.test:a,i,0x230000000001\n"),
            std::string::npos)
      << text;
  auto back = parse_pr_state(text, "disk0");
  ASSERT_TRUE(back.has_value()) << back.error().message;
  EXPECT_EQ(*back, st);
  PrState empty;
  auto e = parse_pr_state(format_pr_state(empty, "d"), "d");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(*e, empty);
}

TEST(PrStore, CorruptTextIsRejectedWithALineNumber) {
  std::string good = format_pr_state(sample(), "disk0");
  struct Case {
    std::string text, want;
  } cases[] = {
      {"", "empty"},
      {"hello\n", "not an esan"},
      {"esan-pr 2\n", "version"},
      {good.substr(0, good.rfind("end")), "truncated"},
      {good + "registrant x\n", "after 'end'"},
  };
  for (const auto& c : cases) {
    auto r = parse_pr_state(c.text, "disk0");
    ASSERT_FALSE(r.has_value()) << c.text;
    EXPECT_NE(r.error().message.find(c.want), std::string::npos) << r.error().message;
  }
  auto other = parse_pr_state(good, "disk1");
  ASSERT_FALSE(other.has_value());
  EXPECT_NE(other.error().message.find("belongs to device 'disk0'"), std::string::npos);
  std::string badkey = good;
  badkey.replace(badkey.find("0x1122"), 6, "0xZZ22");
  EXPECT_FALSE(parse_pr_state(badkey, "disk0").has_value());
  // Semantically impossible: a reservation without a holder.
  PrState nohold = sample();
  nohold.regs[0].holder = false;
  auto r = parse_pr_state(format_pr_state(nohold, "disk0"), "disk0");
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find("holder"), std::string::npos);
}

TEST(PrStore, FileSaveLoadReplacesAtomically) {
  TempDir d;
  std::string path = d.path + "/disk0";
  FilePrStore store(path, "disk0");
  auto none = store.load();
  ASSERT_TRUE(none.has_value());
  EXPECT_FALSE(none->has_value()) << "no file yet";
  ASSERT_TRUE(store.save(sample()).has_value());
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  auto back = store.load();
  ASSERT_TRUE(back.has_value() && back->has_value());
  EXPECT_EQ(**back, sample());
  PrState two = sample();
  two.generation = 43;
  ASSERT_TRUE(store.save(two).has_value());
  EXPECT_EQ(slurp(path), format_pr_state(two, "disk0"));
}

TEST(PrStore, CorruptFileNamesTheFile) {
  TempDir d;
  std::string path = d.path + "/disk0";
  std::ofstream(path) << "esan-pr 1\ndevice disk0\ngarbage\n";
  FilePrStore store(path, "disk0");
  auto r = store.load();
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message.find(path), std::string::npos);
  EXPECT_NE(r.error().message.find("line 3"), std::string::npos) << r.error().message;
}

TEST(PrStore, SaveFailsInAMissingDirectory) {
  FilePrStore store("/nonexistent-esan-dir/x/disk0", "disk0");
  auto s = store.save(sample());
  ASSERT_FALSE(s.has_value());
  EXPECT_EQ(s.error().code, Errc::kIo);
}

// In-memory store for Reservations.
struct MemStore final : PrStore {
  std::optional<PrState> saved;
  int saves = 0;
  bool fail = false;
  Status save(const PrState& st) override {
    if (fail) return make_error(Errc::kIo, "disk full");
    saved = st;
    ++saves;
    return ok();
  }
  Result<std::optional<PrState>> load() override { return saved; }
  std::string describe() const override { return "mem"; }
};

TEST(Reservations, LoadKeepsStateOnlyWithAptpl) {
  for (bool aptpl : {true, false}) {
    Reservations r([](uint64_t, uint16_t) {});
    auto store = std::make_unique<MemStore>();
    PrState st = sample();
    st.aptpl = aptpl;
    store->saved = st;
    MemStore* m = store.get();
    r.set_store(std::move(store));
    ASSERT_TRUE(r.load().has_value());
    if (aptpl) {
      EXPECT_EQ(r.snapshot(), st);
      EXPECT_TRUE(r.maybe_active()) << "a restored reservation is enforced";
      EXPECT_EQ(m->saves, 0);
    } else {
      EXPECT_EQ(r.snapshot(), PrState{}) << "APTPL=0: lost at power on";
      EXPECT_FALSE(r.maybe_active());
      ASSERT_TRUE(m->saved.has_value());
      EXPECT_EQ(*m->saved, PrState{}) << "and the store is emptied";
    }
  }
}

TEST(Reservations, PrOutSavesBeforeCommittingAndFailsWhenItCannot) {
  Reservations r([](uint64_t, uint16_t) {});
  auto store = std::make_unique<MemStore>();
  MemStore* m = store.get();
  r.set_store(std::move(store));
  Nexus n;
  n.id = 1;
  n.initiator_port = "iqn.x:a,i,0x1";
  PrOutRequest reg;
  reg.action = pr::kRegisterAndIgnore;
  reg.sa_key = 5;
  reg.aptpl = true;
  ASSERT_EQ(r.apply_pr_out(identity_of(n), reg).kind, PrOutResult::kGood);
  ASSERT_TRUE(m->saved.has_value());
  EXPECT_EQ(m->saved->regs.size(), 1u);
  EXPECT_TRUE(m->saved->aptpl);
  // A no-op does not write.
  PrOutRequest rel;
  rel.action = pr::kRelease;
  rel.key = 5;
  rel.type = pr::kWriteExclusive;
  int saves = m->saves;
  ASSERT_EQ(r.apply_pr_out(identity_of(n), rel).kind, PrOutResult::kGood);
  EXPECT_EQ(m->saves, saves);
  // A failing store fails the command and leaves the state alone.
  m->fail = true;
  PrOutRequest res;
  res.action = pr::kReserve;
  res.key = 5;
  res.type = pr::kWriteExclusive;
  PrOutResult out = r.apply_pr_out(identity_of(n), res);
  ASSERT_EQ(out.kind, PrOutResult::kCheck);
  EXPECT_EQ(out.sense.key, SenseKey::kHardwareError);
  EXPECT_FALSE(r.snapshot().reserved());
  EXPECT_FALSE(r.maybe_active());
}

TEST(Reservations, CorruptStoreFailsLoad) {
  TempDir d;
  std::string path = d.path + "/disk0";
  std::ofstream(path) << "esan-pr 1\n";
  Reservations r([](uint64_t, uint16_t) {});
  r.set_store(std::make_unique<FilePrStore>(path, "disk0"));
  auto s = r.load();
  ASSERT_FALSE(s.has_value());
  EXPECT_NE(s.error().message.find(path), std::string::npos);
}

}  // namespace
}  // namespace esan::scsi
