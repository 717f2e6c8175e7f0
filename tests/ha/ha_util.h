// Helpers of the HA lab tests: esand on lab nodes exporting one shared LU,
// sessions that wait until a (cluster) esand is ready, and SCSI helpers for
// persistent reservations and ALUA.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/ha/lab.h"
#include "tests/integration/esand_process.h"
#include "tests/integration/iscsi_client.h"

namespace esan::ha {

using it::Context;
using it::EsandProcess;
using it::SessionOptions;
using it::Task;

// Node N's target: iqn.2026-12.org.esan:nodeN, relative target port N, in
// target port group N of device group dg.
std::string TargetIqn(int node);

// The config of node's esand: one vdisk_fileio LU disk0 on image (the
// shared disk: every node opens the same file, with the same t10_dev_id and
// usn, so the LU's identifiers match), LUN 0 of TargetIqn(node) with
// rel_tgt_id node. With cluster: DEVICE_GROUP dg with esan_cluster_group
// esan-dg, esan_alua_owner cluster, and per storage node (1..storage_nodes)
// a TARGET_GROUP gN (group_id N; g1 active, the others nonoptimized) holding
// that node's target (a local target here, a remote one with its rel_tgt_id
// on the other nodes).
//
// alua_access, when not empty, is the device group's esan_alua_access
// (implicit, explicit, both; esand's default for a replicated group is
// implicit: no SET TARGET PORT GROUPS from initiators).
//
// ESAN_HA_WITHOUT_CLUSTER_GROUP=1 leaves the esan_cluster_group line out
// (the device group stays): a check of the harness itself against an esand
// without the replicated coordinator; the cross-node assertions then fail.
std::string NodeConfig(int node, const std::string& image, bool cluster, int storage_nodes = 2,
                       const std::string& alua_access = "");

// esand on nodes 1..n of a started Lab, all exporting disk0 from
// lab.dir()/disk0.img. Declare it after the Lab (it must go first).
class EsandNodes {
 public:
  EsandNodes(Lab& lab, bool cluster, int n = 2);
  ~EsandNodes();

  // NodeConfig's alua_access for the configs Start writes from now on.
  void SetAluaAccess(std::string access) { alua_access_ = std::move(access); }

  // Writes node's config (first time) and starts its esand on the node's
  // front address (wrapped into the node's namespaces).
  ::testing::AssertionResult Start(int node);
  ::testing::AssertionResult StartAll();
  ::testing::AssertionResult Stop(int node);
  // SIGKILL, and wait until it is gone.
  void Kill(int node);

  EsandProcess& esand(int node) { return *esand_.at(size_t(node)); }
  std::string Portal(int node) { return esand(node).portal(); }
  // iscsi://ADDRESS:PORT/IQN/0
  std::string Url(int node) { return esand(node).Url(TargetIqn(node), 0); }
  const std::string& image() const { return image_; }

  // Logs in to node's target as initiator with ISID qualifier isid (the
  // same initiator and isid later is the same initiator port) and waits
  // until TEST UNIT READY is GOOD (WaitUsable). Null (and a non-fatal
  // failure) if that fails.
  Context Session(int node, const std::string& initiator, uint32_t isid,
                  std::chrono::milliseconds ready_timeout = std::chrono::seconds(30));

 private:
  Lab& lab_;
  bool cluster_;
  std::string alua_access_;
  int n_;
  std::string image_;
  std::vector<std::unique_ptr<EsandProcess>> esand_;  // index 1..n
};

// TEST UNIT READY until GOOD: unit attentions are consumed, NOT READY
// LOGICAL UNIT IS IN PROCESS OF BECOMING READY (04/01: a cluster esand that
// has not yet taken the LU state from its peers) is retried every 100 ms,
// anything else fails.
::testing::AssertionResult WaitUsable(iscsi_context* ctx, std::chrono::milliseconds timeout);

// Retries check every 100 ms until it succeeds or timeout passes (returns
// its last failure). For what one node sees after a change made through the
// other: the change's status comes after it is delivered on the node that
// took the command; the other node applies it in the same order, but may be
// a few milliseconds later.
template <typename F>
::testing::AssertionResult Eventually(std::chrono::milliseconds timeout, F check) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    ::testing::AssertionResult r = check();
    if (r || std::chrono::steady_clock::now() >= deadline) {
      if (!r) r << " (still, after " << timeout.count() << " ms)";
      return r;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// --- the I/O redirect (docs/HA.md "I/O redirect")
// Node N's internal target, the one its peer's forwarder logs in to:
// TargetIqn(N) + "-internal".
std::string InternalIqn(int node);
// Its TARGET block (for TARGET_DRIVER iscsi): rel_tgt_id 10+N, esan_internal,
// reachable from peer_address only, the peer's CHAP account (kPeerChap),
// LUN 0 disk0.
std::string InternalTarget(int node, const std::string& peer_address);
// The lines (8-space indented) of the TARGET_GROUP holding peer's port that
// make this node forward to peer's internal target at peer_portal.
std::string PeerRedirectLines(int peer, const std::string& peer_portal);
// The peer forwarders' CHAP account ("user secret", quoted for the config).
inline constexpr char kPeerChap[] = "\"esan-peer a-long-peer-secret\"";

// GOOD writes through target iqn since esand started, from its statistics
// (GET /v1/stats on mgmt_socket); -1 when esand does not answer or has no
// such target.
long TargetWrites(const std::string& mgmt_socket, const std::string& iqn);

// --- persistent reservations
constexpr int kWriteExclusive = 1, kExclusiveAccess = 3;

Task ProutTask(iscsi_context* ctx, int sa, int type, uint64_t key, uint64_t sa_key, bool aptpl = false);
::testing::AssertionResult Prout(iscsi_context* ctx, int sa, int type, uint64_t key, uint64_t sa_key,
                                 bool aptpl = false);

struct PrKeys {
  bool ok = false;
  uint32_t generation = 0;
  std::vector<uint64_t> keys;  // sorted
  bool operator==(const PrKeys&) const = default;
};
struct PrReservation {
  bool ok = false;
  uint32_t generation = 0;
  bool reserved = false;
  uint64_t key = 0;
  int type = 0;
  std::vector<uint8_t> raw;  // the whole parameter data
  bool operator==(const PrReservation&) const = default;
};
PrKeys ReadKeys(iscsi_context* ctx);
PrReservation ReadReservation(iscsi_context* ctx);
std::string ToString(const PrKeys& k);
std::string ToString(const PrReservation& r);

// READ KEYS and READ RESERVATION through a and through b answer the same.
::testing::AssertionResult SamePrState(iscsi_context* a, iscsi_context* b);

// --- raw CDBs and ALUA
Task RunCdb(iscsi_context* ctx, std::vector<uint8_t> cdb, int dir, int xfer_len, std::vector<uint8_t> data_out = {});
bool IsSense(const scsi_task* t, int key, int ascq);

// REPORT TARGET PORT GROUPS (extended header off): the parameter data, or
// empty on failure (with a non-fatal failure).
std::vector<uint8_t> Rtpg(iscsi_context* ctx);
struct TpGroup {
  int state, id, status;
  std::vector<int> ports;
  bool operator==(const TpGroup&) const = default;
};
std::vector<TpGroup> ParseRtpg(const std::vector<uint8_t>& d);
std::string ToString(const std::vector<TpGroup>& groups);
// For gtest's messages.
void PrintTo(const TpGroup& g, std::ostream* os);
void PrintTo(const PrKeys& k, std::ostream* os);
void PrintTo(const PrReservation& r, std::ostream* os);
// SET TARGET PORT GROUPS with {state, group id} descriptors.
Task Stpg(iscsi_context* ctx, const std::vector<std::pair<int, int>>& states);

}  // namespace esan::ha
