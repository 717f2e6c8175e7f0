// The rbd backend (vdisk_rbd) against a real single-node Ceph cluster
// (ceph_cluster.sh, started once for the binary): config errors, libiscsi
// and qemu-img round trips read back with `rbd export`, discard, a resize
// made with `rbd resize`, the cluster stopped and restarted under I/O, and
// (on the device itself) reads lent in librbd's buffer and writes handing it
// theirs.
// Needs root-free loopback only, Debian's ceph-mon/-osd/-mgr and ceph-common.
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>

#include <atomic>
#include <algorithm>
#include <chrono>
#include <cstring>
#include <future>
#include <optional>
#include <ostream>
#include <thread>

#include <gtest/gtest.h>

#include "backend/rbd_device.h"
#include "common/buffer.h"
#include "reactor/reactor_thread.h"
#include "tests/integration/esand_process.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/mgmt_client.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

constexpr char kIqn[] = "iqn.2026-12.org.esan:rbd";
constexpr size_t kMiB = 1024 * 1024;

std::string g_dir, g_conf;  // the cluster's directory and ceph.conf

std::string Cluster(const std::string& verb) {
  return std::string(CEPH_CLUSTER_SH) + " " + verb + " '" + g_dir + "'";
}
std::string Rbd(const std::string& args) { return "timeout 120 rbd -c '" + g_conf + "' " + args; }

class CephEnv : public ::testing::Environment {
 public:
  void SetUp() override {
    g_dir = MakeTempDir("rbd-ceph") + "/c";
    CommandOutput out = RunCommand("timeout 180 " + Cluster("start"));
    ASSERT_EQ(out.exit_code, 0) << out.output;
    g_conf = g_dir + "/ceph.conf";
    CommandOutput pool = RunCommand("timeout 120 ceph -c '" + g_conf + "' osd pool create rbd 8 && " +
                                    Rbd("pool init rbd"));
    ASSERT_EQ(pool.exit_code, 0) << pool.output;
  }
  void TearDown() override {
    if (!g_dir.empty()) RunCommand(Cluster("destroy"));
  }
};

[[maybe_unused]] const auto* kEnv = ::testing::AddGlobalTestEnvironment(new CephEnv);

void CreateImage(const std::string& image, size_t mib) {
  CommandOutput c = RunCommand(Rbd("create --size " + std::to_string(mib) + "M rbd/" + image));
  ASSERT_EQ(c.exit_code, 0) << c.output;
}

std::string RbdDevice(const std::string& name, const std::string& image, const std::string& extra = "") {
  return "    DEVICE " + name + " {\n        pool rbd\n        image " + image + "\n        ceph_conf " + g_conf +
         "\n        ceph_user admin\n" + extra + "    }\n";
}

std::string RbdConfig(const std::string& devices, const std::string& luns) {
  return Handler("vdisk_rbd", devices) + IscsiDriver(Target(kIqn, luns));
}

// `rbd export` of the image, whole.
std::vector<uint8_t> Export(const std::string& image, const std::string& path) {
  CommandOutput c = RunCommand(Rbd("export --no-progress rbd/" + image + " '" + path + "'"));
  EXPECT_EQ(c.exit_code, 0) << c.output;
  std::string s = ReadFile(path);
  return {s.begin(), s.end()};
}

TEST(Rbd, ConfigErrorsNamePoolImageAndCephError) {
  // A missing image: esand refuses the config, naming pool, image and the error.
  {
    EsandProcess esand("rbd-missing");
    esand.WriteConfig(RbdConfig(RbdDevice("r0", "nosuchimage"), "        LUN 0 r0\n"));
    ExitInfo e = esand.RunToExit(std::chrono::seconds(60));
    ASSERT_TRUE(e.exited) << e.output;
    EXPECT_NE(e.exit_code, 0);
    EXPECT_FALSE(e.accepted_connections);
    EXPECT_NE(e.output.find("rbd image 'rbd/nosuchimage': cannot open the image: No such file or directory"),
              std::string::npos)
        << e.output;
  }
  // An unreachable cluster: a bounded wait (ceph_timeout 3), then an error.
  {
    EsandProcess esand("rbd-unreachable");
    int dead = FreeLoopbackPort();
    std::string conf = esand.Path("dead.conf");
    ASSERT_TRUE(WriteFile(conf, "[global]\nmon host = v2:127.0.0.1:" + std::to_string(dead) +
                                    "\nauth client required = none\nms bind ipv6 = false\n"));
    esand.WriteConfig(Handler("vdisk_rbd", "    DEVICE r0 {\n        pool rbd\n        image x\n        ceph_conf " +
                                               conf + "\n        ceph_timeout 3\n    }\n") +
                      IscsiDriver(Target(kIqn, "        LUN 0 r0\n")));
    auto t0 = std::chrono::steady_clock::now();
    ExitInfo e = esand.RunToExit(std::chrono::seconds(60));
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    ASSERT_TRUE(e.exited) << e.output;
    EXPECT_NE(e.exit_code, 0);
    EXPECT_LT(secs, 30.0) << "the connect timeout was not applied";
    EXPECT_NE(e.output.find("rbd image 'rbd/x': cannot connect to the Ceph cluster as client.admin"),
              std::string::npos)
        << e.output;
  }
  // Parse errors: vdisk_rbd without an image, and rbd attributes elsewhere.
  {
    EsandProcess esand("rbd-parse");
    esand.WriteConfig(Handler("vdisk_rbd", "    DEVICE r0 {\n        pool rbd\n    }\n") +
                      IscsiDriver(Target(kIqn, "        LUN 0 r0\n")));
    ExitInfo e = esand.RunToExit();
    EXPECT_NE(e.output.find("pool and image are required for vdisk_rbd"), std::string::npos) << e.output;
    esand.WriteConfig(Handler("vdisk_nullio", "    DEVICE n0 {\n        pool rbd\n    }\n") +
                      IscsiDriver(Target(kIqn, "        LUN 0 n0\n")));
    e = esand.RunToExit();
    EXPECT_NE(e.output.find("attribute 'pool' is only valid for vdisk_rbd"), std::string::npos) << e.output;
  }
}

TEST(Rbd, LibiscsiRoundTripDiscardAndResize) {
  CreateImage("rt", 32);
  EsandProcess esand("rbd-rt");
  esand.WriteConfig(RbdConfig(RbdDevice("r0", "rt", "        thin_provisioned 1\n"), "        LUN 0 r0\n"));
  ASSERT_TRUE(esand.Start());
  std::string err;
  Context ctx = Login(esand.portal(), kIqn, 0, SessionOptions{}, &err);
  ASSERT_TRUE(ctx) << err;
  ASSERT_TRUE(WaitReady(ctx.get(), 0));
  uint64_t blocks = 0;
  uint32_t bs = 0;
  ASSERT_TRUE(ReadCapacity(ctx.get(), 0, &blocks, &bs));
  EXPECT_EQ(blocks * bs, 32 * kMiB);

  std::vector<uint8_t> data = TestData(32 * kMiB, 20);
  for (size_t off = 0; off < data.size(); off += kMiB) ASSERT_TRUE(Write16(ctx.get(), 0, off / 512, &data[off], kMiB));
  // FUA write of the first block, then SYNCHRONIZE CACHE.
  Task fua(iscsi_write16_sync(ctx.get(), 0, 0, data.data(), 512, 512, 0, 0, 1, 0, 0));
  ASSERT_TRUE(fua && fua->status == SCSI_STATUS_GOOD) << Describe(ctx.get(), fua.get());
  Task sync(iscsi_synchronizecache16_sync(ctx.get(), 0, 0, 0, 0, 0));
  ASSERT_TRUE(sync && sync->status == SCSI_STATUS_GOOD) << Describe(ctx.get(), sync.get());
  std::vector<uint8_t> back;
  ASSERT_TRUE(Read16(ctx.get(), 0, 3 * kMiB / 512, kMiB, &back));
  EXPECT_EQ(FirstDifference(back, std::vector<uint8_t>(data.begin() + 3 * kMiB, data.begin() + 4 * kMiB)),
            std::string::npos);
  std::vector<uint8_t> exported = Export("rt", esand.Path("rt.raw"));
  ASSERT_EQ(exported.size(), data.size());
  EXPECT_EQ(FirstDifference(exported, data), std::string::npos) << "rbd export differs from what was written";

  // UNMAP 1 MiB at 4 MiB: the image reads zeros there.
  unmap_list ul{4 * kMiB / 512, uint32_t(kMiB / 512)};
  Task unmap(iscsi_unmap_sync(ctx.get(), 0, 0, 0, &ul, 1));
  ASSERT_TRUE(unmap && unmap->status == SCSI_STATUS_GOOD) << Describe(ctx.get(), unmap.get());
  std::fill(data.begin() + 4 * kMiB, data.begin() + 5 * kMiB, 0);
  exported = Export("rt", esand.Path("rt2.raw"));
  EXPECT_EQ(FirstDifference(exported, data), std::string::npos) << "after UNMAP";

  // `rbd resize` elsewhere: CAPACITY DATA HAS CHANGED, then the new capacity.
  CommandOutput rs = RunCommand(Rbd("resize --size 48M rbd/rt"));
  ASSERT_EQ(rs.exit_code, 0) << rs.output;
  bool saw_ua = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!saw_ua && std::chrono::steady_clock::now() < deadline) {
    Task tur(iscsi_testunitready_sync(ctx.get(), 0));
    ASSERT_TRUE(tur);
    saw_ua = tur->status == SCSI_STATUS_CHECK_CONDITION && tur->sense.key == SCSI_SENSE_UNIT_ATTENTION &&
             tur->sense.ascq == 0x2A09;
    if (!saw_ua) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_TRUE(saw_ua) << "no CAPACITY DATA HAS CHANGED after rbd resize";
  ASSERT_TRUE(ReadCapacity(ctx.get(), 0, &blocks, &bs));
  EXPECT_EQ(blocks * bs, 48 * kMiB);
  ctx.reset();
  EXPECT_TRUE(esand.Stop());
}

TEST(Rbd, QemuImgRoundTrip) {
  ASSERT_TRUE(OnPath("qemu-img")) << "apt install qemu-utils qemu-block-extra";
  CreateImage("qemu", 16);
  EsandProcess esand("rbd-qemu");
  esand.WriteConfig(RbdConfig(RbdDevice("q0", "qemu"), "        LUN 0 q0\n"));
  ASSERT_TRUE(esand.Start());
  std::vector<uint8_t> src = TestData(16 * kMiB, 77);
  std::string src_path = esand.Path("src.raw"), back_path = esand.Path("back.raw");
  ASSERT_TRUE(WriteFile(src_path, std::string(src.begin(), src.end())));
  std::string url = esand.Url(kIqn, 0);
  CommandOutput to = RunCommand("qemu-img convert -n -f raw -O raw '" + src_path + "' '" + url + "'");
  ASSERT_EQ(to.exit_code, 0) << to.output;
  EXPECT_EQ(FirstDifference(Export("qemu", esand.Path("exp.raw")), src), std::string::npos)
      << "rbd export differs from the source qemu-img wrote";
  CommandOutput from = RunCommand("qemu-img convert -f raw -O raw '" + url + "' '" + back_path + "'");
  ASSERT_EQ(from.exit_code, 0) << from.output;
  std::string back = ReadFile(back_path);
  EXPECT_EQ(FirstDifference(std::vector<uint8_t>(back.begin(), back.end()), src), std::string::npos)
      << "qemu-img's copy from the LU differs from the source";
  EXPECT_TRUE(esand.Stop());
}

struct LbaStatus {
  uint64_t lba;
  uint32_t blocks;
  bool mapped;
  bool operator==(const LbaStatus&) const = default;
};
void PrintTo(const LbaStatus& d, std::ostream* os) {
  *os << "{" << d.lba << ", " << d.blocks << ", " << (d.mapped ? "mapped" : "deallocated") << "}";
}

// GET LBA STATUS from `lba` (up to 16 descriptors).
std::vector<LbaStatus> GetLbaStatus(iscsi_context* ctx, uint64_t lba) {
  std::vector<LbaStatus> v;
  Task t(iscsi_get_lba_status_sync(ctx, 0, lba, 8 + 16 * 16));
  EXPECT_TRUE(t && t->status == SCSI_STATUS_GOOD) << Describe(ctx, t.get());
  if (!t || t->status != SCSI_STATUS_GOOD) return v;
  auto* s = static_cast<scsi_get_lba_status*>(scsi_datain_unmarshall(t.get()));
  EXPECT_NE(s, nullptr);
  for (uint32_t i = 0; s && i < s->num_descriptors; ++i)
    v.push_back({s->descriptors[i].lba, s->descriptors[i].num_blocks,
                 s->descriptors[i].provisioning == SCSI_PROVISIONING_TYPE_MAPPED});
  return v;
}

// GET LBA STATUS on a thin vdisk_rbd LU reports the image's allocation
// (librbd's diff_iterate2): written objects mapped, never-written and unmapped
// whole objects deallocated.
TEST(Rbd, GetLbaStatusFollowsTheImagesAllocation) {
  CreateImage("alloc", 32);  // 8 objects of 4 MiB
  EsandProcess esand("rbd-alloc");
  esand.WriteConfig(RbdConfig(RbdDevice("r0", "alloc", "        thin_provisioned 1\n"), "        LUN 0 r0\n"));
  ASSERT_TRUE(esand.Start());
  std::string err;
  Context ctx = Login(esand.portal(), kIqn, 0, SessionOptions{}, &err);
  ASSERT_TRUE(ctx) << err;
  ASSERT_TRUE(WaitReady(ctx.get(), 0));
  constexpr uint32_t kObj = 4 * kMiB / 512;  // blocks per object
  EXPECT_EQ(GetLbaStatus(ctx.get(), 0), (std::vector<LbaStatus>{{0, 8 * kObj, false}}));

  std::vector<uint8_t> data = TestData(12 * kMiB, 9);  // objects 0-2
  for (size_t off = 0; off < data.size(); off += kMiB) ASSERT_TRUE(Write16(ctx.get(), 0, off / 512, &data[off], kMiB));
  EXPECT_EQ(GetLbaStatus(ctx.get(), 0), (std::vector<LbaStatus>{{0, 3 * kObj, true}, {3 * kObj, 5 * kObj, false}}));

  // UNMAP object 1: deallocated there, mapped on either side.
  unmap_list ul{kObj, kObj};
  Task unmap(iscsi_unmap_sync(ctx.get(), 0, 0, 0, &ul, 1));
  ASSERT_TRUE(unmap && unmap->status == SCSI_STATUS_GOOD) << Describe(ctx.get(), unmap.get());
  EXPECT_EQ(GetLbaStatus(ctx.get(), 0),
            (std::vector<LbaStatus>{{0, kObj, true}, {kObj, kObj, false}, {2 * kObj, kObj, true},
                                    {3 * kObj, 5 * kObj, false}}));
  // From inside the unmapped object: its first descriptor starts there.
  std::vector<LbaStatus> mid = GetLbaStatus(ctx.get(), kObj + 100);
  ASSERT_FALSE(mid.empty());
  EXPECT_EQ(mid[0], (LbaStatus{kObj + 100, kObj - 100, false}));
  // The unmapped object reads zeros, its neighbours what was written.
  std::vector<uint8_t> back;
  ASSERT_TRUE(Read16(ctx.get(), 0, kObj - 8, 16 * 512, &back));
  EXPECT_EQ(FirstDifference(std::vector<uint8_t>(back.begin(), back.begin() + 8 * 512),
                            std::vector<uint8_t>(data.begin() + (kObj - 8) * 512, data.begin() + kObj * 512)),
            std::string::npos);
  EXPECT_EQ(FirstDifference(std::vector<uint8_t>(back.begin() + 8 * 512, back.end()),
                            std::vector<uint8_t>(8 * 512, 0)),
            std::string::npos);
  ctx.reset();
  EXPECT_TRUE(esand.Stop());
}

// The INFORMATION field of a CHECK CONDITION's sense (fixed or descriptor
// format), as libiscsi keeps the raw sense in datain (2-byte length first).
std::optional<uint64_t> SenseInformation(const scsi_task* t) {
  if (!t || t->datain.size < 2 + 8) return std::nullopt;
  const uint8_t* s = t->datain.data + 2;
  size_t n = size_t(t->datain.size) - 2;
  if ((s[0] & 0x7F) == 0x70 && (s[0] & 0x80))
    return uint64_t(s[3]) << 24 | uint64_t(s[4]) << 16 | uint64_t(s[5]) << 8 | s[6];
  if ((s[0] & 0x7F) == 0x72) {
    for (size_t off = 8; off + 12 <= n; off += 2 + s[off + 1]) {
      if (s[off] != 0) continue;
      uint64_t v = 0;
      for (int i = 0; i < 8; ++i) v = v << 8 | s[off + 4 + i];
      return v;
    }
  }
  return std::nullopt;
}

// COMPARE AND WRITE of one 512-byte block goes through librbd's
// compare-and-write (its debug line names the result); a miscompare's
// INFORMATION is librbd's offset of the first difference. Two blocks leave
// librbd's limit (one sector) and take the SCSI layer's read-compare-write.
TEST(Rbd, CompareAndWriteThroughLibrbd) {
  CreateImage("caw", 8);
  EsandProcess esand("rbd-caw");
  esand.WriteConfig(RbdConfig(RbdDevice("r0", "caw"), "        LUN 0 r0\n"));
  ASSERT_TRUE(esand.Start());  // esand logs at debug level in tests
  std::string err;
  Context ctx = Login(esand.portal(), kIqn, 0, SessionOptions{}, &err);
  ASSERT_TRUE(ctx) << err;
  ASSERT_TRUE(WaitReady(ctx.get(), 0));
  std::vector<uint8_t> a(1024, 'A'), b(1024, 'B');
  ASSERT_TRUE(Write16(ctx.get(), 0, 10, a.data(), 1024));
  auto caw = [&](uint64_t lba, const std::vector<uint8_t>& verify, const std::vector<uint8_t>& write) {
    std::vector<uint8_t> buf = verify;
    buf.insert(buf.end(), write.begin(), write.end());
    return Task(iscsi_compareandwrite_sync(ctx.get(), 0, lba, buf.data(), uint32_t(buf.size()), 512, 0, 0, 0, 0, 0));
  };
  std::vector<uint8_t> a1(a.begin(), a.begin() + 512), b1(b.begin(), b.begin() + 512);
  Task ok = caw(10, a1, b1);
  ASSERT_TRUE(ok && ok->status == SCSI_STATUS_GOOD) << Describe(ctx.get(), ok.get());
  std::vector<uint8_t> verify = b1;
  verify[7] ^= 0x20;
  Task mis = caw(10, verify, a1);
  ASSERT_TRUE(mis);
  EXPECT_EQ(mis->status, SCSI_STATUS_CHECK_CONDITION) << Describe(ctx.get(), mis.get());
  EXPECT_EQ(mis->sense.key, SCSI_SENSE_MISCOMPARE) << Describe(ctx.get(), mis.get());
  EXPECT_EQ(mis->sense.ascq, 0x1D00);
  EXPECT_EQ(SenseInformation(mis.get()), std::optional<uint64_t>(7));
  // Two blocks: the SCSI layer's read-compare-write, same answers.
  std::vector<uint8_t> v2 = b1;
  v2.insert(v2.end(), a.begin(), a.begin() + 512);  // blocks 10 (B) and 11 (A)
  Task ok2 = caw(10, v2, std::vector<uint8_t>(1024, 'C'));
  ASSERT_TRUE(ok2 && ok2->status == SCSI_STATUS_GOOD) << Describe(ctx.get(), ok2.get());
  v2.assign(1024, 'C');
  v2[600] = 'x';
  Task mis2 = caw(10, v2, a);
  ASSERT_TRUE(mis2);
  EXPECT_EQ(mis2->sense.key, SCSI_SENSE_MISCOMPARE) << Describe(ctx.get(), mis2.get());
  EXPECT_EQ(SenseInformation(mis2.get()), std::optional<uint64_t>(600));
  std::vector<uint8_t> exported = Export("caw", esand.Path("caw.raw"));
  ASSERT_GE(exported.size(), 12u * 512);
  EXPECT_EQ(FirstDifference(std::vector<uint8_t>(exported.begin() + 10 * 512, exported.begin() + 12 * 512),
                            std::vector<uint8_t>(1024, 'C')),
            std::string::npos);
  ctx.reset();
  EXPECT_TRUE(esand.Stop());
  std::string out = esand.Output();
  EXPECT_NE(out.find("rbd image 'rbd/caw': librbd compare-and-write of 512 bytes at 5120: written"), std::string::npos)
      << out;
  EXPECT_NE(out.find("rbd image 'rbd/caw': librbd compare-and-write of 512 bytes at 5120: miscompare at byte 7"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("librbd compare-and-write of 1024 bytes"), std::string::npos) << out;
}

// The device itself, in this process (no esand): a new 8 MiB image per
// test (Open), a reactor to submit from, 1 MiB buffers with a pattern.
class RbdDeviceTest : public ::testing::Test {
 protected:
  static constexpr uint32_t kLen = 1 << 20;

  void Open(const std::string& image) {
    CreateImage(image, 8);
    backend::RbdOptions o{.device = "r0", .pool = "rbd", .image = image, .ceph_conf = g_conf, .ceph_user = "admin"};
    auto opened = backend::open_rbd_device(o);
    ASSERT_TRUE(opened) << opened.error().message;
    dev = std::move(*opened);
  }

  // One request from the reactor's thread; waits for on_done and returns
  // its result.
  int Submit(backend::IoRequest& req) {
    std::promise<int> done;
    req.user = &done;
    req.reactor = &r.reactor();
    req.on_done = [](backend::IoRequest& q, int res) { static_cast<std::promise<int>*>(q.user)->set_value(res); };
    auto result = done.get_future();
    r.call([&] { dev->submit(req); });
    if (result.wait_for(std::chrono::seconds(60)) != std::future_status::ready) {
      ADD_FAILURE() << "no completion within 60 s";
      std::abort();  // req and done would be written after return
    }
    return result.get();
  }

  static void Fill(AlignedBuffer& b, uint32_t seed) {
    for (uint32_t i = 0; i < b.size(); ++i) b.data()[i] = uint8_t(i * seed + i / 4096);
  }

  reactor::ReactorThread r;
  std::unique_ptr<backend::BlockDevice> dev;  // destroyed first: flushed and closed before the reactor stops
};

// Reads come back in librbd's own buffer: lent (IoRequest::shared + lease)
// when the submitter takes it, as a READ does, so its Data-In is sent
// without a copy; copied into buf otherwise (VERIFY, COMPARE AND WRITE).
TEST_F(RbdDeviceTest, ReadsLendLibrbdsBufferWhenTheSubmitterTakesIt) {
  ASSERT_NO_FATAL_FAILURE(Open("lend"));
  AlignedBuffer pattern(kLen), buf(kLen);
  Fill(pattern, 7);
  backend::IoRequest w{.op = backend::IoOp::kWrite, .offset = kLen, .len = kLen, .buf = pattern.data()};
  ASSERT_EQ(Submit(w), int(kLen));

  std::memset(buf.data(), 0xee, kLen);
  backend::IoRequest lent{.op = backend::IoOp::kRead, .offset = kLen, .len = kLen, .buf = buf.data(),
                          .may_share = true};
  ASSERT_EQ(Submit(lent), int(kLen));
  ASSERT_NE(lent.shared, nullptr) << "a 1 MiB read inside one object arrives in one piece and is lent";
  EXPECT_NE(lent.lease, nullptr) << "lent bytes come with what keeps them alive";
  EXPECT_EQ(std::memcmp(lent.shared, pattern.data(), kLen), 0);
  EXPECT_EQ(buf.data()[0], 0xee) << "buf is left alone when the bytes are lent";

  backend::IoRequest own{.op = backend::IoOp::kRead, .offset = kLen + 4096, .len = 8192, .buf = buf.data()};
  ASSERT_EQ(Submit(own), 8192);
  EXPECT_EQ(own.shared, nullptr);
  EXPECT_EQ(own.lease, nullptr);
  EXPECT_EQ(std::memcmp(buf.data(), pattern.data() + 4096, 8192), 0) << "not taken: copied into buf";

  // The lent bytes outlive the request and a later write over them.
  auto held = lent.lease;
  const uint8_t* bytes = lent.shared;
  lent = backend::IoRequest{};
  AlignedBuffer other(kLen);
  std::memset(other.data(), 0x5a, kLen);
  backend::IoRequest w2{.op = backend::IoOp::kWrite, .offset = kLen, .len = kLen, .buf = other.data()};
  ASSERT_EQ(Submit(w2), int(kLen));
  EXPECT_EQ(std::memcmp(bytes, pattern.data(), kLen), 0) << "a lease holds a snapshot of the read";

  // Never written: zeros, lent or copied.
  std::memset(buf.data(), 0xee, kLen);
  backend::IoRequest hole{.op = backend::IoOp::kRead, .offset = 4 * kLen, .len = kLen, .buf = buf.data(),
                          .may_share = true};
  ASSERT_EQ(Submit(hole), int(kLen));
  const uint8_t* got = hole.shared ? hole.shared : buf.data();
  EXPECT_TRUE(std::all_of(got, got + kLen, [](uint8_t b) { return b == 0; }));
}

// A write whose submitter gives its buffer (IoRequest::give: a plain
// WRITE's) hands that storage to librbd, which keeps it until the OSD has
// it; the submitter gets a fresh buffer of the same size. Without give,
// librbd gets a copy and buf stays the submitter's.
TEST_F(RbdDeviceTest, WritesTakeAGivenBufferInsteadOfCopying) {
  ASSERT_NO_FATAL_FAILURE(Open("take"));
  AlignedBuffer expect(kLen), given(kLen);
  Fill(expect, 13);
  std::memcpy(given.data(), expect.data(), kLen);
  const uint8_t* storage = given.data();
  backend::IoRequest w{.op = backend::IoOp::kWrite, .offset = 2 * kLen, .len = kLen, .buf = given.data(),
                       .give = &given};
  ASSERT_EQ(Submit(w), int(kLen));
  EXPECT_NE(given.data(), storage) << "the storage went to librbd";
  EXPECT_EQ(given.size(), size_t(kLen)) << "a fresh buffer of the same size in its place";
  std::memset(given.data(), 0x33, kLen);  // the submitter's new buffer is its own

  AlignedBuffer kept(kLen);
  std::memset(kept.data(), 0x44, kLen);
  backend::IoRequest copy{.op = backend::IoOp::kWrite, .offset = 3 * kLen, .len = kLen, .buf = kept.data()};
  ASSERT_EQ(Submit(copy), int(kLen));
  std::memset(kept.data(), 0x55, kLen);  // librbd had its own copy

  AlignedBuffer buf(2 * kLen);
  backend::IoRequest rd{.op = backend::IoOp::kRead, .offset = 2 * kLen, .len = 2 * kLen, .buf = buf.data()};
  ASSERT_EQ(Submit(rd), int(2 * kLen));
  EXPECT_EQ(std::memcmp(buf.data(), expect.data(), kLen), 0) << "the given bytes, as they were";
  EXPECT_TRUE(std::all_of(buf.data() + kLen, buf.data() + 2 * kLen, [](uint8_t b) { return b == 0x44; }));
}

// The management API: add a vdisk_rbd device (and refuse one whose image is
// missing, naming it), map it, grow it (the image grows).
TEST(Rbd, ManagementApiAddAndResize) {
  CreateImage("api", 16);
  EsandProcess esand("rbd-api");
  esand.WriteConfig(Handler("vdisk_nullio", NullioDevice("n0", 16)) + IscsiDriver(Target(kIqn, "        LUN 0 n0\n")));
  ASSERT_TRUE(esand.Start());
  MgmtClient api(esand.mgmt_socket());
  nlohmann::json attrs = {{"pool", "rbd"}, {"image", "nosuch"}, {"ceph_conf", g_conf}};
  HttpResult bad = api.Post("/v1/devices", {{"name", "r1"}, {"handler", "vdisk_rbd"}, {"attributes", attrs}});
  EXPECT_EQ(bad.status, 500) << bad.Describe();
  EXPECT_NE(bad.body.find("rbd image 'rbd/nosuch': cannot open the image: No such file or directory"),
            std::string::npos)
      << bad.Describe();
  EXPECT_EQ(api.Get("/v1/devices/r1").status, 404) << "a refused device was half-applied";
  attrs["image"] = "api";
  HttpResult add = api.Post("/v1/devices", {{"name", "r1"}, {"handler", "vdisk_rbd"}, {"attributes", attrs}});
  ASSERT_EQ(add.status, 200) << add.Describe();
  HttpResult lun = api.Post(std::string("/v1/targets/") + kIqn + "/luns", {{"lun", 1}, {"device", "r1"}});
  ASSERT_EQ(lun.status, 200) << lun.Describe();
  HttpResult dev = api.Get("/v1/devices/r1");
  EXPECT_EQ(dev.json["handler"], "vdisk_rbd") << dev.Describe();
  EXPECT_EQ(dev.json["size_bytes"], 16 * kMiB) << dev.Describe();
  HttpResult rs = api.Post("/v1/devices/r1/resize", {{"size_mb", 24}});
  ASSERT_EQ(rs.status, 200) << rs.Describe();
  CommandOutput info = RunCommand(Rbd("info rbd/api"));
  EXPECT_NE(info.output.find("size 24 MiB"), std::string::npos) << info.output;
  std::string err;
  Context ctx = Login(esand.portal(), kIqn, 1, SessionOptions{}, &err);
  ASSERT_TRUE(ctx) << err;
  ASSERT_TRUE(WaitReady(ctx.get(), 1));
  uint64_t blocks = 0;
  uint32_t bs = 0;
  ASSERT_TRUE(ReadCapacity(ctx.get(), 1, &blocks, &bs));
  EXPECT_EQ(blocks * bs, 24 * kMiB);
  std::vector<uint8_t> data = TestData(kMiB, 9);
  ASSERT_TRUE(Write16(ctx.get(), 1, 20 * kMiB / 512, data.data(), data.size()));
  std::vector<uint8_t> exported = Export("api", esand.Path("api.raw"));
  ASSERT_EQ(exported.size(), 24 * kMiB);
  EXPECT_EQ(FirstDifference(std::vector<uint8_t>(exported.begin() + 20 * kMiB, exported.begin() + 21 * kMiB), data),
            std::string::npos);
  ctx.reset();
  EXPECT_TRUE(esand.Stop());
}

// The cluster stops under I/O: commands fail with NOT READY, BECOMING READY
// (04h/01h, retryable), esand stays up, and I/O succeeds again once the
// cluster is back; the data written afterwards reaches the image. With
// write_through 1 (librbd's cache off) every write goes to the cluster; with
// the write-back cache, overwrites of cached blocks would be acknowledged
// from the cache while the cluster is away (WCE 1), as a disk's cache does.
TEST(Rbd, ClusterRestartUnderIo) {
  CreateImage("rs", 8);
  EsandProcess esand("rbd-restart");
  esand.WriteConfig(RbdConfig(RbdDevice("r0", "rs", "        ceph_timeout 3\n        write_through 1\n"), "        LUN 0 r0\n"));
  ASSERT_TRUE(esand.Start());
  std::string err;
  Context ctx = Login(esand.portal(), kIqn, 0, SessionOptions{}, &err);
  ASSERT_TRUE(ctx) << err;
  ASSERT_TRUE(WaitReady(ctx.get(), 0));
  std::vector<uint8_t> block = TestData(64 * 1024, 5);
  ASSERT_TRUE(Write16(ctx.get(), 0, 0, block.data(), block.size()));

  std::atomic<bool> stop{false};
  std::atomic<int> good{0}, not_ready{0}, other{0};
  std::string other_desc;
  std::thread io([&] {
    std::string e;
    Context c = Login(esand.portal(), kIqn, 0, SessionOptions{}, &e);
    if (!c) {
      ++other;
      other_desc = e;
      return;
    }
    for (uint64_t i = 0; !stop; ++i) {
      Task t = Write16Task(c.get(), 0, 128 + (i % 64) * 128, block.data(), block.size());
      if (t && t->status == SCSI_STATUS_GOOD) {
        ++good;
      } else if (t && t->status == SCSI_STATUS_CHECK_CONDITION && t->sense.key == SCSI_SENSE_NOT_READY &&
                 t->sense.ascq == 0x0401) {
        ++not_ready;
      } else {
        ++other;
        if (other_desc.empty()) other_desc = Describe(c.get(), t.get());
      }
    }
  });
  while (good < 20) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CommandOutput s = RunCommand(Cluster("stop"));
  ASSERT_EQ(s.exit_code, 0) << s.output;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (not_ready == 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_GT(not_ready.load(), 0) << "no retryable status while the cluster was down";
  EXPECT_TRUE(esand.Running());
  int before = good;
  CommandOutput r = RunCommand("timeout 120 " + Cluster("restart"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (good < before + 20 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  stop = true;
  io.join();
  EXPECT_GE(good.load(), before + 20) << "I/O did not resume after the cluster came back";
  EXPECT_EQ(other.load(), 0) << other_desc;
  // health_failed when it stopped answering, health_recovered when it came back.
  MgmtClient api(esand.mgmt_socket());
  HttpResult ev = api.Get("/v1/events");
  ASSERT_EQ(ev.status, 200) << ev.Describe();
  int failed = 0, recovered = 0;
  for (const auto& e : ev.json["events"]) {
    if (e["fields"].value("device", "") != "r0") continue;
    if (e["kind"] == "health_failed") {
      ++failed;
      EXPECT_EQ(e["fields"].value("path", ""), "rbd:rbd/rs") << e.dump();
      EXPECT_EQ(recovered, 0) << "recovered before it failed";
    }
    if (e["kind"] == "health_recovered") ++recovered;
  }
  EXPECT_EQ(failed, 1) << ev.body;
  EXPECT_EQ(recovered, 1) << ev.body;
  // A last write reaches the image.
  std::vector<uint8_t> last = TestData(64 * 1024, 6);
  ASSERT_TRUE(Write16(ctx.get(), 0, 0, last.data(), last.size()));
  std::vector<uint8_t> exported = Export("rs", esand.Path("rs.raw"));
  ASSERT_GE(exported.size(), last.size());
  EXPECT_EQ(FirstDifference(std::vector<uint8_t>(exported.begin(), exported.begin() + long(last.size())), last),
            std::string::npos);
  ctx.reset();
  EXPECT_TRUE(esand.Stop());
}

}  // namespace
}  // namespace esan::it
