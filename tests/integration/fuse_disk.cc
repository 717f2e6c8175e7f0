// fuse_disk: a FUSE file system with one file, /disk, whose reads a test
// makes answer, fail or hang on demand (the backend of the probe test,
// probes_test.cc).
//
//   fuse_disk MOUNTPOINT MODE_FILE SIZE_MB
//
// Runs in the foreground until unmounted or killed. Every read of /disk
// first reads MODE_FILE: "ok" (or missing) answers from memory, "eio" fails
// with EIO, "hang" waits until the file says something else -- or until the
// kernel interrupts the request (the reader was killed), then EINTR. Writes,
// flushes and fsyncs always succeed. /disk is opened with direct_io, so
// every read reaches this process (no page cache in between).
#define FUSE_USE_VERSION 31
#include <fuse3/fuse.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string g_mode_file;
std::mutex g_mu;
std::vector<char> g_data;
constexpr char kDisk[] = "/disk";

std::string mode() {
  std::ifstream in(g_mode_file);
  std::string m;
  in >> m;
  return m.empty() ? "ok" : m;
}

int disk_getattr(const char* path, struct stat* st, fuse_file_info*) {
  std::memset(st, 0, sizeof *st);
  if (std::strcmp(path, "/") == 0) {
    st->st_mode = S_IFDIR | 0755;
    st->st_nlink = 2;
    return 0;
  }
  if (std::strcmp(path, kDisk) != 0) return -ENOENT;
  st->st_mode = S_IFREG | 0644;
  st->st_nlink = 1;
  st->st_size = static_cast<off_t>(g_data.size());
  st->st_blksize = 4096;
  st->st_blocks = st->st_size / 512;
  return 0;
}

int disk_readdir(const char* path, void* buf, fuse_fill_dir_t fill, off_t, fuse_file_info*, fuse_readdir_flags) {
  if (std::strcmp(path, "/") != 0) return -ENOENT;
  fill(buf, ".", nullptr, 0, fuse_fill_dir_flags{});
  fill(buf, "..", nullptr, 0, fuse_fill_dir_flags{});
  fill(buf, kDisk + 1, nullptr, 0, fuse_fill_dir_flags{});
  return 0;
}

int disk_open(const char* path, fuse_file_info* fi) {
  if (std::strcmp(path, kDisk) != 0) return -ENOENT;
  fi->direct_io = 1;
  return 0;
}

int disk_read(const char* path, char* buf, size_t size, off_t off, fuse_file_info*) {
  for (;;) {
    std::string m = mode();
    if (m == "eio") return -EIO;
    if (m != "hang") break;
    if (fuse_interrupted()) return -EINTR;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::lock_guard lk(g_mu);
  if (off < 0 || static_cast<size_t>(off) >= g_data.size()) return 0;
  size_t n = std::min(size, g_data.size() - static_cast<size_t>(off));
  std::memcpy(buf, g_data.data() + off, n);
  return static_cast<int>(n);
}

int disk_write(const char* path, const char* buf, size_t size, off_t off, fuse_file_info*) {
  std::lock_guard lk(g_mu);
  if (off < 0 || static_cast<size_t>(off) + size > g_data.size()) return -ENOSPC;
  std::memcpy(g_data.data() + off, buf, size);
  return static_cast<int>(size);
}

int disk_ok(const char*, fuse_file_info*) { return 0; }
int disk_fsync(const char*, int, fuse_file_info*) { return 0; }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: fuse_disk MOUNTPOINT MODE_FILE SIZE_MB\n");
    return 2;
  }
  g_mode_file = argv[2];
  g_data.assign(static_cast<size_t>(std::atoi(argv[3])) << 20, 0);
  fuse_operations ops{};
  ops.getattr = disk_getattr;
  ops.readdir = disk_readdir;
  ops.open = disk_open;
  ops.read = disk_read;
  ops.write = disk_write;
  ops.flush = disk_ok;
  ops.release = disk_ok;
  ops.fsync = disk_fsync;
  // Foreground, multithreaded (a hung read holds one worker; others go on).
  std::vector<char*> args{argv[0], argv[1], const_cast<char*>("-f")};
  return fuse_main(static_cast<int>(args.size()), args.data(), &ops, nullptr);
}
