#include "tests/ha/guest/guest.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/ha/lab.h"

#ifndef ESAN_GUEST_DIR
#error "ESAN_GUEST_DIR must be defined (the tests/ha/guest source directory)"
#endif

namespace esan::ha {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool Spit(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  return bool(out);
}

// The last n lines of text.
std::string TailLines(const std::string& text, size_t n) {
  size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;  // a final newline ends the last line
  for (size_t lines = 0; pos > 0; --pos)
    if (text[pos - 1] == '\n' && ++lines == n) break;
  return text.substr(pos);
}

// A file directly in the shared directory, not one of the harness's
// hidden temporary names.
bool FileName(const std::string& s) {
  return !s.empty() && s[0] != '.' && s.find('/') == std::string::npos;
}

bool ShellName(const std::string& s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  return true;
}

// 'text' for bash, single quotes escaped.
std::string ShellQuote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

::testing::AssertionResult PrepareGuestImage(GuestImage* image, std::chrono::milliseconds timeout) {
  // build-image.sh reads $ESAN_GUEST_CACHE itself (as the ctest fixture does).
  std::vector<std::string> argv{std::string(ESAN_GUEST_DIR) + "/build-image.sh"};
  auto start = Clock::now();
  ExecResult r = RunProgram(argv, timeout);
  image->took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  image->built = r.output.find("build-image.sh: built ") != std::string::npos;
  if (r.timed_out || r.exit_code != 0)
    return ::testing::AssertionFailure() << "build-image.sh "
                                         << (r.timed_out ? "timed out" : "exited " + std::to_string(r.exit_code))
                                         << ":\n" << TailLines(r.output, 40);
  // The last line is the image's directory.
  std::string out = r.output;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  image->dir = out.substr(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1);
  for (const char* f : {"vmlinuz", "initrd.img", "root.img"})
    if (!fs::exists(image->dir + "/" + f))
      return ::testing::AssertionFailure() << "build-image.sh named " << image->dir << ", which has no " << f
                                           << ":\n" << TailLines(r.output, 20);
  return ::testing::AssertionSuccess();
}

Guest::Guest(Options opts) : opts_(std::move(opts)) {}

Guest::~Guest() {
  Kill();
  if (work_.empty()) return;
  if (::testing::Test::HasFailure()) {
    std::printf("---- guest log (%s/lab/guest.log)\n%s\n---- end of guest log\n", work_.c_str(), Log().c_str());
    std::printf("---- guest console, last lines\n%s\n---- end of guest console\n", TailLines(Console(), 60).c_str());
  }
  const char* keep = std::getenv("ESAN_GUEST_KEEP");
  if (keep && *keep == '1') {
    std::printf("ESAN_GUEST_KEEP=1: kept %s\n", work_.c_str());
    return;
  }
  std::error_code ec;
  fs::remove_all(work_, ec);
}

::testing::AssertionResult Guest::Start() {
  if (!work_.empty()) return ::testing::AssertionFailure() << "Guest::Start called twice";
  if (opts_.script.empty()) return ::testing::AssertionFailure() << "Guest::Options::script is empty";
  if (opts_.cpus < 1 || opts_.cpus > 8)
    return ::testing::AssertionFailure() << "Guest::Options::cpus " << opts_.cpus << " (1..8)";
  if (opts_.memory_mb < 256)
    return ::testing::AssertionFailure() << "Guest::Options::memory_mb " << opts_.memory_mb << " (at least 256)";
  if (opts_.timeout <= std::chrono::milliseconds(0))
    return ::testing::AssertionFailure() << "Guest::Options::timeout must be positive";
  for (const auto& [name, value] : opts_.env)
    if (!ShellName(name)) return ::testing::AssertionFailure() << "guest env: '" << name << "' is not a variable name";
  for (const char* f : {"vmlinuz", "initrd.img", "root.img"})
    if (!fs::exists(opts_.image_dir + "/" + f))
      return ::testing::AssertionFailure() << "guest image '" << opts_.image_dir << "' has no " << f
                                           << " (PrepareGuestImage)";
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/esan-guest-XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  if (::mkdtemp(buf.data()) == nullptr)
    return ::testing::AssertionFailure() << "mkdtemp " << tmpl << ": " << std::strerror(errno);
  work_ = buf.data();
  deadline_ = Clock::now() + opts_.timeout;

  // The shared directory: the project's boot files and the test's script.
  std::error_code ec;
  fs::create_directories(shared_dir() + "/etc", ec);
  const std::string src = ESAN_GUEST_DIR;
  for (const char* f : {"boot.sh", "lib.sh", "etc/iscsid.conf", "etc/multipath.conf", "etc/modprobe.conf"}) {
    fs::copy_file(src + "/" + f, Path(f), ec);
    if (ec) return ::testing::AssertionFailure() << "copy " << src << "/" << f << ": " << ec.message();
  }
  std::string env;
  for (const auto& [name, value] : opts_.env) env += name + "=" + ShellQuote(value) + "\n";
  if (!Spit(Path("env"), env) || !Spit(Path("run.sh"), opts_.script))
    return ::testing::AssertionFailure() << "cannot write " << shared_dir();

  // Each boot writes to an overlay of its own; the image stays clean.
  std::string overlay = work_ + "/root.qcow2";
  ExecResult img = RunProgram({"qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw", "-b",
                               opts_.image_dir + "/root.img", overlay});
  if (img.exit_code != 0) return ::testing::AssertionFailure() << "qemu-img create: " << img.output;

  std::vector<std::string> argv{
      "qemu-system-x86_64", "-nodefaults", "-no-user-config", "-machine", "q35,accel=tcg", "-cpu", "max",
      "-smp", std::to_string(opts_.cpus), "-m", std::to_string(opts_.memory_mb), "-display", "none",
      "-no-reboot", "-serial", "file:" + work_ + "/console.log",
      "-kernel", opts_.image_dir + "/vmlinuz", "-initrd", opts_.image_dir + "/initrd.img",
      // quiet: the serial port is slow under TCG; panic=-1 with -no-reboot
      // turns a panic into qemu's exit; the i8042 and timer options skip
      // probes that cost seconds under TCG.
      "-append",
      "root=/dev/vda rw rootfstype=ext4 console=ttyS0 init=/sbin/esan-guest-init quiet loglevel=4 panic=-1 "
      "i8042.noaux i8042.nokbd i8042.nopnp tsc=reliable no_timer_check cryptomgr.notests random.trust_cpu=on",
      "-drive", "file=" + overlay + ",if=virtio,format=qcow2,cache=unsafe",
      "-virtfs", "local,path=" + shared_dir() + ",mount_tag=lab,security_model=none,id=lab",
      "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0,romfile="};
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::string qemu_log = work_ + "/qemu.log";
  int out = ::open(qemu_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  int devnull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (out < 0 || devnull < 0) return ::testing::AssertionFailure() << "open " << qemu_log << ": " << std::strerror(errno);
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(devnull, 0);
    ::dup2(out, 1);
    ::dup2(out, 2);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::execvp(cargv[0], cargv.data());
    std::fprintf(stderr, "exec %s: %s\n", cargv[0], std::strerror(errno));
    ::_exit(127);
  }
  ::close(out);
  ::close(devnull);
  if (pid < 0) return ::testing::AssertionFailure() << "fork: " << std::strerror(errno);
  qemu_ = pid;
  // qemu fails at once on bad arguments or a missing binary.
  std::this_thread::sleep_for(200ms);
  if (!Running())
    return ::testing::AssertionFailure() << "qemu exited at start: " << QemuOutput();
  return ::testing::AssertionSuccess();
}

bool Guest::Running() {
  if (qemu_ < 0) return false;
  int status = 0;
  pid_t r = ::waitpid(qemu_, &status, WNOHANG);
  if (r == 0) return true;
  if (r == qemu_) qemu_status_ = status;
  qemu_ = -1;
  return false;
}

void Guest::Kill() {
  if (qemu_ < 0) return;
  ::kill(qemu_, SIGKILL);
  int status = 0;
  if (::waitpid(qemu_, &status, 0) == qemu_) qemu_status_ = status;
  qemu_ = -1;
}

::testing::AssertionResult Guest::WaitFile(const std::string& name, std::chrono::milliseconds timeout) {
  if (work_.empty()) return ::testing::AssertionFailure() << "guest not started";
  if (!FileName(name)) return ::testing::AssertionFailure() << "WaitFile: '" << name << "' is not a plain file name";
  auto deadline = std::min(Clock::now() + timeout, deadline_);
  for (;;) {
    if (fs::exists(Path(name))) return ::testing::AssertionSuccess();
    if (!Running()) {
      // It may have marked the file just before powering off.
      if (fs::exists(Path(name))) return ::testing::AssertionSuccess();
      return ::testing::AssertionFailure() << "the guest powered off before it wrote " << name << "\n" << Describe();
    }
    if (Clock::now() >= deadline) {
      if (Clock::now() >= deadline_) Kill();
      return ::testing::AssertionFailure() << "the guest did not write " << name << " within "
                                           << timeout.count() << " ms\n" << Describe();
    }
    std::this_thread::sleep_for(100ms);
  }
}

std::string Guest::File(const std::string& name) const { return Slurp(Path(name)); }

::testing::AssertionResult Guest::Mark(const std::string& name, const std::string& text) {
  if (work_.empty()) return ::testing::AssertionFailure() << "guest not started";
  if (!FileName(name)) return ::testing::AssertionFailure() << "Mark: '" << name << "' is not a plain file name";
  std::string tmp = Path("." + name + ".host-tmp");
  if (!Spit(tmp, text)) return ::testing::AssertionFailure() << "cannot write " << tmp;
  std::error_code ec;
  fs::rename(tmp, Path(name), ec);
  if (ec) return ::testing::AssertionFailure() << "rename to " << Path(name) << ": " << ec.message();
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Guest::Wait(std::chrono::milliseconds timeout) {
  if (work_.empty()) return ::testing::AssertionFailure() << "guest not started";
  auto deadline = std::min(Clock::now() + timeout, deadline_);
  while (Running()) {
    if (Clock::now() >= deadline) {
      Kill();
      return ::testing::AssertionFailure() << "the guest did not power off within " << timeout.count()
                                           << " ms (killed)\n" << Describe();
    }
    std::this_thread::sleep_for(100ms);
  }
  int status = exit_status();
  if (status == 0) return ::testing::AssertionSuccess();
  if (status < 0)
    return ::testing::AssertionFailure() << "the guest powered off without an exit status of run.sh\n" << Describe();
  return ::testing::AssertionFailure() << "run.sh exited " << status << "\n" << Describe();
}

int Guest::exit_status() const {
  std::string s = File("exit-status");
  if (s.empty() || !std::isdigit(static_cast<unsigned char>(s[0]))) return -1;
  return std::atoi(s.c_str());
}

std::string Guest::Log() const { return work_.empty() ? "" : Slurp(Path("guest.log")); }
std::string Guest::Console() const { return work_.empty() ? "" : Slurp(work_ + "/console.log"); }
std::string Guest::QemuOutput() const { return work_.empty() ? "" : Slurp(work_ + "/qemu.log"); }

std::string Guest::Describe() const {
  std::ostringstream os;
  os << "guest work directory " << work_ << "\n--- guest.log, last lines:\n" << TailLines(Log(), 40)
     << "\n--- serial console, last lines:\n" << TailLines(Console(), 25);
  std::string q = QemuOutput();
  if (!q.empty()) os << "\n--- qemu:\n" << TailLines(q, 10);
  return os.str();
}

}  // namespace esan::ha
