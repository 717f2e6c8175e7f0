#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <thread>
#include <vector>

#include "backend/block_device.h"
#include "backend/uring_device.h"
#include "common/buffer.h"
#include "reactor/reactor.h"
#include "reactor/reactor_thread.h"

namespace esan::backend {
namespace {

struct Done {
  int result = 1;
  int calls = 0;
};

void record(IoRequest& req, int result) {
  auto* d = static_cast<Done*>(req.user);
  d->result = result;
  d->calls++;
}

std::string temp_file(size_t size) {
  char path[] = "/tmp/esan-backend-XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(ftruncate(fd, off_t(size)), 0);
  close(fd);
  return path;
}

TEST(NullDevice, ReadsZerosInline) {
  auto dev = make_null_device(1 << 20);
  AlignedBuffer buf(4096);
  std::memset(buf.data(), 0xab, 4096);
  Done d;
  IoRequest req{.op = IoOp::kRead, .offset = 0, .len = 4096, .buf = buf.data(), .on_done = record, .user = &d};
  dev->submit(req);
  EXPECT_EQ(d.calls, 1);
  EXPECT_EQ(d.result, 4096);
  EXPECT_EQ(buf.data()[100], 0);
  EXPECT_EQ(dev->size_bytes(), 1u << 20);
}

TEST(NullDevice, SharesZerosOnlyWhenTheSubmitterAccepts) {
  auto dev = make_null_device(64 << 20);
  AlignedBuffer buf(1 << 20);
  std::memset(buf.data(), 0xab, buf.size());
  Done d;
  IoRequest req{.op = IoOp::kRead, .offset = 0, .len = 1 << 20, .buf = buf.data(), .may_share = true,
                .on_done = record, .user = &d};
  dev->submit(req);
  EXPECT_EQ(d.result, 1 << 20);
  ASSERT_NE(req.shared, nullptr);
  EXPECT_TRUE(std::all_of(req.shared, req.shared + req.len, [](uint8_t b) { return b == 0; }));
  EXPECT_EQ(buf.data()[0], 0xab) << "buf is left alone when shared";
  // Not accepted (e.g. VERIFY compares the medium itself): buf is filled.
  IoRequest own{.op = IoOp::kRead, .offset = 0, .len = 1 << 20, .buf = buf.data(), .on_done = record, .user = &d};
  dev->submit(own);
  EXPECT_EQ(own.shared, nullptr);
  EXPECT_TRUE(std::all_of(buf.data(), buf.data() + buf.size(), [](uint8_t b) { return b == 0; }));
  // Larger than the shared zeros: filled too.
  AlignedBuffer big(32 << 20);
  std::memset(big.data(), 0xab, big.size());
  IoRequest large{.op = IoOp::kRead, .offset = 0, .len = 32 << 20, .buf = big.data(), .may_share = true,
                  .on_done = record, .user = &d};
  dev->submit(large);
  EXPECT_EQ(large.shared, nullptr);
  EXPECT_EQ(big.data()[(32 << 20) - 1], 0);
}

// File and block devices run every request on the submitter's reactor
// (IoRequest::reactor), as in esand: submits req from `r`'s thread and waits
// for its completion; returns the result. The completion must run on the
// reactor's thread, after submit() has returned.
int run(reactor::ReactorThread& r, BlockDevice& dev, IoRequest& req, bool expect_inline = false) {
  struct Ctx {
    std::atomic<int> calls{0};
    int result = 1;
    bool in_submit = false, inline_done = false;
    std::thread::id thread;
  } ctx;
  req.user = &ctx;
  req.reactor = &r.reactor();
  req.on_done = [](IoRequest& q, int res) {
    auto* c = static_cast<Ctx*>(q.user);
    c->result = res;
    c->inline_done = c->in_submit;
    c->thread = std::this_thread::get_id();
    c->calls++;
  };
  std::thread::id reactor_thread;
  r.call([&] {
    reactor_thread = std::this_thread::get_id();
    ctx.in_submit = true;
    dev.submit(req);
    ctx.in_submit = false;
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (ctx.calls.load() == 0 && std::chrono::steady_clock::now() < deadline) usleep(100);
  r.call([] {});  // the completion's stack has unwound
  EXPECT_EQ(ctx.calls.load(), 1);
  EXPECT_EQ(ctx.thread, reactor_thread) << "completed on the submitting reactor";
  EXPECT_EQ(ctx.inline_done, expect_inline) << (expect_inline ? "a tmpfs file's small I/O completes inside submit()"
                                                              : "io_uring completes later, not inside submit()");
  return ctx.result;
}

class FileDeviceTest : public ::testing::TestWithParam<bool> {};

TEST_P(FileDeviceTest, WriteReadBackOnReactor) {
  std::string path = temp_file(1 << 20);
  FileOptions opts{.path = path};
  auto dev = GetParam() ? open_block_device(opts) : open_file_device(opts);
  ASSERT_TRUE(dev.has_value()) << dev.error().message;
  reactor::ReactorThread r;

  AlignedBuffer w(8192), rd(8192);
  for (size_t i = 0; i < 8192; ++i) w.data()[i] = uint8_t(i * 7);
  IoRequest wr{.op = IoOp::kWrite, .fua = true, .offset = 65536, .len = 8192, .buf = w.data()};
  EXPECT_EQ(run(r, **dev, wr), 8192);
  IoRequest rr{.op = IoOp::kRead, .offset = 65536, .len = 8192, .buf = rd.data()};
  EXPECT_EQ(run(r, **dev, rr), 8192);
  EXPECT_EQ(std::memcmp(w.data(), rd.data(), 8192), 0);
  IoRequest fl{.op = IoOp::kFlush};
  EXPECT_EQ(run(r, **dev, fl), 0);
  IoRequest dc{.op = IoOp::kDiscard, .offset = 65536, .len = 4096};
  EXPECT_GE(run(r, **dev, dc), 0);
  IoRequest rr2{.op = IoOp::kRead, .offset = 65536, .len = 8192, .buf = rd.data()};
  EXPECT_EQ(run(r, **dev, rr2), 8192);
  EXPECT_EQ(rd.data()[0], 0);                    // punched
  EXPECT_EQ(rd.data()[4096 + 1], w.data()[4097]);  // kept
  unlink(path.c_str());
}

INSTANTIATE_TEST_SUITE_P(FileAndBlock, FileDeviceTest, ::testing::Bool());

TEST(FileDevice, ReadsPastTheFileEndAsZerosAndOpenErrors) {
  std::string path = temp_file(4096);
  auto dev = open_file_device(FileOptions{.path = path, .size_bytes = 16384});
  ASSERT_TRUE(dev.has_value());
  EXPECT_EQ((*dev)->size_bytes(), 16384u);
  reactor::ReactorThread r;
  AlignedBuffer buf(4096);
  std::memset(buf.data(), 0x55, 4096);
  // Beyond the file's end but within the configured size: reads zeros.
  IoRequest req{.op = IoOp::kRead, .offset = 8192, .len = 4096, .buf = buf.data()};
  EXPECT_EQ(run(r, **dev, req), 4096);
  EXPECT_EQ(buf.data()[17], 0);
  unlink(path.c_str());

  auto missing = open_file_device(FileOptions{.path = "/nonexistent/esan.img"});
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message.find("/nonexistent/esan.img"), std::string::npos);
  auto dir = open_file_device(FileOptions{.path = "/tmp"});
  ASSERT_FALSE(dir.has_value());
}

// A file on tmpfs: reads and writes up to kInlineMaxBytes complete inside
// submit(), larger ones and the rest through the ring; the data is the same
// either way, and reads past the file's end are zeros on both paths.
TEST(FileDevice, MemoryBackedFileRunsSmallIoInline) {
  char path[] = "/dev/shm/esan-backend-XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0) << "needs /dev/shm (tmpfs)";
  ASSERT_EQ(ftruncate(fd, 1 << 20), 0);
  close(fd);
  auto dev = open_file_device(FileOptions{.path = path, .size_bytes = 4 << 20});
  ASSERT_TRUE(dev.has_value()) << dev.error().message;
  reactor::ReactorThread r;
  constexpr uint32_t kBig = 2 * UringDevice::kInlineMaxBytes;
  AlignedBuffer w(kBig), rd(kBig);
  for (size_t i = 0; i < kBig; ++i) w.data()[i] = uint8_t(i * 13 + 1);
  IoRequest small{.op = IoOp::kWrite, .offset = 8192, .len = 4096, .buf = w.data()};
  EXPECT_EQ(run(r, **dev, small, true), 4096);
  IoRequest big{.op = IoOp::kWrite, .fua = true, .offset = 65536, .len = kBig, .buf = w.data()};
  EXPECT_EQ(run(r, **dev, big, false), int(kBig));
  IoRequest back{.op = IoOp::kRead, .offset = 8192, .len = 4096, .buf = rd.data()};
  EXPECT_EQ(run(r, **dev, back, true), 4096);
  EXPECT_EQ(std::memcmp(rd.data(), w.data(), 4096), 0);
  IoRequest back_big{.op = IoOp::kRead, .offset = 65536, .len = kBig, .buf = rd.data()};
  EXPECT_EQ(run(r, **dev, back_big, false), int(kBig));
  EXPECT_EQ(std::memcmp(rd.data(), w.data(), kBig), 0);
  // Straddling the 1 MiB file's end (size 4 MiB): data, then zeros.
  std::memset(rd.data(), 0x55, 8192);
  IoRequest edge{.op = IoOp::kWrite, .offset = (1 << 20) - 4096, .len = 4096, .buf = w.data()};
  EXPECT_EQ(run(r, **dev, edge, true), 4096);
  IoRequest past{.op = IoOp::kRead, .offset = (1 << 20) - 4096, .len = 8192, .buf = rd.data()};
  EXPECT_EQ(run(r, **dev, past, true), 8192);
  EXPECT_EQ(std::memcmp(rd.data(), w.data(), 4096), 0);
  EXPECT_TRUE(std::all_of(rd.data() + 4096, rd.data() + 8192, [](uint8_t b) { return b == 0; }));
  IoRequest fl{.op = IoOp::kFlush};
  EXPECT_EQ(run(r, **dev, fl, false), 0);
  unlink(path);
}

// Reads offered a pipe (IoRequest::splice_to): a buffered file on tmpfs
// splices inline, one on a disk file system through the ring; the pipe then
// holds exactly the bytes (zeros past the file's end) and buf is untouched.
// A pipe without room for the pages, an O_DIRECT device and a write leave
// the pipe alone and use buf.
TEST(FileDevice, ReadsSpliceIntoAnOfferedPipe) {
  struct Pipe {
    int fd[2] = {-1, -1};
    Pipe() {
      EXPECT_EQ(pipe2(fd, O_NONBLOCK | O_CLOEXEC), 0);
      EXPECT_EQ(fcntl(fd[1], F_SETPIPE_SZ, 1 << 20), 1 << 20);
    }
    ~Pipe() {
      close(fd[0]);
      close(fd[1]);
    }
    std::vector<uint8_t> drain() {
      std::vector<uint8_t> out(2 << 20);
      ssize_t n = read(fd[0], out.data(), out.size());
      out.resize(n > 0 ? size_t(n) : 0);
      return out;
    }
  };
  char shm[] = "/dev/shm/esan-backend-XXXXXX";
  int sfd = mkstemp(shm);
  ASSERT_GE(sfd, 0) << "needs /dev/shm (tmpfs)";
  close(sfd);
  std::string disk = temp_file(0);
  constexpr uint32_t kLen = 256 * 1024;
  AlignedBuffer w(kLen), rd(kLen);
  for (size_t i = 0; i < kLen; ++i) w.data()[i] = uint8_t(i * 29 + 3);
  reactor::ReactorThread r;
  for (const std::string& path : {std::string(shm), disk}) {
    bool mem = path == shm;
    ASSERT_EQ(truncate(path.c_str(), 1 << 20), 0);
    auto dev = open_file_device(FileOptions{.path = path, .size_bytes = 4 << 20});
    ASSERT_TRUE(dev.has_value()) << dev.error().message;
    EXPECT_TRUE((*dev)->splices_reads());
    IoRequest wr{.op = IoOp::kWrite, .offset = 4096, .len = kLen, .buf = w.data()};
    EXPECT_EQ(run(r, **dev, wr, false), int(kLen));
    {
      Pipe p;
      std::memset(rd.data(), 0x55, kLen);
      IoRequest req{.op = IoOp::kRead, .offset = 4096 + 512, .len = kLen - 512, .buf = rd.data()};
      req.splice_to = p.fd[1];
      req.splice_room = 1 << 20;
      EXPECT_EQ(run(r, **dev, req, mem), int(kLen - 512)) << path;
      EXPECT_TRUE(req.spliced) << path;
      EXPECT_EQ(rd.data()[0], 0x55) << "buf untouched when spliced";
      std::vector<uint8_t> got = p.drain();
      ASSERT_EQ(got.size(), kLen - 512) << path;
      EXPECT_EQ(std::memcmp(got.data(), w.data() + 512, kLen - 512), 0) << path;
    }
    {  // across the end of the 1 MiB file: data, then zeros
      Pipe p;
      IoRequest req{.op = IoOp::kRead, .offset = (1 << 20) - 4096, .len = 8192, .buf = rd.data()};
      IoRequest edge{.op = IoOp::kWrite, .offset = (1 << 20) - 4096, .len = 4096, .buf = w.data()};
      EXPECT_EQ(run(r, **dev, edge, mem), 4096);
      req.splice_to = p.fd[1];
      req.splice_room = 1 << 20;
      EXPECT_EQ(run(r, **dev, req, mem), 8192);
      EXPECT_TRUE(req.spliced);
      std::vector<uint8_t> got = p.drain();
      ASSERT_EQ(got.size(), 8192u) << path;
      EXPECT_EQ(std::memcmp(got.data(), w.data(), 4096), 0);
      EXPECT_TRUE(std::all_of(got.begin() + 4096, got.end(), [](uint8_t b) { return b == 0; }));
    }
    {  // 65 pages for 64 pages of room: read into buf
      Pipe p;
      IoRequest req{.op = IoOp::kRead, .offset = 4096 + 512, .len = 65536, .buf = rd.data()};
      req.splice_to = p.fd[1];
      req.splice_room = 65536;
      EXPECT_EQ(run(r, **dev, req, mem), 65536);
      EXPECT_FALSE(req.spliced);
      EXPECT_EQ(std::memcmp(rd.data(), w.data() + 512, 65536), 0);
      EXPECT_TRUE(p.drain().empty());
    }
    unlink(path.c_str());
  }
  // O_DIRECT: never spliced.
  std::string blk = temp_file(1 << 20);
  auto dev = open_block_device(FileOptions{.path = blk});
  ASSERT_TRUE(dev.has_value()) << dev.error().message;
  EXPECT_FALSE((*dev)->splices_reads());
  EXPECT_FALSE(make_null_device(1 << 20)->splices_reads());
  Pipe p;
  IoRequest req{.op = IoOp::kRead, .offset = 0, .len = 65536, .buf = rd.data()};
  req.splice_to = p.fd[1];
  req.splice_room = 1 << 20;
  EXPECT_EQ(run(r, **dev, req), 65536);
  EXPECT_FALSE(req.spliced);
  EXPECT_TRUE(p.drain().empty());
  unlink(blk.c_str());
}

TEST(FileDevice, RequestWithoutAReactorFails) {
  std::string path = temp_file(4096);
  auto dev = open_file_device(FileOptions{.path = path});
  ASSERT_TRUE(dev.has_value());
  AlignedBuffer buf(4096);
  Done d;
  IoRequest req{.op = IoOp::kRead, .offset = 0, .len = 4096, .buf = buf.data(), .on_done = record, .user = &d};
  (*dev)->submit(req);  // no req.reactor: nowhere to run it
  EXPECT_EQ(d.calls, 1);
  EXPECT_EQ(d.result, -EINVAL);
  unlink(path.c_str());
}

TEST(FileDevice, ReadOnlyWriteFails) {
  std::string path = temp_file(4096);
  auto dev = open_file_device(FileOptions{.path = path, .read_only = true});
  ASSERT_TRUE(dev.has_value());
  reactor::ReactorThread r;
  AlignedBuffer buf(512);
  IoRequest req{.op = IoOp::kWrite, .offset = 0, .len = 512, .buf = buf.data()};
  EXPECT_EQ(run(r, **dev, req), -EBADF);
  unlink(path.c_str());
}

TEST(FileDevice, MapStatusFollowsHolesAndData) {
  constexpr uint64_t kSize = 1 << 20;
  std::string path = temp_file(kSize);  // sparse: one big hole
  auto dev = open_file_device(FileOptions{.path = path, .size_bytes = 2 * kSize});
  ASSERT_TRUE(dev.has_value());
  BlockDevice& d = **dev;
  EXPECT_EQ(d.physical_block_size(), 4096u);
  MapExtent e = d.map_status(0, 2 * kSize);
  EXPECT_FALSE(e.mapped);
  EXPECT_EQ(e.len, 2 * kSize);  // the hole runs past the file's end

  reactor::ReactorThread r;
  AlignedBuffer buf(8192);
  std::memset(buf.data(), 0x5a, 8192);
  IoRequest w{.op = IoOp::kWrite, .offset = 65536, .len = 8192, .buf = buf.data()};
  ASSERT_EQ(run(r, d, w), 8192);
  e = d.map_status(0, kSize);
  EXPECT_FALSE(e.mapped);
  EXPECT_EQ(e.len, 65536u);
  e = d.map_status(65536, kSize - 65536);
  EXPECT_TRUE(e.mapped);
  EXPECT_EQ(e.len, 8192u);
  e = d.map_status(65536, 4096);  // capped at the length asked for
  EXPECT_TRUE(e.mapped);
  EXPECT_EQ(e.len, 4096u);
  e = d.map_status(65536 + 8192, 2 * kSize - 65536 - 8192);
  EXPECT_FALSE(e.mapped);
  EXPECT_EQ(e.len, 2 * kSize - 65536 - 8192);

  IoRequest z{.op = IoOp::kDiscard, .offset = 65536, .len = 4096};
  ASSERT_EQ(run(r, d, z), 4096);
  e = d.map_status(0, kSize);
  EXPECT_FALSE(e.mapped);
  EXPECT_EQ(e.len, 65536u + 4096u);
  e = d.map_status(65536 + 4096, kSize);
  EXPECT_TRUE(e.mapped);
  EXPECT_EQ(e.len, 4096u);
  unlink(path.c_str());
}

TEST(NullDevice, MapStatusIsDeallocated) {
  auto dev = make_null_device(1 << 20);
  MapExtent e = dev->map_status(4096, 8192);
  EXPECT_FALSE(e.mapped);
  EXPECT_EQ(e.len, 8192u);
}

}  // namespace
}  // namespace esan::backend
