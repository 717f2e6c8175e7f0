// HaPair: issue 14's deployment in the lab, the whole stack as an admin
// runs it: a PacemakerLab (pacemaker.h: node1 = storage1, node2 =
// storage2, node3 = witness), esand on the two storage nodes run by the
// resource agent ocf:esan:target (ra/target, shown in every node's
// /usr/lib/ocf/resource.d/esan/ by a Lab overlay) under Pacemaker, with
// the seed's crm configuration (CrmText(): the seed's agent parameters, a
// promotable clone, storage1 preferred, never the witness, one fence
// device per storage node: fence_esanlab).
//
// Each storage node's esand (Config()) exports disk0 -- one file both
// open, the lab's shared disk -- through its target iqn...:nodeN on
// 0.0.0.0:3260 of its namespace, in DEVICE_GROUP default (esan_cluster_group:
// states replicated by group id) with TARGET_GROUP local (group id N, this
// node's port) and remote (the peer's port), as docs/HA.md writes it; and an
// internal target the peer's redirect forwards to (esan_io_policy
// redirect: the non-optimized node ships medium access to the optimized
// one).
//
// The node's files are where a real node has them: /etc/esan/esan.conf,
// and /var/lib/esan (API socket esand.sock, pidfile, log, state dir) --
// both private to the node (Lab private dirs; on the host they are only
// empty mount points, made if missing), so they survive a PowerOff/Boot of
// the node as a disk would.
//
// Start() forms the cluster, writes the configs, loads CrmText() and waits
// until node1 is promoted and node2 unpromoted, and both esands answer
// with the states that go with it.
#pragma once

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "tests/ha/pacemaker.h"

namespace esan::ha {

class HaPair {
 public:
  static constexpr const char* kClone = "ms_esan";
  static constexpr const char* kPrimitive = "p_esan";
  static constexpr int kLuBlocks = 2097152;  // 1 GiB of 512-byte blocks (a sparse file)

  HaPair();
  ~HaPair();

  ::testing::AssertionResult Start(std::chrono::milliseconds timeout = std::chrono::seconds(120));

  PacemakerLab& pcmk() { return pcmk_; }
  Lab& lab() { return pcmk_.lab(); }

  std::string Iqn(int node) const;
  std::string Portal(int node) const;  // front address:3260
  std::string Image() const;           // the shared disk (a host path)
  // Host paths of the node's private files.
  std::string EtcDir(int node) const;  // /etc/esan
  std::string VarDir(int node) const;  // /var/lib/esan
  std::string Socket(int node) const { return VarDir(node) + "/esand.sock"; }
  std::string EsandLog(int node) const { return VarDir(node) + "/esand.log"; }

  std::string Config(int node) const;
  std::string CrmText() const;

  // Target port group `group_id`'s ALUA state as node's esand has it
  // (esanctl alua state), or "error: ..." when esand does not answer.
  std::string State(int node, int group_id) const;
  // Bounded wait until node's esand has group 1 in g1 and group 2 in g2.
  ::testing::AssertionResult WaitStates(int node, const std::string& g1, const std::string& g2,
                                        std::chrono::milliseconds timeout) const;
  // Writes (GOOD) through node's own target since its esand started, from
  // its statistics; -1 when its esand does not answer.
  long TargetWrites(int node) const;
  // The pid in node's pidfile (0 if none).
  pid_t EsandPid(int node) const;

  // Crm status, both esand logs' tails and the pacemaker diagnostics.
  void PrintDiagnostics() const;

 private:
  PacemakerLab pcmk_;
};

}  // namespace esan::ha
