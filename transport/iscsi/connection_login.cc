// Connection: login phase. Reassembles Login Request continuations, runs the
// LoginNegotiator, sends Login Responses, and on success registers the
// session and its I_T nexus.
#include <cstring>

#include <fmt/format.h>

#include "common/log.h"
#include "scsi/dispatcher.h"
#include "transport/iscsi/connection.h"
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

std::string isid_hex(const uint8_t* isid) {
  return fmt::format("{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}", isid[0], isid[1], isid[2], isid[3], isid[4], isid[5]);
}
}  // namespace

void Connection::handle_login(const Bhs& bhs, const uint8_t* data, uint32_t dlen) {
  if (!login_started_) {
    login_started_ = true;
    std::memcpy(isid_, bhs.isid(), 6);
    cid_ = bhs.cid();
    window_.reset(bhs.cmdsn(), 1);
    // Start our StatSN where the initiator expects it (any value is legal).
    stat_sn_ = bhs.expstatsn();
  } else if (std::memcmp(isid_, bhs.isid(), 6) != 0) {
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
  std::memcpy(rsp.isid, isid_, 6);
  rsp.itt = bhs.itt();

  if (bhs.login_continue()) {
    // More text follows: acknowledge with an empty response in the same stage.
    rsp.csg = bhs.login_csg();
    rsp.sn = next_sns(true);
    queue_pdu(rsp.encode(), nullptr, 0, nullptr);
    return;
  }

  // C=0 here: the request ends the reassembled text; its ISID is isid_.
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
    rsp.tsih = tsih_;
  }
  rsp.status_class = out.status_class;
  rsp.status_detail = out.status_detail;
  rsp.sn = next_sns(true);
  queue_pdu_owned(rsp.encode(), std::move(out.text));

  if (out.failed) {
    ESAN_LOG_INFO("{}: login failed, status {:02x}/{:02x}", peer_, out.status_class, out.status_detail);
    close("login failed");
    return;
  }
  if (out.done) finish_login();
}

// Registers the session (MaxSessions limits) and sizes its CmdSN window
// (QueuedCommands); on refusal `out` becomes a 03/02 "out of resources".
void Connection::register_session(LoginResponse& out) {
  params_ = negotiator_->params();
  std::string target = params_.discovery ? std::string() : params_.target_name;
  uint32_t queued = params_.discovery ? 0 : ctx_.targets.queued_commands(target);
  max_tasks_ = queued ? queued : std::max<uint32_t>(ctx_.limits.queued_commands, 1);
  uint32_t per_target = params_.discovery ? 0 : ctx_.targets.max_sessions(target);
  SessionInfo info{0, params_.initiator_name, isid_hex(isid_), target, peer_, params_.discovery, local_, params_, {}};
  std::weak_ptr<Connection> weak = weak_from_this();
  reactor::Reactor* r = &reactor_;
  tsih_ = ctx_.sessions.add(
      info,
      [weak, r] {
        r->post([weak] {
          if (auto c = weak.lock()) c->close("session closed (reinstated, by the administrator, or shutdown)");
        });
      },
      ctx_.limits.max_sessions, per_target, counters_);
  if (tsih_ == 0) {
    ESAN_LOG_WARN("{}: session limit reached (MaxSessions {} total, {} for target {}); login refused",
                  peer_, ctx_.limits.max_sessions, per_target, target);
    out = out_of_resources();
  }
}

void Connection::finish_login() {
  phase_ = Phase::kFullFeature;
  // Digests apply from the first PDU after the final Login Response.
  hdr_digest_ = params_.header_digest;
  data_digest_ = params_.data_digest;
  negotiator_.reset();
  if (!params_.discovery) {
    nexus_.id = scsi::next_nexus_id();
    nexus_.initiator_name = params_.initiator_name;
    nexus_.initiator_port = params_.initiator_name + ",i,0x" + isid_hex(isid_);
    nexus_.target_name = params_.target_name;
    nexus_.rel_tgt_id = ctx_.targets.rel_tgt_id(params_.target_name);
    nexus_.tpg_tag = 1;
    nexus_.luns = ctx_.targets.luns_for(params_.target_name, params_.initiator_name);
    scsi::nexus_attached(nexus_);
    nexus_attached_ = true;
  }
  ESAN_LOG_INFO("{}: {} session tsih {} for {} (target {}{}{})", peer_,
                params_.discovery ? "discovery" : "normal", tsih_, params_.initiator_name,
                params_.target_name, params_.auth_user.empty() ? "" : ", CHAP user ",
                params_.auth_user);
}

}  // namespace esan::iscsi
