#include "transport/iscsi/params.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "transport/iscsi/text.h"

namespace esan::iscsi {

namespace {

using Kind = KeyOutcome::Kind;

KeyOutcome answer(std::string value) { return {Kind::kAnswer, std::move(value)}; }
KeyOutcome reject() { return answer("Reject"); }
KeyOutcome irrelevant() { return answer("Irrelevant"); }
const char* yes_no(bool b) { return b ? "Yes" : "No"; }

// A numerical value within [lo, hi], or nullopt (the caller answers Reject).
std::optional<uint32_t> in_range(std::string_view value, uint64_t lo, uint64_t hi) {
  auto n = parse_numeric(value);
  if (!n || *n < lo || *n > hi) return std::nullopt;
  return static_cast<uint32_t>(*n);
}

// Keys whose scope is the whole (normal) session: "Irrelevant when:
// SessionType=Discovery" in RFC 7143 §13 (and RFC 7145 for RDMAExtensions).
bool normal_session_only(std::string_view key) {
  return key == "MaxConnections" || key == "InitialR2T" || key == "ImmediateData" ||
         key == "MaxBurstLength" || key == "FirstBurstLength" || key == "MaxOutstandingR2T" ||
         key == "DataPDUInOrder" || key == "DataSequenceInOrder" || key == "TaskReporting" ||
         key == "RDMAExtensions";
}

KeyOutcome digest(std::string_view value, bool allowed, bool& result) {
  for (std::string_view item : split_list(value)) {
    if (item == "None") {
      result = false;
      return answer("None");
    }
    if (item == "CRC32C" && allowed) {
      result = true;
      return answer("CRC32C");
    }
  }
  return reject();  // nothing we support was offered ("None" only counts when proposed)
}

}  // namespace

Status validate_policy(const TargetPolicy& p) {
  auto bad = [](const char* what) {
    return make_error(Errc::kInvalidArgument, std::string("target policy: ") + what);
  };
  if (p.max_recv_dsl < kMinDataSegmentLength || p.max_recv_dsl > kMaxDataSegmentLength)
    return bad("max_recv_dsl must be 512..16777215");
  if (p.max_burst < 262144 || p.max_burst > kMaxDataSegmentLength)
    return bad("max_burst must be 262144..16777215");
  if (p.first_burst < 65536 || p.first_burst > p.max_burst)
    return bad("first_burst must be 65536..max_burst");
  if (p.max_outstanding_r2t < 1 || p.max_outstanding_r2t > 65535)
    return bad("max_outstanding_r2t must be 1..65535");
  if (p.default_time2wait > 3600 || p.default_time2retain > 3600)
    return bad("default_time2wait/default_time2retain must be 0..3600");
  return ok();
}

KeyOutcome negotiate_key(std::string_view key, std::string_view value, const TargetPolicy& policy,
                         SessionParams& p) {
  // Connection-scope and session keys that matter in discovery sessions too.
  if (key == "HeaderDigest") return digest(value, policy.allow_header_digest, p.header_digest);
  if (key == "DataDigest") return digest(value, policy.allow_data_digest, p.data_digest);
  if (key == "MaxRecvDataSegmentLength") {
    auto n = in_range(value, kMinDataSegmentLength, kMaxDataSegmentLength);
    if (!n) return {Kind::kError, "MaxRecvDataSegmentLength is not 512..16777215"};
    p.max_xmit_dsl = *n;
    return {Kind::kDeclared, {}};
  }
  if (key == "DefaultTime2Wait") {
    auto n = in_range(value, 0, 3600);
    if (!n) return reject();
    p.default_time2wait = std::max(*n, policy.default_time2wait);
    return answer(std::to_string(p.default_time2wait));
  }
  if (key == "DefaultTime2Retain") {
    auto n = in_range(value, 0, 3600);
    if (!n) return reject();
    p.default_time2retain = std::min(*n, policy.default_time2retain);
    return answer(std::to_string(p.default_time2retain));
  }
  if (key == "ErrorRecoveryLevel") {
    auto n = in_range(value, 0, 2);
    if (!n) return reject();
    p.error_recovery_level = 0;  // min(offer, 0): we implement level 0 only
    return answer("0");
  }
  // RFC 3720 markers, obsoleted by RFC 7143 §13.25: Reject (never NotUnderstood).
  if (key == "IFMarker" || key == "OFMarker" || key == "IFMarkInt" || key == "OFMarkInt") {
    return reject();
  }
  // iSER (RFC 7145) connection keys: irrelevant because RDMAExtensions=No.
  if (key == "TargetRecvDataSegmentLength" || key == "InitiatorRecvDataSegmentLength") {
    return irrelevant();
  }

  if (!normal_session_only(key)) return {Kind::kNotHandled, {}};
  if (p.discovery) return irrelevant();

  if (key == "MaxConnections") {
    auto n = in_range(value, 1, 65535);
    if (!n) return reject();
    p.max_connections = 1;  // min(offer, 1): one connection per session
    return answer("1");
  }
  if (key == "InitialR2T") {
    auto b = parse_boolean(value);
    if (!b) return reject();
    p.initial_r2t = *b || policy.initial_r2t;
    return answer(yes_no(p.initial_r2t));
  }
  if (key == "ImmediateData") {
    auto b = parse_boolean(value);
    if (!b) return reject();
    p.immediate_data = *b && policy.immediate_data;
    return answer(yes_no(p.immediate_data));
  }
  if (key == "MaxBurstLength") {
    auto n = in_range(value, kMinDataSegmentLength, kMaxDataSegmentLength);
    if (!n) return reject();
    p.max_burst = std::min(*n, policy.max_burst);
    return answer(std::to_string(p.max_burst));
  }
  if (key == "FirstBurstLength") {
    auto n = in_range(value, kMinDataSegmentLength, kMaxDataSegmentLength);
    if (!n) return reject();
    p.first_burst = std::min({*n, policy.first_burst, p.max_burst});
    return answer(std::to_string(p.first_burst));
  }
  if (key == "MaxOutstandingR2T") {
    auto n = in_range(value, 1, 65535);
    if (!n) return reject();
    p.max_outstanding_r2t = std::min(*n, policy.max_outstanding_r2t);
    return answer(std::to_string(p.max_outstanding_r2t));
  }
  if (key == "DataPDUInOrder" || key == "DataSequenceInOrder") {
    auto b = parse_boolean(value);
    if (!b) return reject();
    // OR with our Yes: we only implement in-order data.
    (key == "DataPDUInOrder" ? p.data_pdu_in_order : p.data_seq_in_order) = true;
    return answer("Yes");
  }
  if (key == "TaskReporting") {  // RFC 7143 §13.23: we implement the RFC3720 semantics only
    for (std::string_view item : split_list(value)) {
      if (item == "RFC3720") return answer("RFC3720");
    }
    return reject();
  }
  // RDMAExtensions: AND with our No (this target speaks TCP only).
  if (!parse_boolean(value)) return reject();
  return answer("No");
}

std::string describe(const SessionParams& p) {
  return fmt::format(
      "type={} hd={} dd={} mrdsl(t/i)={}/{} maxburst={} firstburst={} initialr2t={} immdata={} "
      "maxr2t={} t2w={} t2r={} erl={}",
      p.discovery ? "discovery" : "normal", p.header_digest ? "crc32c" : "none",
      p.data_digest ? "crc32c" : "none", p.max_recv_dsl, p.max_xmit_dsl, p.max_burst,
      p.first_burst, yes_no(p.initial_r2t), yes_no(p.immediate_data), p.max_outstanding_r2t,
      p.default_time2wait, p.default_time2retain, p.error_recovery_level);
}

}  // namespace esan::iscsi
