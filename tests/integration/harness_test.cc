// The integration harness itself: what counts as a sanitizer report in
// esand's output (EsandProcess fails the test on one), how it tells that a
// listener is esand's, and the CRC, block format and verification the
// crash tests rely on.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <vector>

#include "tests/integration/async_pump.h"
#include "tests/integration/block_load.h"
#include "tests/integration/esand_process.h"

namespace esan::it {
namespace {

TEST(Harness, SanitizerReportFindsAsanLsanAndUbsanLines) {
  EXPECT_EQ(SanitizerReport("[info] esand ready\n[info] esand stopped\n"), "");
  EXPECT_EQ(SanitizerReport("x\n==42==ERROR: AddressSanitizer: heap-use-after-free on address 0x1\nmore\n"),
            "==42==ERROR: AddressSanitizer: heap-use-after-free on address 0x1");
  EXPECT_EQ(SanitizerReport("==7==ERROR: LeakSanitizer: detected memory leaks\n"),
            "==7==ERROR: LeakSanitizer: detected memory leaks");
  EXPECT_EQ(SanitizerReport("a\nscsi/sbc_io.cc:12:5: runtime error: shift exponent 64 is too large\n"),
            "scsi/sbc_io.cc:12:5: runtime error: shift exponent 64 is too large");
}

TEST(Harness, ListensOnNamesTheProcessHoldingTheListener) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  int port = ntohs(addr.sin_port);
  EXPECT_FALSE(ListensOn(::getpid(), port)) << "bound, not listening yet";
  ASSERT_EQ(::listen(fd, 1), 0);
  EXPECT_TRUE(ListensOn(::getpid(), port));
  EXPECT_FALSE(ListensOn(::getppid(), port)) << "another process";
  ::close(fd);
  EXPECT_FALSE(ListensOn(::getpid(), port));
}

TEST(Harness, Crc32MatchesTheStandardCheckValue) {
  const char* s = "123456789";
  EXPECT_EQ(Crc32(reinterpret_cast<const uint8_t*>(s), 9), 0xCBF43926u);
}

TEST(Harness, CheckedBlocksDetectTearsAndMisplacement) {
  std::vector<uint8_t> b(kCheckBlock, 0);
  EXPECT_EQ(ParseBlock(b.data(), 5), 0u) << "zeros: never written";
  MakeBlock(b.data(), 77, 5);
  EXPECT_EQ(ParseBlock(b.data(), 5), 77u);
  EXPECT_FALSE(ParseBlock(b.data(), 6)) << "a block written for another LBA";
  std::vector<uint8_t> torn = b;
  std::fill(torn.begin() + 256, torn.end(), 0);  // second half never arrived
  EXPECT_FALSE(ParseBlock(torn.data(), 5));
  b[100] ^= 1;
  EXPECT_FALSE(ParseBlock(b.data(), 5));
}

TEST(Harness, VerifyBlocksFlagsLostAndTornBlocksAndAcceptsLandedOnes) {
  std::vector<Expect> expect{{5, 0}, {5, 9}, {0, 0}, {4, 0}};
  std::vector<uint8_t> data(4 * kCheckBlock, 0);
  MakeBlock(data.data(), 3, 0);                    // older than acknowledged 5: lost
  MakeBlock(data.data() + kCheckBlock, 9, 1);      // the write in flight landed
  data[2 * kCheckBlock + 7] = 0xEE;                // garbage
  MakeBlock(data.data() + 3 * kCheckBlock, 4, 3);  // as acknowledged
  ::testing::TestPartResultArray failures;
  VerifyCounts c;
  {
    ::testing::ScopedFakeTestPartResultReporter intercept(
        ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
    c = VerifyBlocks(data, &expect, "t");
  }
  EXPECT_EQ(failures.size(), 2);
  EXPECT_EQ(c.lost, 1u);
  EXPECT_EQ(c.torn, 1u);
  EXPECT_EQ(c.landed, 1u);
  EXPECT_EQ(c.pending, 1u);
  EXPECT_EQ(expect[0].acked, 3u) << "what is on disk becomes the next base";
  EXPECT_EQ(expect[1].acked, 9u);
  EXPECT_EQ(expect[1].pending, 0u);
}

}  // namespace
}  // namespace esan::it
