#include "transport/iscsi/login_negotiator.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include <fmt/format.h>

#include "common/log.h"

namespace esan::iscsi {

namespace {

constexpr std::size_t kMaxIscsiNameLength = 223;  // RFC 7143 §4.2.7.1

// Keys the initiator declares about itself and the session; never answered.
bool is_declarative(std::string_view key) {
  return key == "InitiatorName" || key == "InitiatorAlias" || key == "TargetName" ||
         key == "SessionType";
}

// Keys of an authentication method's exchange (RFC 7143 §12).
bool is_auth_exchange_key(std::string_view key) {
  return key.starts_with("CHAP_") || key.starts_with("SRP_") || key.starts_with("KRB_") ||
         key.starts_with("SPKM_");
}

// Keys only a target sends, or only valid in full feature phase.
bool is_rejected_in_login(std::string_view key) {
  return key == "TargetAlias" || key == "TargetAddress" || key == "TargetPortalGroupTag" ||
         key == "SendTargets";
}

bool is_reserved_value(std::string_view v) {
  return v == "Reject" || v == "Irrelevant" || v == "NotUnderstood";
}

}  // namespace

LoginNegotiator::LoginNegotiator(const TargetDirectory& dir, TargetPolicy policy,
                                 uint16_t portal_tpg_tag)
    : dir_(dir), policy_(policy), portal_tpg_tag_(portal_tpg_tag) {}

LoginResponse LoginNegotiator::step(const LoginRequest& req) {
  using namespace login_status;
  if (state_ == State::kDone || state_ == State::kFailed) {
    return fail(req, kInitiatorError, {kMiscInitiatorError, "login request after the login ended"});
  }
  if (req.version_min > 0) {
    return fail(req, kInitiatorError,
                {kUnsupportedVersion, fmt::format("version-min {} (we speak 0)", req.version_min)});
  }
  if (auto f = check_flags(req)) return fail(req, kInitiatorError, std::move(*f));

  auto pairs = parse_text(req.text);
  if (!pairs) {
    return fail(req, kInitiatorError,
                {kMiscInitiatorError, "malformed login text: " + pairs.error().message});
  }
  ESAN_LOG_DEBUG("iscsi login: csg={} nsg={} t={} keys: {}", req.csg, req.nsg, req.transit,
                 describe_text(*pairs));

  const bool first = state_ == State::kStart;
  if (first) {
    if (auto f = start(*pairs)) return fail(req, kInitiatorError, std::move(*f));
    state_ = State::kNegotiating;
    if (req.csg != kSecurityStage && auth_settings_.chap_required()) {
      return fail(req, kInitiatorError,
                  {kAuthenticationFailure, "CHAP required but the login skipped the security stage"});
    }
  }
  const bool chap_was_running = auth_ == Auth::kChap;
  chap_keys_.clear();

  // Answers go back in the order received, but MaxBurstLength is negotiated
  // before the rest so a FirstBurstLength in the same request is capped by it.
  std::vector<TextPairs> answers(pairs->size());
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < pairs->size(); ++i) {
    if ((*pairs)[i].first == "MaxBurstLength") order.insert(order.begin(), i);
    else order.push_back(i);
  }
  for (std::size_t i : order) {
    const auto& [key, value] = (*pairs)[i];
    if (auto f = handle_key(key, value, req.csg, answers[i])) {
      return fail(req, kInitiatorError, std::move(*f));
    }
  }
  TextPairs reply;
  for (auto& a : answers) std::move(a.begin(), a.end(), std::back_inserter(reply));

  // The CHAP exchange runs on every request after the one that agreed on
  // it (and on that one too if it already carries CHAP keys).
  if (auth_ == Auth::kChap && (chap_was_running || !chap_keys_.empty())) {
    if (auto f = chap_->step(chap_keys_, reply)) {
      return fail(req, kInitiatorError, {kAuthenticationFailure, std::move(*f)});
    }
    if (chap_->done()) {
      auth_ = Auth::kComplete;
      params_.auth_user = chap_->user();
      ESAN_LOG_DEBUG("iscsi login: {} authenticated as CHAP user '{}'", params_.initiator_name,
                     params_.auth_user);
    }
  }
  bool transit = req.transit;
  if (req.csg == kSecurityStage && transit && !security_complete()) {
    if (auth_ != Auth::kChap) {
      return fail(req, kInitiatorError,
                  {kAuthenticationFailure, "left the security stage before authenticating"});
    }
    transit = false;  // not ready: the CHAP exchange continues in this stage
  }
  if (req.csg == kOperationalStage) declare_mrdsl(reply);
  if (first && !params_.discovery) {
    if (!target_->alias.empty()) reply.emplace_back("TargetAlias", target_->alias);
    reply.emplace_back("TargetPortalGroupTag", std::to_string(portal_tpg_tag_));
  }

  LoginResponse rsp;
  rsp.csg = req.csg;
  rsp.transit = transit;
  if (transit) {
    rsp.nsg = req.nsg;
    stage_ = req.nsg;
  } else {
    stage_ = req.csg;
  }
  rsp.text = encode_text(reply);
  if (transit && req.nsg == kFullFeatureStage) {
    params_.first_burst = std::min(params_.first_burst, params_.max_burst);
    state_ = State::kDone;
    rsp.done = true;
    ESAN_LOG_DEBUG("iscsi login done: initiator={} target={} {}", params_.initiator_name,
                   params_.target_name, describe(params_));
  }
  return rsp;
}

std::optional<LoginNegotiator::Failure> LoginNegotiator::check_flags(
    const LoginRequest& req) const {
  using namespace login_status;
  if (state_ == State::kStart) {
    if (req.csg != kSecurityStage && req.csg != kOperationalStage) {
      return Failure{kMiscInitiatorError, fmt::format("first login request has CSG {}", req.csg)};
    }
  } else if (req.csg != stage_) {
    return Failure{kMiscInitiatorError,
                   fmt::format("login request has CSG {}, current stage is {}", req.csg, stage_)};
  }
  if (req.transit) {
    if (req.cont) return Failure{kMiscInitiatorError, "login request has both T and C set"};
    bool valid_nsg = req.nsg == kOperationalStage || req.nsg == kFullFeatureStage;
    if (!valid_nsg || req.nsg <= req.csg) {
      return Failure{kMiscInitiatorError,
                     fmt::format("login request transits from stage {} to {}", req.csg, req.nsg)};
    }
  }
  return std::nullopt;
}

std::optional<LoginNegotiator::Failure> LoginNegotiator::start(const TextPairs& pairs) {
  using namespace login_status;
  const std::string* iname = find_text(pairs, "InitiatorName");
  if (!iname || iname->empty()) {
    return Failure{kMissingParameter, "first login request has no InitiatorName"};
  }
  if (iname->size() > kMaxIscsiNameLength) {
    return Failure{kMiscInitiatorError, "InitiatorName is longer than 223 bytes"};
  }
  params_.initiator_name = *iname;
  if (const std::string* alias = find_text(pairs, "InitiatorAlias")) {
    params_.initiator_alias = *alias;
  }

  const std::string* type = find_text(pairs, "SessionType");
  if (type && *type == "Discovery") {
    params_.discovery = true;
  } else if (type && *type != "Normal") {
    return Failure{kSessionTypeNotSupported, "unsupported SessionType"};
  }
  if (params_.discovery) {
    auth_settings_ = dir_.discovery_auth();
    return std::nullopt;
  }

  const std::string* tname = find_text(pairs, "TargetName");
  if (!tname || tname->empty()) {
    return Failure{kMissingParameter, "normal session login has no TargetName"};
  }
  if (tname->size() > kMaxIscsiNameLength) {
    return Failure{kMiscInitiatorError, "TargetName is longer than 223 bytes"};
  }
  target_ = dir_.find(*tname, *iname);
  if (!target_) {
    return Failure{kNotFound, fmt::format("target {} not found or not allowed for {}", *tname,
                                          *iname)};
  }
  params_.target_name = target_->name;
  auth_settings_ = target_->auth;
  return std::nullopt;
}

std::optional<LoginNegotiator::Failure> LoginNegotiator::handle_key(const std::string& key,
                                                                    const std::string& value,
                                                                    uint8_t stage,
                                                                    TextPairs& reply) {
  using namespace login_status;
  const bool declarative = is_declarative(key);
  auto [it, inserted] = seen_.try_emplace(key, declarative ? value : std::string());
  if (!inserted) {
    if (!declarative) return Failure{kMiscInitiatorError, key + " sent twice in one login"};
    if (it->second == value) return std::nullopt;  // same declaration again (libiscsi)
    return Failure{kMiscInitiatorError, key + " redeclared with another value"};
  }

  if (declarative) {
    // start() took the first request's declarations; these are first seen later.
    if (key == "SessionType" && value != (params_.discovery ? "Discovery" : "Normal")) {
      return Failure{kMiscInitiatorError, "SessionType changed during login"};
    }
    if (key == "InitiatorAlias") params_.initiator_alias = value;
    return std::nullopt;  // TargetName of a discovery session is ignored
  }

  if (is_reserved_value(value)) {
    return Failure{kMiscInitiatorError, key + " proposes a reserved value"};
  }
  if (key == "AuthMethod") {
    if (stage != kSecurityStage) {
      return Failure{kMiscInitiatorError, "AuthMethod outside the security stage"};
    }
    return auth_method(value, reply);
  }
  if (is_auth_exchange_key(key)) return auth_key(key, value, stage);
  if (is_rejected_in_login(key)) {
    reply.emplace_back(key, "Reject");
    return std::nullopt;
  }

  KeyOutcome outcome = negotiate_key(key, value, policy_, params_);
  switch (outcome.kind) {
    case KeyOutcome::Kind::kAnswer:
      reply.emplace_back(key, std::move(outcome.answer));
      break;
    case KeyOutcome::Kind::kDeclared:  // MaxRecvDataSegmentLength: ours goes in its place
      declare_mrdsl(reply);
      break;
    case KeyOutcome::Kind::kNotHandled:
      reply.emplace_back(key, "NotUnderstood");
      break;
    case KeyOutcome::Kind::kError:
      return Failure{kMiscInitiatorError, std::move(outcome.answer)};
  }
  return std::nullopt;
}

std::optional<LoginNegotiator::Failure> LoginNegotiator::auth_method(std::string_view offer,
                                                                     TextPairs& reply) {
  const bool chap = auth_settings_.chap_required();
  for (std::string_view method : split_list(offer)) {
    if (method == "CHAP" && chap) {
      auth_ = Auth::kChap;
      chap_.emplace(auth_settings_);
      reply.emplace_back("AuthMethod", "CHAP");
      return std::nullopt;
    }
    if (method == "None" && !chap) {
      auth_ = Auth::kComplete;
      reply.emplace_back("AuthMethod", "None");
      return std::nullopt;
    }
  }
  return Failure{login_status::kAuthenticationFailure,
                 chap ? "CHAP required but the initiator does not offer it"
                      : "initiator offers no authentication method we support (None)"};
}

std::optional<LoginNegotiator::Failure> LoginNegotiator::auth_key(const std::string& key,
                                                                  const std::string& value,
                                                                  uint8_t stage) {
  if (key.starts_with("CHAP_") && auth_ == Auth::kChap && stage == kSecurityStage) {
    chap_keys_.emplace(key, value);  // ChapExchange checks them after this request's keys
    return std::nullopt;
  }
  // Only the key name is logged, never its value.
  return Failure{login_status::kMiscInitiatorError,
                 key + " without an agreed authentication method"};
}

bool LoginNegotiator::security_complete() const {
  // Without required CHAP, leaving without AuthMethod is allowed too.
  return auth_ == Auth::kComplete ||
         (auth_ == Auth::kNotStarted && !auth_settings_.chap_required());
}

void LoginNegotiator::declare_mrdsl(TextPairs& reply) {
  if (mrdsl_declared_) return;
  mrdsl_declared_ = true;
  params_.max_recv_dsl = policy_.max_recv_dsl;
  reply.emplace_back("MaxRecvDataSegmentLength", std::to_string(policy_.max_recv_dsl));
}

LoginResponse LoginNegotiator::fail(const LoginRequest& req, uint8_t status_class, Failure f) {
  state_ = State::kFailed;
  ESAN_LOG_WARN("iscsi login failed ({:02x}/{:02x}): {}", status_class, f.detail, f.reason);
  LoginResponse rsp;
  rsp.csg = req.csg;
  rsp.status_class = status_class;
  rsp.status_detail = f.detail;
  rsp.failed = true;
  rsp.reason = std::move(f.reason);
  return rsp;
}

}  // namespace esan::iscsi
