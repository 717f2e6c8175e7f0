// The integration harness itself: what counts as a sanitizer report in
// esand's output (EsandProcess fails the test on one) and how it tells that
// a listener is esand's.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <vector>

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

}  // namespace
}  // namespace esan::it
