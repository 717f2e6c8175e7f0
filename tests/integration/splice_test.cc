// READ data spliced from the page cache to the socket (transport/iscsi/
// connection.h, "spliced READ data"; backend/block_device.h, splice_to):
// byte-exact reads from file LUs on tmpfs (spliced inline) and on a disk
// file system (spliced by io_uring's workers), at offsets that do not start
// on a page, across holes and past the end of a file cut short behind
// esand's back; GET /v1/sessions counts exactly the bytes that were spliced,
// a null LU is offered no pipe, and a session with a data digest has its
// reads sent from buffers.
#include <fcntl.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/integration/esand_process.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/mgmt_client.h"
#include "tests/integration/raw_iscsi.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

constexpr char kIqn[] = "iqn.2026-12.org.esan:splice";
constexpr char kInitiator[] = "iqn.2026-12.org.esan.test:splicer";
constexpr size_t kKiB = 1024, kMiB = 1024 * kKiB;

bool OnTmpfs(const std::string& dir) {
  struct statfs fs {};
  return statfs(dir.c_str(), &fs) == 0 && fs.f_type == TMPFS_MAGIC;
}

// A scratch directory on tmpfs (/dev/shm), removed with the test.
class ShmDir {
 public:
  explicit ShmDir(const std::string& tag) {
    std::string tmpl = "/dev/shm/esan-" + tag + "-XXXXXX";
    if (mkdtemp(tmpl.data())) path_ = tmpl;
  }
  ~ShmDir() {
    if (!path_.empty()) std::system(("rm -rf '" + path_ + "'").c_str());
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// The room esand's pipes get (connection_splice.cc): 2 MiB when this
// process (and so esand, its child) may go past pipe-max-size, else 1 MiB.
uint32_t PipeRoom() {
  int fds[2];
  if (pipe(fds) != 0) return 0;
  int room = fcntl(fds[1], F_SETPIPE_SZ, 2 << 20);
  if (room < 0) room = fcntl(fds[1], F_SETPIPE_SZ, 1 << 20);
  close(fds[0]);
  close(fds[1]);
  return room < 0 ? 0 : uint32_t(room);
}

// Whether a READ of len bytes at off fits a pipe of `room` (a page per slot).
bool FitsPipe(uint64_t off, size_t len, uint32_t room) {
  uint64_t pages = (off + len + 4095) / 4096 - off / 4096;
  return pages * 4096 <= room;
}

// read_spliced_bytes of every session of esand, summed.
uint64_t SplicedBytes(MgmtClient& api) {
  auto list = api.Get("/v1/sessions");
  EXPECT_EQ(list.status, 200) << list.body;
  uint64_t sum = 0;
  if (!list.json.is_array()) return sum;
  for (const auto& s : list.json) sum += s["counters"].value("read_spliced_bytes", uint64_t{0});
  return sum;
}

struct Lu {
  std::string image;
  int lun;
};

// Two LUs of 32 MiB: LUN 0 a file on tmpfs, LUN 1 a file beside esand's
// other files (a disk file system).
class SplicedReads : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(shm_.path().empty()) << "cannot make a directory in /dev/shm";
    ASSERT_TRUE(OnTmpfs(shm_.path())) << "/dev/shm is not tmpfs here; the inline splice needs it";
    lus_ = {{shm_.path() + "/mem.img", 0}, {esand_.Path("disk.img"), 1}};
    ASSERT_FALSE(OnTmpfs(esand_.dir())) << esand_.dir() << " is tmpfs: the ring's splice would go untested";
    for (const Lu& lu : lus_) ASSERT_TRUE(MakeSparseFile(lu.image, 32 * kMiB));
    esand_.WriteConfig(Handler("vdisk_fileio", FileioDevice("mem", lus_[0].image, {}) +
                                                   FileioDevice("disk", lus_[1].image, {})) +
                       Handler("vdisk_nullio", NullioDevice("zero", 32)) +
                       IscsiDriver(Target(kIqn, "        LUN 0 mem\n        LUN 1 disk\n        LUN 2 zero\n")));
    ASSERT_TRUE(esand_.Start());
  }
  void TearDown() override { EXPECT_TRUE(esand_.Stop()); }
  Context Connect(int lun) {
    SessionOptions o;
    o.initiator = kInitiator;
    std::string err;
    Context c = Login(esand_.portal(), kIqn, lun, o, &err);
    EXPECT_TRUE(c) << err;
    for (int other : {0, 1, 2})
      if (c && other != lun) EXPECT_TRUE(WaitReady(c.get(), other));
    return c;
  }

  ShmDir shm_{"splice"};
  EsandProcess esand_{"splice"};
  MgmtClient api_{esand_.mgmt_socket()};
  std::vector<Lu> lus_;
};

TEST_F(SplicedReads, ReadBackExactlyOnTmpfsAndDisk) {
  Context c = Connect(0);
  ASSERT_TRUE(c);
  // 4 MiB of data at the start, 1 MiB at 8 MiB; a hole between them.
  std::vector<uint8_t> head = TestData(4 * kMiB, 71), far = TestData(kMiB, 72);
  for (const Lu& lu : lus_) {
    for (size_t off = 0; off < head.size(); off += kMiB)
      ASSERT_TRUE(Write16(c.get(), lu.lun, off / 512, head.data() + off, kMiB));
    ASSERT_TRUE(Write16(c.get(), lu.lun, 8 * kMiB / 512, far.data(), kMiB));
  }
  auto expected = [&](uint64_t off, size_t len) {
    std::vector<uint8_t> want(len, 0);
    for (size_t i = 0; i < len; ++i) {
      uint64_t at = off + i;
      if (at < head.size()) want[i] = head[at];
      else if (at >= 8 * kMiB && at < 9 * kMiB) want[i] = far[at - 8 * kMiB];
    }
    return want;
  };
  struct Case {
    uint64_t off;
    size_t len;
  };
  // Page-aligned; 512 bytes off a page (257 pages for 1 MiB: spliced only
  // when the pipe has 2 MiB; 256 pages for 1 MiB - 4 KiB); the smallest
  // spliced length; data into a hole; a hole into data; all hole.
  const Case cases[] = {{0, kMiB},
                        {512, kMiB},
                        {512, kMiB - 4 * kKiB},
                        {3 * kMiB + 1536, 64 * kKiB},
                        {4 * kMiB - 128 * kKiB, 512 * kKiB},
                        {8 * kMiB - 64 * kKiB, 256 * kKiB},
                        {6 * kMiB, kMiB}};
  uint32_t room = PipeRoom();
  ASSERT_GE(room, 1u << 20);
  uint64_t before = SplicedBytes(api_), spliced = 0;
  EXPECT_EQ(before, 0u);
  for (int round = 0; round < 2; ++round) {  // the second round reuses the pooled pipes
    for (const Lu& lu : lus_) {
      for (const Case& k : cases) {
        std::vector<uint8_t> back;
        ASSERT_TRUE(Read16(c.get(), lu.lun, k.off / 512, k.len, &back)) << lu.image << " @" << k.off;
        size_t d = FirstDifference(back, expected(k.off, k.len));
        ASSERT_EQ(d, std::string::npos) << lu.image << ": READ of " << k.len << " at " << k.off
                                        << " differs at byte " << d;
        if (FitsPipe(k.off, k.len, room)) spliced += k.len;
      }
    }
  }
  // Below the threshold: read through the task's buffer, not counted.
  std::vector<uint8_t> small;
  ASSERT_TRUE(Read16(c.get(), 1, 0, 60 * kKiB, &small));
  EXPECT_EQ(FirstDifference(small, expected(0, 60 * kKiB)), std::string::npos);
  EXPECT_GT(spliced, 0u);
  EXPECT_EQ(SplicedBytes(api_), spliced) << "every READ of 64 KiB or more that fits the pipe is spliced, and "
                                            "nothing else (pipe room " << room << ")";
}

// Pipes esand holds (entries of /proc/PID/fd that are pipes).
int OpenPipes(pid_t pid) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    std::error_code ec;
    auto target = std::filesystem::read_symlink(e.path(), ec);
    n += !ec && target.string().rfind("pipe:", 0) == 0;
  }
  return n;
}

// A null LU never splices (it sends shared zeros): its READs are offered no
// pipe, so reading from it opens none; the first large READ from a file LU
// opens one (two descriptors), which the next one reuses.
TEST_F(SplicedReads, OnlyDevicesThatSpliceAreOfferedPipes) {
  Context c = Connect(0);
  ASSERT_TRUE(c);
  int idle = OpenPipes(esand_.pid());
  std::vector<uint8_t> back;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(Read16(c.get(), 2, uint64_t(i) * 2048, kMiB, &back));
  EXPECT_TRUE(std::all_of(back.begin(), back.end(), [](uint8_t b) { return b == 0; }));
  EXPECT_EQ(OpenPipes(esand_.pid()), idle) << "READs from the null LU opened pipes";
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(Read16(c.get(), 0, uint64_t(i) * 2048, kMiB, &back));
  EXPECT_EQ(OpenPipes(esand_.pid()), idle + 2) << "one pooled pipe for READs one at a time";
  EXPECT_EQ(SplicedBytes(api_), 4 * kMiB);
}

TEST_F(SplicedReads, PastTheEndOfAFileCutShortReadsZeros) {
  Context c = Connect(0);
  ASSERT_TRUE(c);
  std::vector<uint8_t> data = TestData(2 * kMiB, 81);
  for (const Lu& lu : lus_) {
    ASSERT_TRUE(Write16(c.get(), lu.lun, 0, data.data(), kMiB));
    ASSERT_TRUE(Write16(c.get(), lu.lun, kMiB / 512, data.data() + kMiB, kMiB));
    // Behind esand's back: the file ends 1 MiB + 4 KiB + 512 in.
    ASSERT_EQ(truncate(lu.image.c_str(), off_t(kMiB + 4608)), 0);
  }
  // The file's last page is part-filled, so its zeros start a page of their
  // own in the pipe: 1 MiB from there needs 257 pages. With a 1 MiB pipe
  // that READ fails to splice part way and is read into its buffer instead.
  uint32_t room = PipeRoom();
  uint64_t spliced = 0;
  for (size_t len : {512 * kKiB, kMiB}) {
    for (const Lu& lu : lus_) {
      std::vector<uint8_t> back;
      ASSERT_TRUE(Read16(c.get(), lu.lun, kMiB / 512, len, &back)) << lu.image;
      std::vector<uint8_t> want(len, 0);
      std::copy(data.begin() + long(kMiB), data.begin() + long(kMiB + 4608), want.begin());
      size_t d = FirstDifference(back, want);
      EXPECT_EQ(d, std::string::npos) << lu.image << ": READ of " << len << " differs at byte " << d;
      if (len < kMiB || room > kMiB) spliced += len;
    }
  }
  EXPECT_EQ(SplicedBytes(api_), spliced) << "pipe room " << room;
}

TEST_F(SplicedReads, DataDigestSessionsReadFromBuffers) {
  raw::Session s;
  raw::Session::Params p;
  p.target = kIqn;
  p.data_digest = "CRC32C";
  std::map<std::string, std::string> keys;
  ASSERT_TRUE(s.Login(esand_.port(), p, &keys));
  ASSERT_EQ(keys["DataDigest"], "CRC32C");
  for (int lun : {0, 1, 2}) ASSERT_TRUE(s.WaitReady(lun));
  for (const Lu& lu : lus_) {
    std::vector<uint8_t> data = TestData(kMiB, 90 + lu.lun);
    ASSERT_TRUE(s.Write16(lu.lun, 64, data));
    std::vector<uint8_t> back;
    ASSERT_TRUE(s.Read16(lu.lun, 64, kMiB, &back));  // every Data-In's digest is checked
    EXPECT_EQ(FirstDifference(back, data), std::string::npos) << lu.image;
  }
  EXPECT_EQ(SplicedBytes(api_), 0u);
}

}  // namespace
}  // namespace esan::it
