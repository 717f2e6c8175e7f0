// esan-write-sink: what this machine allows a 1 MiB write to cost, without
// iSCSI. One thread streams blocks over loopback TCP; the receiving side
// takes each block off the socket and writes it into a file at the next
// offset (wrapping at --size), the way a target stores a write. The result
// is the ceiling bench/compare sets esand's 1 MiB writes against: a loopback
// stream alone (iperf3) does not pay the copy into the page cache, which on
// a tmpfs with 4 KiB pages costs more than the receive.
//
// Modes (--into):
//   none    receive only, nothing stored (the loopback stream);
//   buffer  recv into a buffer, a second thread pwrite()s it (as esand: the
//           reactor receives, io_uring's worker writes), 8 buffers in flight;
//   splice  socket -> pipe -> file with splice(2) in one thread (no copy in
//           userspace; the kernel still copies into the page cache).
// Prints MB/s and the CPU each side spent per MB (all threads of the
// receiving side, the sender's thread); --json prints one object.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

struct Options {
  std::string into = "buffer";
  std::string file;
  uint64_t size = 1ull << 30;
  size_t bs = 1 << 20;
  double secs = 5;
  bool json = false;
};

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "esan-write-sink: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: esan-write-sink --file PATH [--into none|buffer|splice] [--size BYTES] "
               "[--bs BYTES] [--time SECONDS] [--json]\n");
  std::exit(2);
}

// A whole number (decimal, or 0x hex) or, with `real`, a decimal; anything
// else is a usage error.
double number(const std::string& text, bool real = false) {
  char* end = nullptr;
  double v = real ? std::strtod(text.c_str(), &end) : double(std::strtoull(text.c_str(), &end, 0));
  if (text.empty() || *end || text[0] == '-') usage();
  return v;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage();
      return argv[++i];
    };
    if (a == "--into") o.into = value();
    else if (a == "--file") o.file = value();
    else if (a == "--size") o.size = uint64_t(number(value()));
    else if (a == "--bs") o.bs = size_t(number(value()));
    else if (a == "--time") o.secs = number(value(), true);
    else if (a == "--json") o.json = true;
    else usage();
  }
  bool known = o.into == "none" || o.into == "buffer" || o.into == "splice";
  if (!known || (o.into != "none" && o.file.empty()) || o.bs == 0 || o.bs > (64u << 20) || o.size < o.bs ||
      o.secs <= 0)
    usage();
  return o;
}

double thread_cpu() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

double process_cpu() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) / 1e9;
}

// A connected loopback pair: [0] sends, [1] receives.
void socket_pair(int fds[2]) {
  int ls = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (ls < 0) die("socket");
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(ls, reinterpret_cast<sockaddr*>(&a), len) < 0 || listen(ls, 1) < 0 ||
      getsockname(ls, reinterpret_cast<sockaddr*>(&a), &len) < 0)
    die("listen on loopback");
  fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fds[0] < 0 || connect(fds[0], reinterpret_cast<sockaddr*>(&a), len) < 0) die("connect");
  fds[1] = accept4(ls, nullptr, nullptr, SOCK_CLOEXEC);
  if (fds[1] < 0) die("accept");
  close(ls);
}

// The file offset of the block after the one at `off`: blocks go one after
// another and start again at 0 where a whole block no longer fits.
uint64_t next_block(uint64_t off, size_t bs, uint64_t size) { return off + 2 * bs > size ? 0 : off + bs; }

bool recv_all(int fd, uint8_t* p, size_t n) {
  while (n) {
    ssize_t r = recv(fd, p, n, MSG_WAITALL);
    if (r <= 0) return false;
    p += r;
    n -= size_t(r);
  }
  return true;
}

// The writer thread of --into buffer: blocks in the order received.
class Writer {
 public:
  Writer(int fd, size_t bs, uint64_t size) : fd_(fd), bs_(bs), size_(size), free_(kBuffers) {
    for (auto& b : bufs_) b.resize(bs);
    for (int i = 0; i < kBuffers; ++i) free_[size_t(i)] = i;
    thread_ = std::thread([this] { run(); });
  }
  // A free buffer to receive into (waits for the writer).
  int take() {
    std::unique_lock lk(mu_);
    cv_.wait(lk, [&] { return !free_.empty(); });
    int i = free_.front();
    free_.pop_front();
    return i;
  }
  uint8_t* data(int i) { return bufs_[size_t(i)].data(); }
  void queue(int i) {
    std::lock_guard lk(mu_);
    full_.push_back(i);
    cv_.notify_all();
  }
  void finish() {
    {
      std::lock_guard lk(mu_);
      done_ = true;
      cv_.notify_all();
    }
    thread_.join();
  }

 private:
  static constexpr int kBuffers = 8;
  void run() {
    uint64_t off = 0;
    for (;;) {
      int i;
      {
        std::unique_lock lk(mu_);
        cv_.wait(lk, [&] { return !full_.empty() || done_; });
        if (full_.empty()) return;
        i = full_.front();
        full_.pop_front();
      }
      if (pwrite(fd_, data(i), bs_, off_t(off)) != ssize_t(bs_)) die("pwrite");
      off = next_block(off, bs_, size_);
      std::lock_guard lk(mu_);
      free_.push_back(i);
      cv_.notify_all();
    }
  }
  int fd_;
  size_t bs_;
  uint64_t size_;
  std::vector<uint8_t> bufs_[kBuffers];
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<int> free_, full_;
  bool done_ = false;
  std::thread thread_;
};

}  // namespace

int main(int argc, char** argv) {
  Options o = parse(argc, argv);
  int file = -1;
  if (o.into != "none") {
    file = open(o.file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (file < 0 || ftruncate(file, off_t(o.size)) < 0) die(o.file.c_str());
  }
  int fds[2];
  socket_pair(fds);
  std::atomic<bool> stop{false};
  double sender_cpu = 0;
  std::thread sender([&] {
    std::vector<uint8_t> block(o.bs, 0xa5);
    while (!stop.load(std::memory_order_relaxed)) {
      size_t off = 0;
      while (off < block.size()) {
        ssize_t n = send(fds[0], block.data() + off, block.size() - off, MSG_NOSIGNAL);
        if (n <= 0) break;
        off += size_t(n);
      }
      if (off < block.size()) break;
    }
    sender_cpu = thread_cpu();
    shutdown(fds[0], SHUT_WR);
  });

  double cpu0 = process_cpu();
  auto t0 = std::chrono::steady_clock::now();
  auto end = t0 + std::chrono::duration<double>(o.secs);
  uint64_t blocks = 0;
  if (o.into == "buffer") {
    Writer w(file, o.bs, o.size);
    while (std::chrono::steady_clock::now() < end) {
      int i = w.take();
      if (!recv_all(fds[1], w.data(i), o.bs)) die("recv");
      w.queue(i);
      ++blocks;
    }
    w.finish();
  } else if (o.into == "splice") {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) die("pipe");
    fcntl(p[1], F_SETPIPE_SZ, 1 << 20);
    uint64_t block_off = 0;
    while (std::chrono::steady_clock::now() < end) {
      uint64_t off = block_off;
      size_t in_pipe = 0, left = o.bs;
      while (left || in_pipe) {
        if (left) {
          ssize_t n = splice(fds[1], nullptr, p[1], nullptr, left, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
          if (n < 0 && errno == EAGAIN && in_pipe) n = 0;  // the pipe is full: drain it first
          else if (n < 0 && errno == EAGAIN) n = splice(fds[1], nullptr, p[1], nullptr, left, SPLICE_F_MOVE);
          if (n < 0) die("splice from the socket");
          left -= size_t(n);
          in_pipe += size_t(n);
        }
        if (in_pipe && (!left || in_pipe >= (512u << 10))) {
          loff_t pos = loff_t(off);
          ssize_t n = splice(p[0], nullptr, file, &pos, in_pipe, SPLICE_F_MOVE);
          if (n <= 0) die("splice into the file");
          in_pipe -= size_t(n);
          off += uint64_t(n);
        }
      }
      block_off = next_block(block_off, o.bs, o.size);
      ++blocks;
    }
  } else {
    std::vector<uint8_t> buf(o.bs);
    while (std::chrono::steady_clock::now() < end) {
      if (!recv_all(fds[1], buf.data(), o.bs)) die("recv");
      ++blocks;
    }
  }
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  stop = true;
  // Let the sender see `stop`: drain what it still sends.
  std::thread drain([&] {
    std::vector<uint8_t> buf(1 << 20);
    while (recv(fds[1], buf.data(), buf.size(), 0) > 0) {
    }
  });
  sender.join();
  drain.join();
  double receiver_cpu = process_cpu() - cpu0 - sender_cpu;
  double mb = double(blocks) * double(o.bs) / 1e6;
  if (o.json)
    std::printf("{\"into\": \"%s\", \"bs\": %zu, \"seconds\": %.3f, \"mbps\": %.1f, \"receiver_us_per_mb\": %.1f, "
                "\"sender_us_per_mb\": %.1f}\n",
                o.into.c_str(), o.bs, secs, mb / secs, receiver_cpu * 1e6 / mb, sender_cpu * 1e6 / mb);
  else
    std::printf("into %-6s  %8.1f MB/s  receiver %6.1f us CPU/MB  sender %6.1f us CPU/MB\n", o.into.c_str(),
                mb / secs, receiver_cpu * 1e6 / mb, sender_cpu * 1e6 / mb);
  close(fds[0]);
  close(fds[1]);
  if (file >= 0) close(file);
  return 0;
}
