// GET LBA STATUS against a sparse temp file (the real file backend, its
// commands run on a reactor thread) and against a scripted map.
#include <gtest/gtest.h>
#include <unistd.h>

#include "scsi/opcodes.h"
#include "scsi/test_support.h"

namespace esan::scsi {
namespace {

using namespace testing;

constexpr uint64_t kBlocks = 2048;  // 512-byte blocks: 1 MiB

std::vector<uint8_t> glbas(uint64_t lba, uint32_t alloc) {
  std::vector<uint8_t> c(16, 0);
  c[0] = op::kServiceActionIn16;
  c[1] = op::kSaGetLbaStatus;
  store_be64(&c[2], lba);
  store_be32(&c[10], alloc);
  return c;
}

struct Desc {
  uint64_t lba;
  uint32_t blocks;
  uint8_t status;
  bool operator==(const Desc&) const = default;
};
std::vector<Desc> descs(const Task& t) {
  std::vector<Desc> v;
  const uint8_t* d = t.data.data();
  EXPECT_EQ(load_be32(d) + 4, t.data.size());
  for (size_t off = 8; off + 16 <= t.data.size(); off += 16)
    v.push_back({load_be64(d + off), load_be32(d + off + 8), uint8_t(d[off + 12] & 0x0F)});
  return v;
}

class SparseFile : public ::testing::Test {
 protected:
  void SetUp() override {
    char p[] = "/tmp/esan-lbastatus-XXXXXX";
    int fd = mkstemp(p);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(ftruncate(fd, off_t(kBlocks * 512)), 0);
    close(fd);
    path = p;
    auto dev = backend::open_file_device(backend::FileOptions{.path = path});
    ASSERT_TRUE(dev.has_value());
    LuConfig cfg = named("sparse");
    cfg.thin_provisioned = true;
    f.lu = *make_logical_unit(cfg, std::move(*dev));
    auto map = std::make_shared<LunMap>();
    (*map)[0] = LunMapping{f.lu, false};
    f.nexus = f.make_nexus(map);
  }
  void TearDown() override { unlink(path.c_str()); }

  ReactorThread rt;
  Fixture f;
  std::string path;
};

TEST_F(SparseFile, FreshFileIsOneDeallocatedExtent) {
  Task t = f.run_on(rt, glbas(0, 8 + 16 * 4), DataDir::kIn, {}, 1024);
  expect_good(t);
  EXPECT_EQ(descs(t), (std::vector<Desc>{{0, uint32_t(kBlocks), 1}}));
}

TEST_F(SparseFile, WrittenBlocksAreMappedAndUnmapDeallocates) {
  expect_good(f.run_on(rt, cdb10(op::kWrite10, 64, 16), DataDir::kOut, pattern(16 * 512, 3)));
  Task t = f.run_on(rt, glbas(0, 8 + 16 * 4), DataDir::kIn, {}, 1024);
  expect_good(t);
  EXPECT_EQ(descs(t), (std::vector<Desc>{{0, 64, 1}, {64, 16, 0}, {80, uint32_t(kBlocks - 80), 1}}));

  // Starting inside the mapped extent; the allocation length holds one descriptor.
  Task one = f.run_on(rt, glbas(70, 24), DataDir::kIn, {}, 24);
  expect_good(one);
  ASSERT_EQ(one.data.size(), 24u);
  EXPECT_EQ(load_be32(one.data.data()), 20u);  // one descriptor returned
  EXPECT_EQ(descs(one), (std::vector<Desc>{{70, 10, 0}}));

  // UNMAP one physical block (8 x 512 = 4096 bytes, aligned).
  std::vector<uint8_t> list(24, 0);
  store_be16(&list[0], 22);
  store_be16(&list[2], 16);
  store_be64(&list[8], 64);
  store_be32(&list[16], 8);
  std::vector<uint8_t> unmap(10, 0);
  unmap[0] = op::kUnmap;
  store_be16(&unmap[7], 24);
  expect_good(f.run_on(rt, unmap, DataDir::kOut, list, 24));
  Task u = f.run_on(rt, glbas(0, 8 + 16 * 4), DataDir::kIn, {}, 1024);
  EXPECT_EQ(descs(u), (std::vector<Desc>{{0, 72, 1}, {72, 8, 0}, {80, uint32_t(kBlocks - 80), 1}}));
}

// libiscsi 1.19's GetLBAStatus.UnmapSingle on a LU with 8 logical blocks
// per physical block: after UNMAP of [0, 8) it asks for LBA 9 and expects
// the first descriptor at LBA 16. SBC-4 (LBA status descriptor
// relationships) puts the first descriptor at the STARTING LOGICAL BLOCK
// ADDRESS, whatever the physical block or provisioning granularity.
TEST_F(SparseFile, FirstDescriptorStartsAtTheStartingLbaInsideAPhysicalBlock) {
  ASSERT_EQ(f.lu->lbppb_exp(), 3u);  // 512-byte blocks on a 4096-byte file system block
  expect_good(f.run_on(rt, cdb10(op::kWrite10, 0, 264), DataDir::kOut, pattern(264 * 512, 7)));
  std::vector<uint8_t> list(24, 0);
  store_be16(&list[0], 22);
  store_be16(&list[2], 16);
  store_be64(&list[8], 0);
  store_be32(&list[16], 8);
  std::vector<uint8_t> unmap(10, 0);
  unmap[0] = op::kUnmap;
  store_be16(&unmap[7], 24);
  expect_good(f.run_on(rt, unmap, DataDir::kOut, list, 24));
  Task z = f.run_on(rt, glbas(0, 24), DataDir::kIn, {}, 24);
  EXPECT_EQ(descs(z), (std::vector<Desc>{{0, 8, 1}}));
  Task t = f.run_on(rt, glbas(9, 24), DataDir::kIn, {}, 24);
  expect_good(t);
  EXPECT_EQ(descs(t), (std::vector<Desc>{{9, 255, 0}}));
}

TEST_F(SparseFile, BeyondTheEndIsOutOfRange) {
  expect_sense(f.run_on(rt, glbas(kBlocks, 24), DataDir::kIn, {}, 24), SenseKey::kIllegalRequest,
               asc::kLbaOutOfRange);
  expect_sense(f.run_on(rt, glbas(~0ull, 24), DataDir::kIn, {}, 24), SenseKey::kIllegalRequest,
               asc::kLbaOutOfRange);
  Task last = f.run_on(rt, glbas(kBlocks - 1, 24), DataDir::kIn, {}, 24);
  expect_good(last);
  EXPECT_EQ(descs(last), (std::vector<Desc>{{kBlocks - 1, 1, 1}}));
}

// 4096-byte logical blocks over a backend whose holes are 1 KiB aligned:
// a partly deallocated block is reported mapped.
TEST(GetLbaStatusRounding, PartialHolesCountAsMapped) {
  LuConfig cfg = named("big");
  cfg.block_size = 4096;
  cfg.thin_provisioned = true;
  Fixture f(cfg, 16);
  // Bytes: [0, 5K) hole, [5K, 8K) data, [8K, 16K) hole, rest data.
  f.dev->map_fn = [](uint64_t off, uint64_t len) {
    struct Piece {
      uint64_t end;
      bool mapped;
    };
    const Piece map[] = {{5120, false}, {8192, true}, {16384, false}, {16 * 4096, true}};
    for (const Piece& p : map) {
      if (off < p.end) {
        uint64_t n = p.end - off;
        return backend::MapExtent{p.mapped, n < len ? n : len};
      }
    }
    return backend::MapExtent{true, len};
  };
  Task t = f.run(glbas(0, 8 + 16 * 8), DataDir::kIn, {}, 1024);
  expect_good(t);
  // Block 0 is wholly a hole; block 1 partly: mapped, and joins the data
  // after it; blocks 2-3 are holes; the rest is data.
  EXPECT_EQ(descs(t), (std::vector<Desc>{{0, 1, 1}, {1, 1, 0}, {2, 2, 1}, {4, 12, 0}}));
  LuConfig full = named("full");
  Fixture g(full, 16);
  g.dev->map_fn = f.dev->map_fn;  // not thin: the map is not consulted
  Task m = g.run(glbas(0, 1024), DataDir::kIn, {}, 1024);
  EXPECT_EQ(descs(m), (std::vector<Desc>{{0, 16, 0}}));
}

// The backend answers later (rbd: from its worker thread, posted to the
// reactor): the command completes then, from the answer.
TEST(GetLbaStatusAsync, CompletesWhenTheBackendAnswers) {
  LuConfig cfg = named("thin");
  cfg.thin_provisioned = true;
  Fixture f(cfg, 64);
  f.dev->map_fn = [](uint64_t off, uint64_t len) {
    uint64_t end = off < 8192 ? 8192 : 64 * 512;  // [0, 8K) mapped, the rest deallocated
    uint64_t n = end - off < len ? end - off : len;
    return backend::MapExtent{off < 8192, n};
  };
  f.dev->deferred = true;
  Task t;
  f.prepare(t, glbas(4, 1024), DataDir::kIn, {}, 1024);
  execute(*f.nexus, t);
  EXPECT_EQ(f.owner.done, 0);
  ASSERT_EQ(f.dev->pending_maps.size(), 1u);
  EXPECT_EQ(f.dev->pending_maps.front()->offset, 4u * 512);
  EXPECT_EQ(f.dev->pending_maps.front()->len, 60u * 512);
  f.dev->run_pending();
  EXPECT_EQ(f.owner.done, 1);
  expect_good(t);
  EXPECT_EQ(descs(t), (std::vector<Desc>{{4, 12, 0}, {16, 48, 1}}));

  // A failed query: CHECK CONDITION as a failed read.
  f.dev->deferred = false;
  f.dev->map_error = -EIO;
  expect_sense(f.run(glbas(0, 1024), DataDir::kIn, {}, 1024), SenseKey::kMediumError, asc::kUnrecoveredReadError);
  // Not thin: answered without asking the backend.
  LuConfig full = named("full");
  Fixture g(full, 64);
  Task m = g.run(glbas(0, 1024), DataDir::kIn, {}, 1024);
  EXPECT_EQ(descs(m), (std::vector<Desc>{{0, 64, 0}}));
  EXPECT_EQ(g.dev->map_queries, 0);
}

// An answer covering only part of the range: the descriptors end where it
// ends. 4096-byte blocks over 512-byte pieces alternating data and hole:
// every block is partly mapped; the default answer stops after
// kMapQueryExtents pieces (32 blocks).
TEST(GetLbaStatusAsync, DescriptorsEndWhereAPartialAnswerEnds) {
  LuConfig cfg = named("thin");
  cfg.block_size = 4096;
  cfg.thin_provisioned = true;
  Fixture f(cfg, 64);
  f.dev->map_fn = [](uint64_t off, uint64_t len) {
    uint64_t n = 512 - off % 512;
    return backend::MapExtent{(off / 512) % 2 == 0, n < len ? n : len};
  };
  static_assert(backend::BlockDevice::kMapQueryExtents == 256);
  Task t = f.run(glbas(0, 1024), DataDir::kIn, {}, 1024);
  expect_good(t);
  EXPECT_EQ(descs(t), (std::vector<Desc>{{0, 32, 0}}));
  EXPECT_EQ(f.dev->map_queries, 1);
}

}  // namespace
}  // namespace esan::scsi
