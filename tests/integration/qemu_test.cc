// qemu's iSCSI block driver (qemu-img / qemu-io, libiscsi underneath) against
// esand: bulk copy, size reporting, pattern checks, persistence across a
// daemon restart.
#include <gtest/gtest.h>

#include "tests/integration/esand_process.h"
#include "tests/integration/iscsi_client.h"
#include "tests/integration/test_util.h"

namespace esan::it {
namespace {

constexpr char kIqn[] = "iqn.2026-11.org.esan:qemu";
constexpr size_t kMiB = 1024 * 1024;
constexpr size_t kSize = 64 * kMiB;

// Reads the whole LU with libiscsi and compares it with want.
void ExpectLuEquals(EsandProcess& esand, const std::vector<uint8_t>& want, const char* when) {
  std::string err;
  Context ctx = Login(esand.portal(), kIqn, 0, SessionOptions{}, &err);
  ASSERT_TRUE(ctx) << err;
  std::vector<uint8_t> back;
  for (size_t off = 0; off < want.size(); off += kMiB) {
    ASSERT_TRUE(Read16(ctx.get(), 0, off / 512, kMiB, &back)) << when;
    std::vector<uint8_t> w(want.begin() + static_cast<long>(off),
                           want.begin() + static_cast<long>(off + kMiB));
    size_t d = FirstDifference(back, w);
    ASSERT_EQ(d, std::string::npos) << when << ": LU differs from the source at byte " << off + d;
  }
}

TEST(Qemu, ConvertInfoPatternsAndRestart) {
  for (const char* tool : {"qemu-img", "qemu-io"}) {
    ASSERT_TRUE(OnPath(tool)) << tool << " not found on PATH (apt install qemu-utils "
                              << "qemu-block-extra)";
  }
  EsandProcess esand("qemu");
  std::string image = esand.Path("disk0.img");
  ASSERT_TRUE(MakeSparseFile(image, kSize));
  esand.WriteConfig(Handler("vdisk_fileio", FileioDevice("disk0", image, {"thin_provisioned 1"})) +
                    IscsiDriver(Target(kIqn, "        LUN 0 disk0\n")));
  ASSERT_TRUE(esand.Start());
  const std::string url = esand.Url(kIqn, 0);

  // qemu-img info sees the LU's size.
  CommandOutput info = RunCommand("qemu-img info '" + url + "'");
  ASSERT_EQ(info.exit_code, 0) << info.output;
  EXPECT_NE(info.output.find("virtual size: 64 MiB (67108864 bytes)"), std::string::npos)
      << info.output;

  // qemu-img convert -n: write a 64 MiB random raw image onto the LU.
  std::vector<uint8_t> src = TestData(kSize, 4242);
  std::string src_path = esand.Path("rand.raw");
  ASSERT_TRUE(WriteFile(src_path, std::string(src.begin(), src.end())));
  CommandOutput conv = RunCommand("qemu-img convert -n -f raw -O raw '" + src_path + "' '" + url + "'");
  ASSERT_EQ(conv.exit_code, 0) << conv.output;
  ExpectLuEquals(esand, src, "after qemu-img convert");
  ASSERT_EQ(FirstDifference(ReadFileRange(image, 0, kSize), src), std::string::npos)
      << "backing file differs from the converted image";
  CommandOutput cmp = RunCommand("qemu-img compare -f raw -F raw '" + src_path + "' '" + url + "'");
  EXPECT_EQ(cmp.exit_code, 0) << cmp.output;

  // Data survives a restart of the daemon on the same config.
  ASSERT_TRUE(esand.Stop());
  ASSERT_TRUE(esand.Start());
  ExpectLuEquals(esand, src, "after restarting esand");

  // qemu-io pattern write / verify, at the start and at an offset that is not MiB-aligned.
  CommandOutput w = RunCommand("qemu-io -f raw -c 'write -P 0x5a 0 1M' -c 'write -P 0xc3 3146240 65536' '" + url + "'");
  ASSERT_EQ(w.exit_code, 0) << w.output;
  CommandOutput r = RunCommand("qemu-io -f raw -c 'read -P 0x5a 0 1M' -c 'read -P 0xc3 3146240 65536' '" + url + "'");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("Pattern verification failed"), std::string::npos) << r.output;
  // A wrong pattern is detected (the check above can fail).
  CommandOutput bad = RunCommand("qemu-io -f raw -c 'read -P 0xa5 0 1M' '" + url + "'");
  EXPECT_NE(bad.output.find("Pattern verification failed"), std::string::npos) << bad.output;

  // libiscsi sees the patterns, and the bytes qemu-io did not touch.
  std::vector<uint8_t> want = src;
  std::fill(want.begin(), want.begin() + kMiB, 0x5a);
  std::fill(want.begin() + 3146240, want.begin() + 3146240 + 65536, 0xc3);
  ExpectLuEquals(esand, want, "after qemu-io writes");
  EXPECT_TRUE(esand.Stop());
}

}  // namespace
}  // namespace esan::it
