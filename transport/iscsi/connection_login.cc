// Connection: login phase. Reassembles Login Request continuations, runs the
// LoginNegotiator, sends Login Responses, and on success registers the
// session and its I_T nexus.
#include <cstring>

#include "common/log.h"
#include "events/event_log.h"
#include "transport/iscsi/connection.h"
#include "transport/iscsi/limits.h"
#include "transport/iscsi/pdu_frame.h"

namespace esan::iscsi {

namespace {
LoginResponse out_of_resources() {
  LoginResponse out{};
  out.failed = true;
  out.status_class = 3;   // target error
  out.status_detail = 2;  // out of resources (RFC 7143 §11.13.5)
  return out;
}

std::string or_unknown(const std::string& s) { return s.empty() ? "(unknown)" : s; }
}  // namespace

// A refused login as an event: login_failed (with the negotiator's reason,
// which never holds a secret), or limit_hit when a resource limit refused it.
void Connection::post_login_failure(const LoginResponse& out) {
  static const SessionParams kNone{};
  const SessionParams& p = negotiator_ ? negotiator_->params() : kNone;
  std::string reason = !out.reason.empty()      ? out.reason
                       : over_connection_limit_ ? std::string("connection limit reached")
                                                : std::string("refused");
  bool limit = out.status_class == 3 && out.status_detail == 2;
  events::Fields f{{"initiator", p.initiator_name},
                   {"target", p.target_name},
                   {"peer", peer_},
                   {"status", fmt::format("{:02x}/{:02x}", out.status_class, out.status_detail)},
                   {"reason", reason}};
  bool auth = out.status_class == 2 && out.status_detail == 1;
  if (auth) f.emplace_back("auth", "CHAP");
  events::post(limit ? events::Kind::kLimitHit : events::Kind::kLoginFailed, events::Severity::kWarning,
               // The address without the port: repeated failures of one initiator read the same
               // (alerts de-duplicate on the message).
               fmt::format("login of {} from {} to {} refused ({:02x}/{:02x}): {}", or_unknown(p.initiator_name),
                           peer_address(peer_),
                           p.target_name.empty() ? std::string(p.discovery ? "discovery" : "(none)") : p.target_name,
                           out.status_class, out.status_detail, reason),
               std::move(f));
}

void Connection::handle_login(const Bhs& bhs, const uint8_t* data, uint32_t dlen) {
  if (!login_started_) {
    login_started_ = true;
    std::memcpy(session_.isid, bhs.isid(), 6);
    cid_ = bhs.cid();
    session_.window.reset(bhs.cmdsn(), 1);
    // Start our StatSN where the initiator expects it (any value is legal).
    stat_sn_ = bhs.expstatsn();
  } else if (std::memcmp(session_.isid, bhs.isid(), 6) != 0) {
    ESAN_LOG_WARN("{}: ISID changed during login; dropping connection", peer_);
    close("ISID changed during login");
    return;
  }
  login_text_.insert(login_text_.end(), data, data + dlen);
  if (login_text_.size() > 65536) {
    close("login text too long");
    return;
  }

  LoginRsp rsp;
  std::memcpy(rsp.isid, session_.isid, 6);
  rsp.itt = bhs.itt();

  if (bhs.login_continue()) {
    // More text follows: acknowledge with an empty response in the same stage.
    rsp.csg = bhs.login_csg();
    rsp.sn = next_sns(true);
    queue_pdu(rsp.encode(), nullptr, 0, nullptr);
    return;
  }

  // C=0 here: the request ends the reassembled text; its ISID is session_.isid.
  LoginRequest req = login_request(bhs, login_text_);

  // Beyond a connection limit the login is refused, not the socket dropped.
  LoginResponse out = over_connection_limit_ ? out_of_resources() : negotiator_->step(req);
  login_text_.clear();

  // Adding a connection to an existing session (TSIH != 0) is not
  // supported: MaxConnections is 1.
  if (!out.failed && bhs.tsih() != 0) {
    out = LoginResponse{};
    out.failed = true;
    out.status_class = 2;
    out.status_detail = ctx_.sessions.exists(bhs.tsih()) ? 0x06 /* too many connections */ : 0x0a;
  }
  if (out.done && !out.failed) register_session(out);

  if (!out.failed) {  // a failed login's response has T, CSG, NSG and TSIH zero
    rsp.transit = out.transit;
    rsp.csg = out.csg;
    rsp.nsg = out.nsg;
    rsp.tsih = session_.tsih;
  }
  rsp.status_class = out.status_class;
  rsp.status_detail = out.status_detail;
  rsp.sn = next_sns(true);
  queue_pdu_owned(rsp.encode(), std::move(out.text));

  if (out.failed) {
    ESAN_LOG_INFO("{}: login failed, status {:02x}/{:02x}", peer_, out.status_class, out.status_detail);
    post_login_failure(out);
    close_reinstated();  // none in practice: a refused registration reinstates nothing
    close("login failed");
    return;
  }
  if (out.done) finish_login();
}

void Connection::close_reinstated() {
  auto closers = std::move(reinstated_);
  reinstated_.clear();
  for (auto& c : closers) c();
}

// Registers the session (MaxSessions limits) and sizes its CmdSN window
// (QueuedCommands); on refusal `out` becomes a 03/02 "out of resources".
void Connection::register_session(LoginResponse& out) {
  session_.params = negotiator_->params();
  const SessionParams& p = session_.params;
  std::string target = p.discovery ? std::string() : p.target_name;
  uint32_t queued = p.discovery ? 0 : ctx_.targets.queued_commands(target);
  session_.queued_commands = queued ? queued : std::max<uint32_t>(ctx_.limits.queued_commands, 1);
  uint32_t per_target = p.discovery ? 0 : ctx_.targets.max_sessions(target);
  if (!p.discovery && !ctx_.targets.login_allowed_from(target, peer_)) {
    ESAN_LOG_WARN("{}: login to internal target {} from an address not in its esan_peer_address list; refused",
                  peer_, target);
    out = LoginResponse{};
    out.failed = true;
    out.status_class = 2;   // initiator error
    out.status_detail = 2;  // authorization failure (RFC 7143 §11.13.5)
    out.reason = "address not in the internal target's esan_peer_address list";
    return;
  }
  SessionInfo info{0, p.initiator_name, session_.isid_hex(), target, peer_, p.discovery, local_, p, {}};
  std::weak_ptr<Connection> weak = weak_from_this();
  reactor::Reactor* r = &reactor_;
  session_.tsih = ctx_.sessions.add(
      info,
      [weak, r] {
        r->post([weak] {
          if (auto c = weak.lock()) c->close("session closed (reinstated, by the administrator, or shutdown)");
        });
      },
      ctx_.limits.max_sessions, per_target, session_.counters, &reinstated_);
  if (session_.tsih == 0) {
    ESAN_LOG_WARN("{}: session limit reached (MaxSessions {} total, {} for target {}); login refused",
                  peer_, ctx_.limits.max_sessions, per_target, target);
    out = out_of_resources();
    out.reason = fmt::format("session limit reached (MaxSessions {} total, {} for target {})", ctx_.limits.max_sessions,
                             per_target, target);
  }
}

void Connection::finish_login() {
  phase_ = Phase::kFullFeature;
  // Digests apply from the first PDU after the final Login Response.
  const SessionParams& p = session_.params;
  hdr_digest_ = p.header_digest;
  data_digest_ = p.data_digest;
  negotiator_.reset();
  if (!p.discovery) {
    // PREEMPT AND ABORT from any node aborts this nexus' tasks (scsi/nexus.h).
    session_.nexus.abort_tasks = [weak = weak_from_this(), r = &reactor_](uint64_t lun) {
      r->post([weak, lun] {
        if (auto self = weak.lock()) self->abort_tasks_for_lun(lun);
      });
    };
    session_.attach_nexus(ctx_.targets);
  }
  // Only now the session this one reinstates goes (RFC 7143 6.3.5): its
  // nexus, still attached, has handed on what it was owed.
  close_reinstated();
  events::Fields f{{"initiator", p.initiator_name},
                   {"target", p.target_name},
                   {"peer", peer_},
                   {"tsih", std::to_string(session_.tsih)},
                   {"isid", session_.isid_hex()},
                   {"session", p.discovery ? "discovery" : "normal"}};
  if (!p.auth_user.empty()) f.emplace_back("chap_user", p.auth_user);
  events::post(events::Kind::kLogin, events::Severity::kInfo,
               fmt::format("{} logged in{} from {} ({} session, tsih {})", p.initiator_name,
                           p.discovery ? std::string() : " to " + p.target_name, peer_,
                           p.discovery ? "discovery" : "normal", session_.tsih),
               std::move(f));
  ESAN_LOG_INFO("{}: {} session tsih {} for {} (target {}{}{})", peer_, p.discovery ? "discovery" : "normal",
                session_.tsih, p.initiator_name, p.target_name, p.auth_user.empty() ? "" : ", CHAP user ",
                p.auth_user);
}

}  // namespace esan::iscsi
