#include "cluster/cpg_coordinator.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <utility>

#include <fmt/format.h>

extern "C" {
#include <corosync/cpg.h>
#include <corosync/quorum.h>
}

#include "common/bytes.h"
#include "common/log.h"

namespace esan::cluster {

namespace {

// ---- the group's messages: type, proposal id, the member list a sync
// message was sent for, payload ----
enum class Msg : uint8_t { kChange = 1, kBarrier = 2, kHello = 3, kSnapshot = 4, kAck = 5 };

// A member's rank as a state source, in its Hello: synced and quorate ever
// since (it holds every committed change), synced but quorum was lost
// since (it may have missed changes), or holding only its own state (it
// started or reconnected).
constexpr uint8_t kRankNew = 0, kRankSynced = 1, kRankAuthoritative = 2;

struct Wire {
  Msg type{};
  uint64_t id = 0;               // kChange, kBarrier, kAck: the proposer's id
  std::vector<Member> members;   // kHello, kSnapshot: the membership it is for; kAck: the proposer
  uint8_t rank = 0;              // kHello: how good a state source the sender is (kRank*)
  std::vector<uint8_t> payload;  // kChange: encode(Change); kSnapshot: the state
};

std::vector<uint8_t> pack(const Wire& w) {
  std::vector<uint8_t> b(1 + 8 + 4);
  b[0] = uint8_t(w.type);
  store_be64(b.data() + 1, w.id);
  store_be32(b.data() + 9, uint32_t(w.members.size()));
  for (const Member& m : w.members) {
    size_t at = b.size();
    b.resize(at + 8);
    store_be32(b.data() + at, m.nodeid);
    store_be32(b.data() + at + 4, m.pid);
  }
  b.push_back(w.rank);
  b.insert(b.end(), w.payload.begin(), w.payload.end());
  return b;
}

std::optional<Wire> unpack(std::span<const uint8_t> b) {
  if (b.size() < 13) return std::nullopt;
  Wire w;
  w.type = Msg(b[0]);
  if (w.type < Msg::kChange || w.type > Msg::kAck) return std::nullopt;
  w.id = load_be64(b.data() + 1);
  uint32_t n = load_be32(b.data() + 9);
  if (n > CPG_MEMBERS_MAX || b.size() < 13 + size_t(n) * 8 + 1) return std::nullopt;
  size_t at = 13;
  for (uint32_t i = 0; i < n; ++i, at += 8) w.members.push_back({load_be32(b.data() + at), load_be32(b.data() + at + 4)});
  w.rank = b[at++];
  w.payload.assign(b.begin() + long(at), b.end());
  return w;
}

Result<Reply> busy(std::string_view why) { return make_error(Errc::kBusy, std::string(why)); }

void post(reactor::Executor* where, Done done, Result<Reply> r) {
  if (!where || !done) return;
  where->post([done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
}

std::string members_text(const std::vector<Member>& ms) {
  std::string s;
  for (const Member& m : ms) s += fmt::format("{}{}/{}", s.empty() ? "" : " ", m.nodeid, m.pid);
  return s;
}

}  // namespace

struct CpgCoordinator::Impl {
  CpgCoordinator* self = nullptr;
  Replica replica;
  int wake = -1;  // eventfd: proposals queued, stop

  // ---- shared with proposers (mu) ----
  mutable std::mutex mu;
  bool stopping = false;
  bool joined = false;  // in the group (our own confchg seen), connected
  uint32_t nodeid = 0;                  // this node's corosync id once connected
  std::vector<Member> members_seen;     // the group as last seen (status())
  std::atomic<bool> quorate{false};
  uint64_t next_id = 1;
  struct Pending {
    reactor::Executor* where;
    Done done;
  };
  std::map<uint64_t, Pending> pending;  // sent or queued, not yet delivered
  std::deque<Wire> outgoing;            // to multicast, in order
  uint64_t applied = 0;

  // ---- the loop thread only ----
  cpg_handle_t cpg = 0;
  quorum_handle_t quorum = 0;
  bool connected = false;
  Member me;
  std::vector<Member> members;  // sorted
  bool synced = false;          // holds the cluster's state (a sync completed since connecting)
  bool lost_quorum = false;     // quorum was lost since the last sync
  bool syncing = false;
  uint8_t rank = 0;             // this round's Hello
  std::map<Member, uint8_t> hellos;
  std::optional<Member> source;
  struct Held {
    Member from;
    Wire wire;
  };
  std::vector<Held> held;  // changes delivered during a sync
  struct Acks {
    Result<Reply> reply;       // this node's
    std::set<Member> waiting;  // members that have not acked yet
  };
  std::map<uint64_t, Acks> acks;  // own changes applied here, by proposal id

  void update_ready() {
    bool r = connected && synced && (!syncing || rank == kRankAuthoritative);
    self->ready_.store(r, std::memory_order_release);
  }

  // ---- proposals ----
  void enqueue(Wire w, reactor::Executor* where, Done done, bool always_ok) {
    {
      std::lock_guard lk(mu);
      if (!stopping && joined && (always_ok || quorate.load())) {
        w.id = next_id++;
        pending.emplace(w.id, Pending{where, std::move(done)});
        outgoing.push_back(std::move(w));
        uint64_t one = 1;
        (void)!::write(wake, &one, sizeof one);
        return;
      }
      if (always_ok && !stopping) {
        // A barrier with nothing in flight (not joined: nothing pending).
        post(where, std::move(done), Reply{});
        return;
      }
    }
    post(where, std::move(done),
         busy(stopping           ? "the cluster coordinator has stopped"
              : !joined          ? "this node has not joined its cluster group (corosync unreachable?)"
                                 : "this node is not in the quorate partition of its cluster"));
  }

  void complete(uint64_t id, Result<Reply> r) {
    Pending p;
    {
      std::lock_guard lk(mu);
      auto it = pending.find(id);
      if (it == pending.end()) return;
      p = std::move(it->second);
      pending.erase(it);
    }
    post(p.where, std::move(p.done), std::move(r));
  }

  void fail_all(std::string_view why) {
    std::map<uint64_t, Pending> gone;
    {
      std::lock_guard lk(mu);
      gone.swap(pending);
      outgoing.clear();
    }
    for (auto& [id, p] : gone) post(p.where, std::move(p.done), busy(why));
  }

  // ---- corosync connection ----
  static void on_deliver(cpg_handle_t h, const cpg_name*, uint32_t nodeid, uint32_t pid, void* msg, size_t len) {
    void* ctx = nullptr;
    cpg_context_get(h, &ctx);
    static_cast<Impl*>(ctx)->deliver(Member{nodeid, pid},
                                     std::span<const uint8_t>(static_cast<const uint8_t*>(msg), len));
  }
  static void on_confchg(cpg_handle_t h, const cpg_name*, const cpg_address* m, size_t nm, const cpg_address* l,
                         size_t nl, const cpg_address* j, size_t nj) {
    void* ctx = nullptr;
    cpg_context_get(h, &ctx);
    auto list = [](const cpg_address* a, size_t n) {
      std::vector<Member> v;
      for (size_t i = 0; i < n; ++i) v.push_back({a[i].nodeid, a[i].pid});
      std::sort(v.begin(), v.end());
      return v;
    };
    static_cast<Impl*>(ctx)->confchg(list(m, nm), list(l, nl), list(j, nj));
  }
  static void on_quorum(quorum_handle_t h, uint32_t q, uint64_t, uint32_t, uint32_t*) {
    const void* ctx = nullptr;
    quorum_context_get(h, &ctx);
    static_cast<Impl*>(const_cast<void*>(ctx))->quorum_changed(q != 0);
  }

  bool connect() {
    cpg_model_v1_data_t model{};
    model.model = CPG_MODEL_V1;
    model.cpg_deliver_fn = &Impl::on_deliver;
    model.cpg_confchg_fn = &Impl::on_confchg;
    if (cpg_model_initialize(&cpg, CPG_MODEL_V1, reinterpret_cast<cpg_model_data_t*>(&model), this) != CS_OK)
      return false;
    quorum_model_v0_data_t qmodel{};
    qmodel.model = QUORUM_MODEL_V0;
    qmodel.quorum_notify_fn = &Impl::on_quorum;
    uint32_t qtype = 0;
    if (quorum_model_initialize(&quorum, QUORUM_MODEL_V0, reinterpret_cast<quorum_model_data_t*>(&qmodel), &qtype,
                                this) != CS_OK) {
      cpg_finalize(cpg);
      return false;
    }
    int q = 0;
    unsigned int nodeid = 0;
    cpg_name name{};
    name.length = uint32_t(self->opts_.group.size());
    std::memcpy(name.value, self->opts_.group.data(), name.length);
    cs_error_t err = CS_OK;
    if (quorum_getquorate(quorum, &q) != CS_OK || quorum_trackstart(quorum, CS_TRACK_CHANGES) != CS_OK ||
        cpg_local_get(cpg, &nodeid) != CS_OK || (err = cpg_join(cpg, &name)) != CS_OK) {
      if (err != CS_OK) ESAN_LOG_WARN("cluster group '{}': cpg_join failed (error {})", self->opts_.group, int(err));
      quorum_finalize(quorum);
      cpg_finalize(cpg);
      return false;
    }
    me = Member{nodeid, uint32_t(::getpid())};
    {
      std::lock_guard lk(mu);
      this->nodeid = nodeid;
    }
    quorate.store(q != 0);
    connected = true;
    ESAN_LOG_INFO("cluster group '{}': connected to corosync as node {} ({}quorate), joining",
                  self->opts_.group, nodeid, q ? "" : "not ");
    return true;
  }

  void disconnect(std::string_view why) {
    if (!connected) return;
    ESAN_LOG_WARN("cluster group '{}': {}; not serving clustered state until it syncs again", self->opts_.group, why);
    cpg_finalize(cpg);
    quorum_finalize(quorum);
    connected = false;
    {
      std::lock_guard lk(mu);
      joined = false;
      members_seen.clear();
    }
    synced = syncing = false;
    members.clear();
    hellos.clear();
    held.clear();
    acks.clear();  // their proposals are still pending: fail_all tells them
    source.reset();
    update_ready();
    fail_all(fmt::format("lost the cluster group '{}'", self->opts_.group));
  }

  // Multicasts what is queued; false when corosync pushes back (retry soon).
  bool send_outgoing() {
    for (;;) {
      Wire w;
      {
        std::lock_guard lk(mu);
        if (outgoing.empty()) return true;
        w = outgoing.front();
      }
      std::vector<uint8_t> bytes = pack(w);
      iovec iov{bytes.data(), bytes.size()};
      cs_error_t err = cpg_mcast_joined(cpg, CPG_TYPE_AGREED, &iov, 1);
      if (err == CS_ERR_TRY_AGAIN) return false;
      {
        std::lock_guard lk(mu);
        if (!outgoing.empty()) outgoing.pop_front();
      }
      if (err != CS_OK) {
        ESAN_LOG_WARN("cluster group '{}': multicast failed (error {})", self->opts_.group, int(err));
        if (w.type == Msg::kChange || w.type == Msg::kBarrier) complete(w.id, busy("multicast to the cluster group failed"));
      }
    }
  }

  // ---- membership and sync ----
  void confchg(std::vector<Member> now, const std::vector<Member>& left, const std::vector<Member>& joined_now) {
    bool in = std::binary_search(now.begin(), now.end(), me);
    ESAN_LOG_INFO("cluster group '{}': members [{}] (left [{}], joined [{}])", self->opts_.group, members_text(now),
                  members_text(left), members_text(joined_now));
    members = std::move(now);
    {
      std::lock_guard lk(mu);
      members_seen = in ? members : std::vector<Member>{};
    }
    if (!in) return;  // our own leave
    forget_acks(left);
    {
      std::lock_guard lk(mu);
      joined = true;
    }
    if (joined_now.empty() && !syncing) return;  // leaves only: the survivors hold the state
    if (!syncing) rank = !synced ? kRankNew : (lost_quorum || !quorate.load()) ? kRankSynced : kRankAuthoritative;
    syncing = true;
    hellos.clear();
    source.reset();
    update_ready();
    Wire hello{Msg::kHello, 0, members, rank, {}};
    std::lock_guard lk(mu);
    outgoing.push_front(std::move(hello));  // ahead of proposals: the sync is what everyone waits for
  }

  void on_hello(Member from, const Wire& w) {
    if (!syncing || w.members != members || !std::binary_search(members.begin(), members.end(), from)) return;
    hellos[from] = w.rank;
    if (hellos.size() != members.size() || source) return;
    // The best ranked member, the lowest (nodeid, pid) among equals.
    uint8_t best = 0;
    for (const auto& [m, r] : hellos)
      if (!source || r > best) source = m, best = r;
    ESAN_LOG_INFO("cluster group '{}': state source is node {}/{}{}", self->opts_.group, source->nodeid, source->pid,
                  *source == me ? " (this node)" : "");
    if (*source != me) return;
    Wire snap{Msg::kSnapshot, 0, members, 0, replica.snapshot()};
    std::lock_guard lk(mu);
    outgoing.push_front(std::move(snap));
  }

  void on_snapshot(Member from, const Wire& w) {
    if (!syncing || !source || from != *source || w.members != members) return;
    bool ok = true;
    if (from != me) {
      Status st = replica.restore(w.payload);
      if (!st) {
        ESAN_LOG_ERROR("cluster group '{}': cannot take the state of node {}: {}", self->opts_.group, from.nodeid,
                       st.error().message);
        ok = false;
      }
    }
    syncing = false;
    synced = ok;
    lost_quorum = false;
    source.reset();
    ESAN_LOG_INFO("cluster group '{}': {} ({} held changes to apply)", self->opts_.group,
                  ok ? "state in sync" : "NOT in sync", held.size());
    std::vector<Held> later;
    later.swap(held);
    for (Held& h : later) apply(h.from, h.wire);
    update_ready();
  }

  // A change delivered here: applied (when it may be), then the proposer
  // is told -- its own completion waits for every member's Ack, so that a
  // command's status means the change holds on every node.
  void apply(Member from, const Wire& w) {
    if (w.type == Msg::kBarrier) {
      if (from == me) complete(w.id, Reply{});
      return;
    }
    Result<Reply> r = apply_change(from, w);
    if (from != me) {
      Wire ack{Msg::kAck, w.id, {from}, 0, {}};
      std::lock_guard lk(mu);
      outgoing.push_back(std::move(ack));
      return;
    }
    std::set<Member> others;
    for (const Member& m : members)
      if (m != me) others.insert(m);
    if (others.empty()) return complete(w.id, std::move(r));
    acks[w.id] = Acks{std::move(r), std::move(others)};
  }

  Result<Reply> apply_change(Member from, const Wire& w) {
    if (!quorate.load()) return busy("this node lost the quorate partition of its cluster");
    if (!synced) return busy("this node's cluster state is not in sync");
    auto change = decode(w.payload);
    if (!change) {
      ESAN_LOG_ERROR("cluster group '{}': undecodable change from node {}: {}", self->opts_.group, from.nodeid,
                     change.error().message);
      return make_error(Errc::kProtocol, change.error().message);
    }
    uint64_t seq;
    {
      std::lock_guard lk(mu);
      seq = applied + 1;
    }
    Reply r = replica.apply(seq, *change);
    {
      std::lock_guard lk(mu);
      applied = seq;
    }
    return r;
  }

  void on_ack(Member from, const Wire& w) {
    if (w.members.size() != 1 || w.members[0] != me) return;
    auto it = acks.find(w.id);
    if (it == acks.end()) return;
    it->second.waiting.erase(from);
    if (!it->second.waiting.empty()) return;
    Result<Reply> r = std::move(it->second.reply);
    acks.erase(it);
    complete(w.id, std::move(r));
  }

  // Members that left will never ack: stop waiting for them.
  void forget_acks(const std::vector<Member>& left) {
    for (auto it = acks.begin(); it != acks.end();) {
      for (const Member& m : left) it->second.waiting.erase(m);
      if (!it->second.waiting.empty()) {
        ++it;
        continue;
      }
      uint64_t id = it->first;
      Result<Reply> r = std::move(it->second.reply);
      it = acks.erase(it);
      complete(id, std::move(r));
    }
  }

  void deliver(Member from, std::span<const uint8_t> bytes) {
    auto w = unpack(bytes);
    if (!w) {
      ESAN_LOG_ERROR("cluster group '{}': malformed message from node {}; ignored", self->opts_.group, from.nodeid);
      return;
    }
    switch (w->type) {
      case Msg::kAck: return on_ack(from, *w);
      case Msg::kHello: return on_hello(from, *w);
      case Msg::kSnapshot: return on_snapshot(from, *w);
      case Msg::kChange:
      case Msg::kBarrier:
        if (syncing) return held.push_back({from, std::move(*w)});
        return apply(from, *w);
    }
  }

  void quorum_changed(bool q) {
    bool was = quorate.exchange(q);
    if (was && !q) lost_quorum = true;
    if (was != q)
      ESAN_LOG_WARN("cluster group '{}': this node is {} the quorate partition", self->opts_.group, q ? "in" : "NOT in");
  }
};

CpgCoordinator::CpgCoordinator(Options opts) : opts_(std::move(opts)), impl_(std::make_unique<Impl>()) {
  impl_->self = this;
}

CpgCoordinator::~CpgCoordinator() { stop(); }

void CpgCoordinator::start(Replica replica) {
  if (thread_.joinable()) return;
  impl_->replica = std::move(replica);
  impl_->wake = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  thread_ = std::thread([this] { run(); });
}

void CpgCoordinator::stop() {
  {
    std::lock_guard lk(impl_->mu);
    if (impl_->stopping) return;
    impl_->stopping = true;
  }
  if (impl_->wake >= 0) {
    uint64_t one = 1;
    (void)!::write(impl_->wake, &one, sizeof one);
  }
  if (thread_.joinable()) thread_.join();
  impl_->fail_all("the cluster coordinator has stopped");
  if (impl_->wake >= 0) ::close(impl_->wake), impl_->wake = -1;
}

void CpgCoordinator::propose(Change change, reactor::Executor* where, Done done) {
  Wire w{Msg::kChange, 0, {}, 0, encode(change)};
  impl_->enqueue(std::move(w), where, std::move(done), false);
}

void CpgCoordinator::barrier(reactor::Executor* where, Done done) {
  impl_->enqueue(Wire{Msg::kBarrier, 0, {}, 0, {}}, where, std::move(done), true);
}

CpgCoordinator::GroupStatus CpgCoordinator::status() const {
  GroupStatus st;
  st.ready = ready();
  st.quorate = impl_->quorate.load();
  std::lock_guard lk(impl_->mu);
  st.joined = impl_->joined;
  st.nodeid = impl_->nodeid;
  st.members = impl_->members_seen;
  if (!st.joined) st.quorate = false;
  return st;
}

uint64_t CpgCoordinator::applied() const {
  std::lock_guard lk(impl_->mu);
  return impl_->applied;
}

void CpgCoordinator::run() {
  Impl& im = *impl_;
  auto stopping = [&] {
    std::lock_guard lk(im.mu);
    return im.stopping;
  };
  while (!stopping()) {
    if (!im.connected && !im.connect()) {
      pollfd p{im.wake, POLLIN, 0};
      ::poll(&p, 1, int(opts_.retry.count()));
      uint64_t v;
      (void)!::read(im.wake, &v, sizeof v);
      continue;
    }
    bool flowing = im.send_outgoing();
    int cfd = -1, qfd = -1;
    cpg_fd_get(im.cpg, &cfd);
    quorum_fd_get(im.quorum, &qfd);
    pollfd p[3] = {{im.wake, POLLIN, 0}, {cfd, POLLIN, 0}, {qfd, POLLIN, 0}};
    ::poll(p, 3, flowing ? 1000 : 5);
    if (p[0].revents) {
      uint64_t v;
      (void)!::read(im.wake, &v, sizeof v);
    }
    if (p[1].revents) {
      cs_error_t err = cpg_dispatch(im.cpg, CS_DISPATCH_ALL);
      if (err != CS_OK && err != CS_ERR_TRY_AGAIN) {
        im.disconnect(fmt::format("lost corosync's CPG service (error {})", int(err)));
        continue;
      }
    }
    if (p[2].revents) {
      cs_error_t err = quorum_dispatch(im.quorum, CS_DISPATCH_ALL);
      if (err != CS_OK && err != CS_ERR_TRY_AGAIN) {
        im.disconnect(fmt::format("lost corosync's quorum service (error {})", int(err)));
        continue;
      }
    }
  }
  if (im.connected) {
    cpg_name name{};
    name.length = uint32_t(opts_.group.size());
    std::memcpy(name.value, opts_.group.data(), name.length);
    cpg_leave(im.cpg, &name);
    cpg_finalize(im.cpg);
    quorum_finalize(im.quorum);
    im.connected = false;
  }
  ready_.store(false);
}

}  // namespace esan::cluster
