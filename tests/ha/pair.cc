#include "tests/ha/pair.h"

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "tests/ha/ha_util.h"
#include "tests/integration/test_util.h"

#ifndef ESAND_PATH
#error "ESAND_PATH must be defined"
#endif
#ifndef ESANCTL_PATH
#error "ESANCTL_PATH must be defined"
#endif
#ifndef RA_PATH
#error "RA_PATH must be defined (ra/target)"
#endif

namespace esan::ha {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

constexpr char kEtc[] = "/etc/esan";
constexpr char kVar[] = "/var/lib/esan";

PacemakerLab::Options PairOptions() {
  // The mount points of the nodes' private /etc/esan and /var/lib/esan.
  std::error_code ec;
  fs::create_directories(kEtc, ec);
  fs::create_directories(kVar, ec);
  PacemakerLab::Options o;
  o.lab.private_dirs = {kEtc, kVar};
  o.lab.overlays.push_back({"/usr/lib/ocf/resource.d", {{"esan/target", RA_PATH}}});
  return o;
}

std::string TrimmedLine(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

}  // namespace

HaPair::HaPair() : pcmk_(PairOptions()) {}

HaPair::~HaPair() {
  if (::testing::Test::HasFailure() && lab().slot() >= 0) PrintDiagnostics();
}

std::string HaPair::Iqn(int node) const { return TargetIqn(node); }
std::string HaPair::Portal(int node) const { return pcmk_.lab().FrontAddress(node) + ":3260"; }
std::string HaPair::Image() const { return pcmk_.lab().dir() + "/disk0.img"; }
std::string HaPair::EtcDir(int node) const { return pcmk_.lab().PrivateDir(node, kEtc); }
std::string HaPair::VarDir(int node) const { return pcmk_.lab().PrivateDir(node, kVar); }

std::string HaPair::Config(int node) const {
  const int peer = 3 - node;
  const Lab& lab = pcmk_.lab();
  std::string targets =
      it::Target(Iqn(node), "        rel_tgt_id " + std::to_string(node) + "\n        LUN 0 disk0\n") +
      InternalTarget(node, lab.FrontAddress(peer));
  std::string s = it::Handler("vdisk_fileio", it::FileioDevice("disk0", Image(), {"t10_dev_id esan-ha-disk0",
                                                                                   "usn HA0DISK0"})) +
                  it::IscsiDriver(targets);
  // Group ids mean the same ports on both nodes: group N is nodeN's port.
  // The file's states are the initial ones; the agent sets the running ones.
  s += "DEVICE_GROUP default {\n    DEVICE disk0\n    esan_cluster_group esan-default\n";
  s += "    TARGET_GROUP local {\n        group_id " + std::to_string(node) + "\n        state " +
       (node == 1 ? "active" : "nonoptimized") + "\n        TARGET " + Iqn(node) + "\n    }\n";
  s += "    TARGET_GROUP remote {\n        group_id " + std::to_string(peer) + "\n        state " +
       (peer == 1 ? "active" : "nonoptimized") + "\n" + PeerRedirectLines(peer, Portal(peer)) + "        TARGET " +
       Iqn(peer) + " {\n            rel_tgt_id " + std::to_string(peer) + "\n        }\n    }\n";
  return s + "}\n";
}

std::string HaPair::CrmText() const {
  // packaging/esan-ha.crm (the seed's configuration for Pacemaker 2.1, the
  // promoted instance monitored every 2 s) with the lab's names: storage1/2
  // and witness are node1/2/3, fence_esanlab for fence_ipmilan. The agent's
  // parameters are the seed's, verbatim, plus where esand and its files are.
  std::ostringstream c;
  c << "property cib-bootstrap-options: stonith-enabled=true stonith-timeout=30s no-quorum-policy=stop\n"
    << "rsc_defaults rsc-options: resource-stickiness=10\n"
    << "primitive " << kPrimitive << " ocf:esan:target \\\n"
    << "    params alua=true device_group=default local_tgt_grp=local remote_tgt_grp=remote \\\n"
    << "        m_alua_state=active s_alua_state=nonoptimized \\\n"
    << "        config=" << kEtc << "/esan.conf socket=" << kVar << "/esand.sock pidfile=" << kVar
    << "/esand.pid \\\n"
    << "        logfile=" << kVar << "/esand.log state_dir=" << kVar << "/state \\\n"
    << "        esand=" << ESAND_PATH << " esanctl=" << ESANCTL_PATH << " \\\n"
    << "    op monitor interval=2s role=Promoted timeout=30s \\\n"
    << "    op monitor interval=20s role=Unpromoted timeout=30s \\\n"
    << "    op start interval=0 timeout=120s \\\n"
    << "    op stop interval=0 timeout=60s\n"
    << "clone " << kClone << " " << kPrimitive << " \\\n"
    << "    meta promotable=true promoted-max=1 promoted-node-max=1 clone-max=2 clone-node-max=1 \\\n"
    << "        notify=true interleave=true\n"
    << "location prefer_storage1 " << kClone << " role=Promoted 100: node1\n"
    << "location no_esan_on_witness " << kClone << " -inf: node3\n"
    << "primitive st_storage1 stonith:fence_esanlab params pcmk_host_list=node1 pcmk_host_check=static-list "
       "op monitor interval=60s\n"
    << "primitive st_storage2 stonith:fence_esanlab params pcmk_host_list=node2 pcmk_host_check=static-list "
       "op monitor interval=60s\n"
    << "location st_storage1_not_on_storage1 st_storage1 -inf: node1\n"
    << "location st_storage2_not_on_storage2 st_storage2 -inf: node2\n";
  return c.str();
}

::testing::AssertionResult HaPair::Start(std::chrono::milliseconds timeout) {
  if (auto r = pcmk_.Start(); !r) return r;
  if (!it::MakeSparseFile(Image(), int64_t(kLuBlocks) * 512))
    return ::testing::AssertionFailure() << "cannot create " << Image();
  for (int n = 1; n <= 2; ++n) std::ofstream(EtcDir(n) + "/esan.conf") << Config(n);
  if (auto r = pcmk_.Configure(1, CrmText()); !r) return r;
  if (auto r = pcmk_.WaitPromoted(3, kClone, "node1", timeout); !r) return r;
  if (auto r = pcmk_.WaitRole(3, kPrimitive, "node2", "Unpromoted", timeout); !r) return r;
  for (int n = 1; n <= 2; ++n)
    if (auto r = WaitStates(n, "active", "nonoptimized", 30s); !r) return r;
  return ::testing::AssertionSuccess();
}

std::string HaPair::State(int node, int group_id) const {
  ExecResult r = RunProgram({ESANCTL_PATH, "--socket", Socket(node), "alua", "state", "default",
                             group_id == node ? "local" : "remote"},
                            5s);
  std::string s = TrimmedLine(r.output);
  return r.exit_code == 0 ? s : "error: " + s;
}

::testing::AssertionResult HaPair::WaitStates(int node, const std::string& g1, const std::string& g2,
                                              std::chrono::milliseconds timeout) const {
  return Eventually(timeout, [&]() -> ::testing::AssertionResult {
    std::string a = State(node, 1), b = State(node, 2);
    if (a == g1 && b == g2) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << pcmk_.Name(node) << ": group 1 " << a << ", group 2 " << b
                                         << "; expected " << g1 << ", " << g2;
  });
}

long HaPair::TargetWrites(int node) const { return esan::ha::TargetWrites(Socket(node), Iqn(node)); }

pid_t HaPair::EsandPid(int node) const {
  std::ifstream f(VarDir(node) + "/esand.pid");
  pid_t pid = 0;
  f >> pid;
  return pid;
}

void HaPair::PrintDiagnostics() const {
  for (int n = 1; n <= 2; ++n) {
    std::ifstream f(EsandLog(n));
    std::string all((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (all.size() > 4000) all = all.substr(all.size() - 4000);
    std::cerr << "===== " << pcmk_.Name(n) << " esand.log (tail) =====\n" << all << "\n";
  }
}

}  // namespace esan::ha
