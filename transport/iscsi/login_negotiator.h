// LoginNegotiator: the target side of one connection's login phase
// (RFC 7143 §6.3, §11.12-11.13, §13): stage transitions, the security stage
// (AuthMethod None or CHAP, the CHAP exchange in ChapExchange) and every
// operational key. Pure logic: the
// transport decodes Login Request PDUs into LoginRequest, reassembles C-bit
// continuations (text is the whole text), and encodes LoginResponse.
//
// Contracts:
// - One step() per (reassembled) Login Request, in order, on one thread.
//   After a response with done or failed, the login is over; a further
//   step() fails with 02/00.
// - First request: needs InitiatorName (else 02/07 missing parameter);
//   SessionType is Normal unless "Discovery" (other values: 02/09); a Normal
//   session needs TargetName (missing: 02/07; unknown or not allowed to this
//   initiator per TargetDirectory::find: 02/03 not found).
// - version_min > 0: 02/05. CSG must be the current stage (the first request
//   may start in 0 or 1); with T=1, NSG must be a later stage (1 or 3) and C
//   must be 0. Anything else: 02/00.
// - Every key is answered in the order received: operational keys per
//   params.h (also accepted in the security stage), unknown keys
//   "NotUnderstood", target-only/full-feature-only keys "Reject". Declarative
//   keys (InitiatorName, InitiatorAlias, TargetName, SessionType) get no
//   answer. A key sent twice in one login is 02/00, except a declarative key
//   repeated with the same value (libiscsi repeats them after AuthMethod=None).
//   A proposal of Reject/Irrelevant/NotUnderstood is 02/00.
// - Authentication settings: a Normal session uses its target's
//   (TargetInfo::auth), a discovery session TargetDirectory::discovery_auth().
//   With incoming accounts set, CHAP is required: AuthMethod must offer
//   "CHAP" (else 02/01), and a login that reaches the operational stage
//   without completing CHAP (first request in stage 1, T=1 without
//   AuthMethod) fails 02/01. Without accounts, "None" is the only method.
// - AuthMethod (security stage only, else 02/00): the first method in the
//   initiator's list that we support; none supported: 02/01. Once CHAP is
//   agreed, the CHAP_* keys of each request go to ChapExchange; its
//   failures are 02/01. While the exchange is unfinished, responses carry
//   T=0 even when the initiator asked to transit. CHAP_* keys outside an
//   agreed CHAP exchange, and SRP_*/KRB_*/SPKM_* keys: 02/00.
// - params().auth_user is the CHAP user the initiator authenticated as
//   (empty without CHAP).
// - Target declarations: MaxRecvDataSegmentLength=<policy.max_recv_dsl> once,
//   where the initiator declared its own, else at the end of the first
//   operational-stage response (if no such response happens, both sides keep
//   8192). The first response of a Normal session carries TargetAlias (when
//   set) and TargetPortalGroupTag=<portal_tpg_tag>.
// - A failed response has empty text; `reason` says why (for logs only).
// - Never logs CHAP material.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "transport/iscsi/chap_exchange.h"
#include "transport/iscsi/params.h"
#include "transport/iscsi/text.h"

namespace esan::iscsi {

// Login response Status-Class / Status-Detail (RFC 7143 §11.13.5).
namespace login_status {
inline constexpr uint8_t kSuccess = 0x00;
inline constexpr uint8_t kRedirection = 0x01;
inline constexpr uint8_t kInitiatorError = 0x02;
inline constexpr uint8_t kTargetError = 0x03;
// Details of kInitiatorError.
inline constexpr uint8_t kMiscInitiatorError = 0x00;
inline constexpr uint8_t kAuthenticationFailure = 0x01;
inline constexpr uint8_t kAuthorizationFailure = 0x02;
inline constexpr uint8_t kNotFound = 0x03;
inline constexpr uint8_t kTargetRemoved = 0x04;
inline constexpr uint8_t kUnsupportedVersion = 0x05;
inline constexpr uint8_t kTooManyConnections = 0x06;
inline constexpr uint8_t kMissingParameter = 0x07;
inline constexpr uint8_t kCantIncludeInSession = 0x08;
inline constexpr uint8_t kSessionTypeNotSupported = 0x09;
inline constexpr uint8_t kSessionDoesNotExist = 0x0a;
inline constexpr uint8_t kInvalidDuringLogin = 0x0b;
// Details of kTargetError.
inline constexpr uint8_t kMiscTargetError = 0x00;
inline constexpr uint8_t kServiceUnavailable = 0x01;
inline constexpr uint8_t kOutOfResources = 0x02;
}  // namespace login_status

struct TargetInfo {
  std::string name;
  std::string alias;
  uint16_t tpg_tag = 1;
  AuthSettings auth;  // the target's IncomingUser/OutgoingUser accounts
};

// Looks targets up; implemented by the session layer (thread-safe).
class TargetDirectory {
 public:
  // nullopt = no such target or not allowed
  virtual std::optional<TargetInfo> find(std::string_view target_name,
                                         std::string_view initiator_name) const = 0;
  // for SendTargets=All
  virtual std::vector<TargetInfo> list(std::string_view initiator_name) const = 0;
  // accounts of discovery sessions (TARGET_DRIVER-level users)
  virtual AuthSettings discovery_auth() const = 0;

 protected:
  ~TargetDirectory() = default;
};

// One Login Request PDU's fields (the transport reassembles C-bit
// continuations and gives the full text).
struct LoginRequest {
  bool transit;
  bool cont;
  uint8_t csg, nsg;
  uint8_t version_max, version_min;
  uint8_t isid[6];
  uint16_t tsih;
  uint32_t itt;
  uint16_t cid;
  uint32_t cmdsn, expstatsn;
  std::span<const uint8_t> text;
};

struct LoginResponse {
  bool transit = false;
  uint8_t csg = 0, nsg = 0;
  uint8_t status_class = 0, status_detail = 0;  // login_status::*
  std::vector<uint8_t> text;                    // response key=value pairs
  bool done = false;    // login finished: full feature phase begins after this response is sent
  bool failed = false;  // status_class != 0: send the response then close the connection
  std::string reason;   // why it failed, for logs (never secrets)
};

class LoginNegotiator {
 public:
  static constexpr uint8_t kSecurityStage = 0;
  static constexpr uint8_t kOperationalStage = 1;
  static constexpr uint8_t kFullFeatureStage = 3;

  LoginNegotiator(const TargetDirectory& dir, TargetPolicy policy, uint16_t portal_tpg_tag);

  LoginResponse step(const LoginRequest& req);  // one request -> one response

  const SessionParams& params() const { return params_; }  // valid once done
  const std::optional<TargetInfo>& target() const { return target_; }  // Normal sessions
  bool done() const { return state_ == State::kDone; }
  bool failed() const { return state_ == State::kFailed; }

 private:
  enum class State : uint8_t { kStart, kNegotiating, kDone, kFailed };
  // Security-stage progress: kChap = CHAP agreed, exchange unfinished.
  enum class Auth : uint8_t { kNotStarted, kChap, kComplete };

  struct Failure {
    uint8_t detail;
    std::string reason;
  };

  std::optional<Failure> check_flags(const LoginRequest& req) const;
  std::optional<Failure> start(const TextPairs& pairs);
  std::optional<Failure> handle_key(const std::string& key, const std::string& value,
                                    uint8_t stage, TextPairs& reply);
  std::optional<Failure> auth_method(std::string_view offer, TextPairs& reply);
  std::optional<Failure> auth_key(const std::string& key, const std::string& value,
                                  uint8_t stage);
  bool security_complete() const;
  void declare_mrdsl(TextPairs& reply);
  LoginResponse fail(const LoginRequest& req, uint8_t status_class, Failure f);

  const TargetDirectory& dir_;
  TargetPolicy policy_;
  uint16_t portal_tpg_tag_;
  SessionParams params_;
  std::optional<TargetInfo> target_;
  State state_ = State::kStart;
  uint8_t stage_ = kSecurityStage;  // CSG the next request must carry
  Auth auth_ = Auth::kNotStarted;
  AuthSettings auth_settings_;              // set by start()
  std::optional<ChapExchange> chap_;        // once CHAP is agreed
  ChapExchange::Keys chap_keys_;            // this request's CHAP_* keys
  bool mrdsl_declared_ = false;
  std::map<std::string, std::string, std::less<>> seen_;  // every key received this login
};

}  // namespace esan::iscsi
