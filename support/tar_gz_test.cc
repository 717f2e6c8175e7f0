// The tar.gz writer (support/tar_gz.h): read back by our own inflate +
// header parser and by the system's tar.
#include "support/tar_gz.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace esan::support {
namespace {

std::string gunzip(const std::string& gz) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  char buf[65536];
  int rc;
  do {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  } while (rc == Z_OK);
  EXPECT_EQ(rc, Z_STREAM_END);
  inflateEnd(&z);
  return out;
}

struct Member {
  std::string name, data;
  unsigned mode;
};

// A minimal ustar reader: checks magic and checksum of every header.
std::vector<Member> untar(const std::string& t) {
  std::vector<Member> out;
  EXPECT_EQ(t.size() % 512, 0u);
  size_t pos = 0;
  while (pos + 512 <= t.size()) {
    std::string_view h(t.data() + pos, 512);
    if (h.find_first_not_of('\0') == std::string_view::npos) break;
    EXPECT_EQ(h.substr(257, 6), std::string_view("ustar\0", 6));
    unsigned sum = 0;
    for (size_t i = 0; i < 512; ++i) sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
    EXPECT_EQ(std::strtoul(std::string(h.substr(148, 8)).c_str(), nullptr, 8), sum);
    EXPECT_EQ(h[156], '0');
    std::string name(h.substr(0, 100).data(), strnlen(h.data(), 100));
    std::string prefix(h.substr(345, 155).data(), strnlen(h.data() + 345, 155));
    if (!prefix.empty()) name = prefix + "/" + name;
    size_t size = std::strtoull(std::string(h.substr(124, 12)).c_str(), nullptr, 8);
    unsigned mode = std::strtoul(std::string(h.substr(100, 8)).c_str(), nullptr, 8);
    out.push_back({name, t.substr(pos + 512, size), mode});
    pos += 512 + (size + 511) / 512 * 512;
  }
  // Two zero blocks end it.
  EXPECT_EQ(t.size() - pos, 1024u);
  return out;
}

const std::string kLong = std::string(120, 'd') + "/" + std::string(90, 'f');

std::vector<TarEntry> Sample() {
  return {{"top/MANIFEST", "hello\n", 0644, 1700000000},
          {"top/empty", "", 0600, 1700000000},
          {"top/config/exact.conf", std::string(512, 'x'), 0644, 1700000000},
          {"top/" + kLong, std::string(1000, '\n') + "end", 0644, 1700000000}};
}

TEST(TarGz, ReadsBackByteForByte) {
  auto gz = tar_gz(Sample());
  ASSERT_TRUE(gz) << gz.error().message;
  auto members = untar(gunzip(*gz));
  auto want = Sample();
  ASSERT_EQ(members.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(members[i].name, want[i].name);
    EXPECT_EQ(members[i].data, want[i].data);
    EXPECT_EQ(members[i].mode, want[i].mode);
  }
}

TEST(TarGz, EmptyArchiveIsTwoZeroBlocks) {
  auto t = tar({});
  ASSERT_TRUE(t);
  EXPECT_EQ(*t, std::string(1024, '\0'));
}

TEST(TarGz, SystemTarExtractsIt) {
  auto gz = tar_gz(Sample());
  ASSERT_TRUE(gz);
  auto dir = std::filesystem::temp_directory_path() / ("tar_gz_test." + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream f(dir / "a.tar.gz", std::ios::binary);
    f << *gz;
  }
  std::string cmd = "tar -xzf " + (dir / "a.tar.gz").string() + " -C " + dir.string();
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  for (const auto& e : Sample()) {
    std::ifstream f(dir / e.name, std::ios::binary);
    ASSERT_TRUE(f) << e.name;
    std::string data((std::istreambuf_iterator<char>(f)), {});
    EXPECT_EQ(data, e.data) << e.name;
  }
  std::filesystem::remove_all(dir);
}

TEST(TarGz, BadNamesAreRefused) {
  for (const std::string& bad :
       std::vector<std::string>{"", "/abs", "a/../b", "..", "a//b", "dir/", std::string(101, 'n'),
                                std::string(160, 'p') + "/" + "x", "p/" + std::string(101, 'n')}) {
    auto t = tar({{"ok", "x"}, {bad, "y"}});
    ASSERT_FALSE(t) << bad;
    EXPECT_EQ(t.error().code, Errc::kInvalidArgument);
    EXPECT_NE(t.error().message.find("name"), std::string::npos) << t.error().message;
  }
}

}  // namespace
}  // namespace esan::support
