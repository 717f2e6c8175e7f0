#include "tests/ha/pacemaker.h"

#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#ifndef FENCE_ESANLAB_PATH
#error "FENCE_ESANLAB_PATH must be defined (tests/ha/fence_esanlab)"
#endif

namespace esan::ha {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

const std::vector<std::string> kPacemakerDirs = {"/var/lib/pacemaker", "/var/log/pacemaker", "/var/log/crmsh"};
constexpr char kLogFile[] = "/var/log/pacemaker/pacemaker.log";

std::string Attr(const std::string& tag, const std::string& name) {
  std::smatch m;
  std::regex re("\\s" + name + "=\"([^\"]*)\"");
  return std::regex_search(tag, m, re) ? std::string(m[1]) : std::string();
}

std::string Names(const std::vector<std::string>& v) {
  std::string s = "[";
  for (const auto& n : v) s += (s.size() > 1 ? " " : "") + n;
  return s + "]";
}

std::chrono::milliseconds Since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t);
}

::testing::AssertionResult Own(const std::string& path, mode_t mode, bool hacluster) {
  if (hacluster) {
    const passwd* pw = ::getpwnam("hacluster");
    const group* gr = ::getgrnam("haclient");
    if (pw == nullptr || gr == nullptr)
      return ::testing::AssertionFailure() << "no user hacluster / group haclient (is pacemaker installed?)";
    if (::chown(path.c_str(), pw->pw_uid, gr->gr_gid) != 0)
      return ::testing::AssertionFailure() << "chown " << path << ": " << std::strerror(errno);
  }
  if (::chmod(path.c_str(), mode) != 0) return ::testing::AssertionFailure() << "chmod " << path << ": " << std::strerror(errno);
  return ::testing::AssertionSuccess();
}

}  // namespace

const PcmkNode* ClusterStatus::node(const std::string& name) const {
  for (const auto& n : nodes)
    if (n.name == name) return &n;
  return nullptr;
}

std::vector<std::string> ClusterStatus::online() const {
  std::vector<std::string> v;
  for (const auto& n : nodes)
    if (n.online) v.push_back(n.name);
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<std::string> ClusterStatus::where(const std::string& rsc, const std::string& role) const {
  std::vector<std::string> v;
  for (const auto& r : resources) {
    if (r.id != rsc && r.clone != rsc) continue;
    if (r.node.empty() || r.role == "Stopped") continue;
    if (role.empty() || r.role == role) v.push_back(r.node);
  }
  std::sort(v.begin(), v.end());
  return v;
}

std::string ClusterStatus::summary() const {
  if (!answered) return "crm_mon did not answer:\n" + Tail(raw, 2048);
  std::string s = "DC " + (dc.empty() ? std::string("(none)") : dc) + (quorum ? ", quorum" : ", NO quorum") + "\nnodes:";
  for (const auto& n : nodes)
    s += " " + n.name + (n.online ? "" : "(offline)") + (n.standby ? "(standby)" : "") + (n.unclean ? "(UNCLEAN)" : "");
  s += "\nresources:";
  for (const auto& r : resources)
    s += "\n  " + (r.clone.empty() ? "" : r.clone + "/") + r.id + " " + r.role + (r.node.empty() ? "" : " on " + r.node) +
         (r.failed ? " FAILED" : "");
  return s + "\n";
}

PacemakerLab::PacemakerLab(Options opts)
    : opts_([&] {
        Options o = std::move(opts);
        o.lab.private_dirs.insert(o.lab.private_dirs.end(), kPacemakerDirs.begin(), kPacemakerDirs.end());
        o.lab.overlays.push_back({"/usr/sbin", {{"fence_esanlab", FENCE_ESANLAB_PATH}}});
        return o;
      }()),
      lab_(opts_.lab),
      pacemakerd_(size_t(opts_.lab.nodes) + 1, -1) {}

PacemakerLab::~PacemakerLab() {
  if (::testing::Test::HasFailure() && lab_.slot() >= 0) PrintDiagnostics();
}

std::vector<std::string> PacemakerLab::AllNames() const {
  std::vector<std::string> v;
  for (int n = 1; n <= lab_.nodes(); ++n) v.push_back(Name(n));
  return v;
}

::testing::AssertionResult PacemakerLab::WriteSeedCib(std::string* path) {
  // An empty CIB with the cluster options that make formation fast, made by
  // pacemaker's own tools on a file (CIB_file), as the package would.
  *path = lab_.dir() + "/cib-seed.xml";
  ExecResult r = RunProgram({"sh", "-c", "cibadmin --empty > \"$0\"", *path}, 20s);
  if (r.exit_code != 0) return ::testing::AssertionFailure() << "cibadmin --empty: " << r.output;
  r = RunProgram({"env", "CIB_file=" + *path, "crm_attribute", "--type", "crm_config", "--name", "dc-deadtime",
                  "--update", opts_.dc_deadtime},
                 20s);
  if (r.exit_code != 0) return ::testing::AssertionFailure() << "crm_attribute dc-deadtime: " << r.output;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult PacemakerLab::PrepareNode(int node, const std::string& seed_cib) {
  const std::string lib = lab_.PrivateDir(node, "/var/lib/pacemaker");
  const std::string log = lab_.PrivateDir(node, "/var/log/pacemaker");
  std::error_code ec;
  for (const char* sub : {"cib", "pengine", "blackbox", "cores"}) {
    fs::create_directories(lib + "/" + sub, ec);
    if (auto r = Own(lib + "/" + sub, 0750, true); !r) return r;
  }
  fs::create_directories(log + "/bundles", ec);
  if (auto r = Own(log, 0770, true); !r) return r;
  if (auto r = Own(log + "/bundles", 0770, true); !r) return r;
  const std::string cib = lib + "/cib/cib.xml";
  fs::copy_file(seed_cib, cib, fs::copy_options::overwrite_existing, ec);
  if (ec) return ::testing::AssertionFailure() << "copy the seed CIB: " << ec.message();
  return Own(cib, 0600, true);
}

::testing::AssertionResult PacemakerLab::Start(std::chrono::milliseconds formation_timeout) {
  for (const char* tool : {"pacemakerd", "crm_mon", "cibadmin", "crm_attribute", "crm"})
    if (RunProgram({"sh", "-c", "command -v \"$0\" || test -x /usr/sbin/\"$0\"", tool}, 5s).exit_code != 0)
      return ::testing::AssertionFailure() << tool << " not found (scripts/install-deps.sh installs pacemaker, "
                                                      "pacemaker-cli-utils, crmsh)";
  const auto t0 = Clock::now();
  // Pacemaker starts while corosync forms its membership (it waits for it).
  if (auto r = lab_.StartNodes(); !r) return r;
  std::string seed;
  if (auto r = WriteSeedCib(&seed); !r) return r;
  for (int n = 1; n <= lab_.nodes(); ++n)
    if (auto r = PrepareNode(n, seed); !r) return r;
  for (int n = 1; n <= lab_.nodes(); ++n)
    if (auto r = StartPacemaker(n); !r) return r;
  auto left = formation_timeout - Since(t0);
  if (auto r = WaitFormed(1, std::max<std::chrono::milliseconds>(left, 1s)); !r) return r;
  formation_time_ = Since(t0);
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult PacemakerLab::StartPacemaker(int node) {
  if (PacemakerRunning(node)) return ::testing::AssertionFailure() << Name(node) << ": pacemakerd already runs";
  if (!lab_.CorosyncRunning(node)) return ::testing::AssertionFailure() << Name(node) << ": corosync is not running";
  // What systemd-tmpfiles makes at boot (resource-agents' HA_RSCTMP).
  ExecResult r = lab_.Exec(node, {"install", "-d", "-m", "1755", "/run/resource-agents"});
  if (r.exit_code != 0) return ::testing::AssertionFailure() << Name(node) << ": mkdir /run/resource-agents: " << r.output;
  return lab_.Spawn(node, {"pacemakerd"}, lab_.NodeDir(node) + "/pacemakerd.stdout", &pacemakerd_.at(size_t(node)),
                    {std::string("PCMK_logfile=") + kLogFile, "PCMK_logfacility=none"});
}

bool PacemakerLab::PacemakerRunning(int node) { return ChildRunning(pacemakerd_.at(size_t(node))); }

::testing::AssertionResult PacemakerLab::StopCluster(int node, std::chrono::milliseconds timeout) {
  pid_t pid = pacemakerd_.at(size_t(node));
  if (!PacemakerRunning(node)) return ::testing::AssertionFailure() << Name(node) << ": pacemakerd is not running";
  ::kill(pid, SIGTERM);
  auto deadline = Clock::now() + timeout;
  while (PacemakerRunning(node)) {
    if (Clock::now() >= deadline)
      return ::testing::AssertionFailure() << Name(node) << ": pacemakerd did not stop within " << timeout.count() << " ms";
    std::this_thread::sleep_for(100ms);
  }
  return lab_.StopCorosync(node);
}

::testing::AssertionResult PacemakerLab::StartCluster(int node) {
  if (auto r = lab_.StartCorosync(node); !r) return r;
  return StartPacemaker(node);
}

::testing::AssertionResult PacemakerLab::PowerOff(int node) {
  pacemakerd_.at(size_t(node)) = -1;  // reaped by the Lab
  return lab_.PowerOff(node);
}

::testing::AssertionResult PacemakerLab::Boot(int node) {
  PacemakerRunning(node);  // reaps a pacemakerd a fence agent killed
  pacemakerd_.at(size_t(node)) = -1;
  if (auto r = lab_.Boot(node); !r) return r;
  return StartPacemaker(node);
}

ExecResult PacemakerLab::Run(int node, const std::vector<std::string>& argv, std::chrono::milliseconds timeout) const {
  return lab_.Exec(node, argv, timeout);
}

::testing::AssertionResult PacemakerLab::Configure(int node, const std::string& crm_text) {
  static int count = 0;
  const std::string file = lab_.dir() + "/config-" + std::to_string(++count) + ".crm";
  std::ofstream(file) << crm_text;
  ExecResult r = Run(node, {"crm", "configure", "load", "update", file}, 60s);
  if (r.exit_code == 0 && r.output.find("ERROR") == std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "crm configure load update " << file << " on " << Name(node) << ": exit "
                                       << r.exit_code << (r.timed_out ? " (timed out)" : "") << "\n"
                                       << r.output;
}

::testing::AssertionResult PacemakerLab::SetStandby(int node, const std::string& target, bool standby) {
  ExecResult r = Run(node, {"crm_standby", "--node", target, "--update", standby ? "on" : "off"});
  if (r.exit_code == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "crm_standby --node " << target << " on " << Name(node) << ": " << r.output;
}

ClusterStatus PacemakerLab::Status(int observer) const {
  ClusterStatus s;
  ExecResult r = Run(observer, {"crm_mon", "--output-as=xml", "--one-shot", "--inactive"}, 10s);
  s.raw = r.output;
  if (r.exit_code != 0 || r.output.find("<nodes>") == std::string::npos) return s;
  s.answered = true;
  // A scan over the tags that matter: current_dc, node (in <nodes>, or in a
  // <resource>: where it runs), clone, resource.
  static const std::regex tag_re("<(/?)(current_dc|nodes|node|clone|resource|group|bundle)\\b([^>]*)>");
  std::string clone;
  bool in_nodes = false, in_resource = false;
  for (auto it = std::sregex_iterator(r.output.begin(), r.output.end(), tag_re); it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    const bool close = m[1].length() > 0;
    const std::string name = m[2], body = m[3];
    const bool self_closing = !body.empty() && body.back() == '/';
    if (name == "current_dc" && !close) {
      if (Attr(body, "present") == "true") s.dc = Attr(body, "name");
      s.quorum = Attr(body, "with_quorum") == "true";
    } else if (name == "nodes") {
      in_nodes = !close && !self_closing;
    } else if (name == "clone") {
      clone = close || self_closing ? "" : Attr(body, "id");
    } else if (name == "resource") {
      if (close) {
        in_resource = false;
        continue;
      }
      PcmkInstance inst;
      inst.id = Attr(body, "id");
      inst.clone = clone;
      inst.role = Attr(body, "role");
      inst.failed = Attr(body, "failed") == "true";
      s.resources.push_back(inst);
      in_resource = !self_closing;
    } else if (name == "node" && !close) {
      if (in_resource && !s.resources.empty()) {
        PcmkInstance& last = s.resources.back();
        if (last.node.empty()) {
          last.node = Attr(body, "name");
        } else {  // a primitive active on several nodes: one instance each
          PcmkInstance more = last;
          more.node = Attr(body, "name");
          s.resources.push_back(more);
        }
      } else if (in_nodes) {
        PcmkNode n;
        n.name = Attr(body, "name");
        n.online = Attr(body, "online") == "true";
        n.standby = Attr(body, "standby") == "true";
        n.unclean = Attr(body, "unclean") == "true";
        n.is_dc = Attr(body, "is_dc") == "true";
        s.nodes.push_back(n);
      }
    }
  }
  return s;
}

::testing::AssertionResult PacemakerLab::WaitFormed(int observer, std::chrono::milliseconds timeout,
                                                    std::vector<std::string> online, ClusterStatus* seen) const {
  if (online.empty()) online = AllNames();
  std::sort(online.begin(), online.end());
  return WaitStatus(
      observer, timeout, "a DC with quorum and online " + Names(online),
      [&](const ClusterStatus& s) { return !s.dc.empty() && s.quorum && s.online() == online; }, seen);
}

::testing::AssertionResult PacemakerLab::WaitPromoted(int observer, const std::string& clone, const std::string& on,
                                                      std::chrono::milliseconds timeout, std::string* where,
                                                      ClusterStatus* seen) const {
  ClusterStatus got;
  auto r = WaitStatus(
      observer, timeout, clone + " promoted on exactly one node" + (on.empty() ? "" : ": " + on),
      [&](const ClusterStatus& s) {
        auto p = s.where(clone, "Promoted");
        return p.size() == 1 && (on.empty() || p[0] == on);
      },
      &got);
  if (r) {
    if (where) *where = got.where(clone, "Promoted").at(0);
    if (seen) *seen = got;
  }
  return r;
}

::testing::AssertionResult PacemakerLab::WaitRole(int observer, const std::string& rsc, const std::string& node_name,
                                                  const std::string& role, std::chrono::milliseconds timeout,
                                                  ClusterStatus* seen) const {
  return WaitStatus(
      observer, timeout, rsc + " " + role + " on " + node_name,
      [&](const ClusterStatus& s) {
        auto w = s.where(rsc, role);
        return std::find(w.begin(), w.end(), node_name) != w.end();
      },
      seen);
}

std::vector<FenceEvent> PacemakerLab::FenceHistory(int observer, const std::string& target) const {
  std::vector<FenceEvent> v;
  // --verbose: every event (without it, only the latest of each kind).
  ExecResult r = Run(observer, {"stonith_admin", "--history", target, "--verbose", "--output-as=xml"}, 10s);
  static const std::regex ev_re("<fence_event\\b([^>]*)>");
  for (auto it = std::sregex_iterator(r.output.begin(), r.output.end(), ev_re); it != std::sregex_iterator(); ++it) {
    const std::string body = (*it)[1];
    v.push_back({Attr(body, "target"), Attr(body, "action"), Attr(body, "status"), Attr(body, "delegate"),
                 Attr(body, "origin"), Attr(body, "completed")});
  }
  std::reverse(v.begin(), v.end());  // stonith_admin lists the newest first
  return v;
}

std::string PacemakerLab::FenceLog() const { return ReadAll(lab_.dir() + "/fence.log"); }

std::string PacemakerLab::PacemakerLog(int node) const {
  return ReadAll(lab_.PrivateDir(node, "/var/log/pacemaker") + "/pacemaker.log");
}

void PacemakerLab::PrintDiagnostics() const {
  for (int n = 1; n <= lab_.nodes(); ++n) {
    std::printf("===== pacemaker on %s =====\n", Name(n).c_str());
    if (lab_.Anchor(n) > 0) std::printf("--- crm_mon\n%s", Run(n, {"crm_mon", "-1", "--inactive"}, 10s).output.c_str());
    std::printf("--- pacemakerd output\n%s", Tail(ReadAll(lab_.NodeDir(n) + "/pacemakerd.stdout"), 2048).c_str());
    std::printf("--- pacemaker.log\n%s", Tail(PacemakerLog(n), 24 * 1024).c_str());
  }
  std::printf("===== fence.log\n%s===== end of pacemaker diagnostics\n", FenceLog().c_str());
  std::fflush(stdout);
}

}  // namespace esan::ha
