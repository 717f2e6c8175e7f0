#include "tests/ha/ha_util.h"

#include <signal.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "tests/integration/mgmt_client.h"
#include "tests/integration/test_util.h"

namespace esan::ha {

using namespace std::chrono_literals;

std::string TargetIqn(int node) { return "iqn.2026-12.org.esan:node" + std::to_string(node); }

std::string NodeConfig(int node, const std::string& image, bool cluster, int storage_nodes,
                       const std::string& alua_access) {
  std::string s = it::Handler("vdisk_fileio", it::FileioDevice("disk0", image, {"t10_dev_id esan-ha-disk0", "usn HA0DISK0"})) +
                  it::IscsiDriver(it::Target(TargetIqn(node), "        rel_tgt_id " + std::to_string(node) +
                                                                  "\n        LUN 0 disk0\n"));
  if (!cluster) return s;
  const char* without = std::getenv("ESAN_HA_WITHOUT_CLUSTER_GROUP");
  s += "DEVICE_GROUP dg {\n    DEVICE disk0\n";
  if (!(without && *without == '1')) s += "    esan_cluster_group esan-dg\n";
  s += "    esan_alua_owner cluster\n";
  if (!alua_access.empty()) s += "    esan_alua_access " + alua_access + "\n";
  for (int g = 1; g <= storage_nodes; ++g) {
    s += "    TARGET_GROUP g" + std::to_string(g) + " {\n        group_id " + std::to_string(g) +
         "\n        state " + (g == 1 ? "active" : "nonoptimized") + "\n";
    if (g == node)
      s += "        TARGET " + TargetIqn(g) + "\n";
    else
      s += "        TARGET " + TargetIqn(g) + " {\n            rel_tgt_id " + std::to_string(g) + "\n        }\n";
    s += "    }\n";
  }
  return s + "}\n";
}

std::string InternalIqn(int node) { return TargetIqn(node) + "-internal"; }

std::string InternalTarget(int node, const std::string& peer_address) {
  return it::Target(InternalIqn(node), "        rel_tgt_id " + std::to_string(10 + node) +
                                           "\n        esan_internal 1\n        esan_peer_address " + peer_address +
                                           "\n        IncomingUser " + kPeerChap +
                                           "\n        QueuedCommands 512\n        LUN 0 disk0\n");
}

std::string PeerRedirectLines(int peer, const std::string& peer_portal) {
  return "        esan_peer_portal " + peer_portal + "\n        esan_peer_target " + InternalIqn(peer) +
         "\n        esan_peer_chap " + kPeerChap + "\n";
}

long TargetWrites(const std::string& mgmt_socket, const std::string& iqn) {
  auto r = it::MgmtClient(mgmt_socket).Get("/v1/stats");
  if (r.status != 200 || !r.json.contains("targets") || !r.json["targets"].contains(iqn)) return -1;
  return r.json["targets"][iqn]["commands"].value("write", -1L);
}

EsandNodes::EsandNodes(Lab& lab, bool cluster, int n) : lab_(lab), cluster_(cluster), n_(n), esand_(size_t(n) + 1) {
  image_ = lab.dir() + "/disk0.img";
  for (int i = 1; i <= n; ++i) esand_[size_t(i)] = std::make_unique<EsandProcess>("ha-" + lab.NodeName(i));
}

EsandNodes::~EsandNodes() = default;

::testing::AssertionResult EsandNodes::Start(int node) {
  if (!std::filesystem::exists(image_) && !it::MakeSparseFile(image_, 64 << 20))
    return ::testing::AssertionFailure() << "cannot create " << image_;
  EsandProcess& e = esand(node);
  if (!std::filesystem::exists(e.config_path())) e.WriteConfig(NodeConfig(node, image_, cluster_, n_, alua_access_));
  EsandProcess::Options o;
  o.address = lab_.FrontAddress(node);
  o.wrapper = lab_.Wrapper(node);
  o.log_level = "debug";
  auto r = e.Start(o);
  if (!r) r << " (" << lab_.NodeName(node) << ")";
  return r;
}

::testing::AssertionResult EsandNodes::StartAll() {
  for (int i = 1; i <= n_; ++i)
    if (auto r = Start(i); !r) return r;
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult EsandNodes::Stop(int node) {
  auto r = esand(node).Stop();
  if (!r) r << " (" << lab_.NodeName(node) << ")";
  return r;
}

void EsandNodes::Kill(int node) {
  esand(node).Signal(SIGKILL);
  esand(node).WaitExit(10s);
}

Context EsandNodes::Session(int node, const std::string& initiator, uint32_t isid,
                            std::chrono::milliseconds ready_timeout) {
  SessionOptions o;
  o.initiator = initiator;
  o.isid_random = std::make_pair(isid, 1u);
  std::string err;
  Context c = it::Login(Portal(node), TargetIqn(node), -1, o, &err);
  if (!c) {
    ADD_FAILURE() << lab_.NodeName(node) << ": " << err;
    return nullptr;
  }
  if (auto r = WaitUsable(c.get(), ready_timeout); !r) {
    ADD_FAILURE() << lab_.NodeName(node) << " (" << initiator << "): " << r.message();
    return nullptr;
  }
  return c;
}

::testing::AssertionResult WaitUsable(iscsi_context* ctx, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string last;
  int unit_attentions = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    Task t(iscsi_testunitready_sync(ctx, 0));
    if (t && t->status == SCSI_STATUS_GOOD) return ::testing::AssertionSuccess();
    last = it::Describe(ctx, t.get());
    if (t && t->status == SCSI_STATUS_CHECK_CONDITION && t->sense.key == SCSI_SENSE_UNIT_ATTENTION) {
      if (++unit_attentions > 50) break;
      continue;
    }
    if (IsSense(t.get(), SCSI_SENSE_NOT_READY, 0x0401)) {
      std::this_thread::sleep_for(100ms);
      continue;
    }
    return ::testing::AssertionFailure() << "TEST UNIT READY: " << last;
  }
  return ::testing::AssertionFailure() << "TEST UNIT READY not GOOD within " << timeout.count()
                                       << " ms; last: " << last;
}

Task ProutTask(iscsi_context* ctx, int sa, int type, uint64_t key, uint64_t sa_key, bool aptpl) {
  scsi_persistent_reserve_out_basic p{};
  p.reservation_key = key;
  p.service_action_reservation_key = sa_key;
  p.aptpl = aptpl ? 1 : 0;
  return Task(iscsi_persistent_reserve_out_sync(ctx, 0, sa, 0, type, &p));
}

::testing::AssertionResult Prout(iscsi_context* ctx, int sa, int type, uint64_t key, uint64_t sa_key, bool aptpl) {
  Task t = ProutTask(ctx, sa, type, key, sa_key, aptpl);
  if (t && t->status == SCSI_STATUS_GOOD) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "PR OUT service action " << sa << ": " << it::Describe(ctx, t.get());
}

PrKeys ReadKeys(iscsi_context* ctx) {
  PrKeys k;
  Task t(iscsi_persistent_reserve_in_sync(ctx, 0, SCSI_PERSISTENT_RESERVE_READ_KEYS, 4096));
  if (!t || t->status != SCSI_STATUS_GOOD) {
    ADD_FAILURE() << "PR IN READ KEYS: " << it::Describe(ctx, t.get());
    return k;
  }
  auto* rk = static_cast<scsi_persistent_reserve_in_read_keys*>(scsi_datain_unmarshall(t.get()));
  if (!rk) {
    ADD_FAILURE() << "PR IN READ KEYS: bad parameter data";
    return k;
  }
  k.ok = true;
  k.generation = rk->prgeneration;
  k.keys.assign(rk->keys, rk->keys + rk->num_keys);
  std::sort(k.keys.begin(), k.keys.end());
  return k;
}

PrReservation ReadReservation(iscsi_context* ctx) {
  PrReservation r;
  Task t(iscsi_persistent_reserve_in_sync(ctx, 0, SCSI_PERSISTENT_RESERVE_READ_RESERVATION, 4096));
  if (!t || t->status != SCSI_STATUS_GOOD) {
    ADD_FAILURE() << "PR IN READ RESERVATION: " << it::Describe(ctx, t.get());
    return r;
  }
  r.raw.assign(t->datain.data, t->datain.data + t->datain.size);
  auto* rr = static_cast<scsi_persistent_reserve_in_read_reservation*>(scsi_datain_unmarshall(t.get()));
  if (!rr) {
    ADD_FAILURE() << "PR IN READ RESERVATION: bad parameter data";
    return r;
  }
  r.ok = true;
  r.generation = rr->prgeneration;
  r.reserved = rr->reserved != 0;
  r.key = rr->reservation_key;
  r.type = rr->pr_type;
  return r;
}

std::string ToString(const PrKeys& k) {
  if (!k.ok) return "(READ KEYS failed)";
  char buf[64];
  std::snprintf(buf, sizeof buf, "generation %u keys {", k.generation);
  std::string s = buf;
  for (size_t i = 0; i < k.keys.size(); ++i) {
    std::snprintf(buf, sizeof buf, "%s0x%llx", i ? ", " : "", static_cast<unsigned long long>(k.keys[i]));
    s += buf;
  }
  return s + "}";
}

std::string ToString(const PrReservation& r) {
  if (!r.ok) return "(READ RESERVATION failed)";
  char buf[128];
  if (!r.reserved)
    std::snprintf(buf, sizeof buf, "generation %u, no reservation", r.generation);
  else
    std::snprintf(buf, sizeof buf, "generation %u, reservation key 0x%llx type %d", r.generation,
                  static_cast<unsigned long long>(r.key), r.type);
  return buf;
}

::testing::AssertionResult SamePrState(iscsi_context* a, iscsi_context* b) {
  PrKeys ka = ReadKeys(a), kb = ReadKeys(b);
  PrReservation ra = ReadReservation(a), rb = ReadReservation(b);
  if (ka.ok && ra.ok && ka == kb && ra == rb) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "PR state differs:\n  first:  " << ToString(ka) << "; " << ToString(ra)
                                       << "\n  second: " << ToString(kb) << "; " << ToString(rb);
}

Task RunCdb(iscsi_context* ctx, std::vector<uint8_t> cdb, int dir, int xfer_len, std::vector<uint8_t> data_out) {
  Task t(scsi_create_task(int(cdb.size()), cdb.data(), dir, xfer_len));
  if (!t) return nullptr;
  iscsi_data d{data_out.size(), data_out.empty() ? nullptr : data_out.data()};
  if (iscsi_scsi_command_sync(ctx, 0, t.get(), data_out.empty() ? nullptr : &d) == nullptr) return nullptr;
  return t;
}

bool IsSense(const scsi_task* t, int key, int ascq) {
  return t && t->status == SCSI_STATUS_CHECK_CONDITION && t->sense.key == key && t->sense.ascq == ascq;
}

std::vector<uint8_t> Rtpg(iscsi_context* ctx) {
  Task t = RunCdb(ctx, {0xA3, 0x0A, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0}, SCSI_XFER_READ, 1024);
  if (!t || t->status != SCSI_STATUS_GOOD) {
    ADD_FAILURE() << "REPORT TARGET PORT GROUPS: " << it::Describe(ctx, t.get());
    return {};
  }
  return {t->datain.data, t->datain.data + t->datain.size};
}

std::vector<TpGroup> ParseRtpg(const std::vector<uint8_t>& d) {
  std::vector<TpGroup> out;
  if (d.size() < 4) return out;
  for (size_t off = 4; off + 8 <= d.size();) {
    TpGroup g{d[off] & 0x0F, d[off + 2] << 8 | d[off + 3], d[off + 5], {}};
    int n = d[off + 7];
    off += 8;
    for (int i = 0; i < n && off + 4 <= d.size(); ++i, off += 4) g.ports.push_back(d[off + 2] << 8 | d[off + 3]);
    out.push_back(g);
  }
  return out;
}

std::string ToString(const std::vector<TpGroup>& groups) {
  std::ostringstream s;
  for (const auto& g : groups) {
    s << "[group " << g.id << " state " << g.state << " status " << g.status << " ports";
    for (int p : g.ports) s << ' ' << p;
    s << "] ";
  }
  return s.str();
}

void PrintTo(const TpGroup& g, std::ostream* os) { *os << ToString(std::vector<TpGroup>{g}); }
void PrintTo(const PrKeys& k, std::ostream* os) { *os << ToString(k); }
void PrintTo(const PrReservation& r, std::ostream* os) { *os << ToString(r); }

Task Stpg(iscsi_context* ctx, const std::vector<std::pair<int, int>>& states) {
  std::vector<uint8_t> params(4, 0);
  for (auto [state, id] : states) {
    params.insert(params.end(), {uint8_t(state & 0x0F), 0, uint8_t(id >> 8), uint8_t(id)});
  }
  return RunCdb(ctx, {0xA4, 0x0A, 0, 0, 0, 0, 0, 0, 0, uint8_t(params.size()), 0, 0}, SCSI_XFER_WRITE,
                int(params.size()), params);
}

}  // namespace esan::ha
