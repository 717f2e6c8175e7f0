// Operational parameters of one iSCSI session/connection (RFC 7143 §13) and
// the per-key negotiation rules the target applies as the acceptor.
//
// Contracts:
// - SessionParams starts at the RFC defaults; after a login only the keys the
//   initiator sent have moved (the target never originates a negotiation, so
//   a key the initiator leaves out keeps its RFC default even when the policy
//   bound is lower; validate_policy() keeps bounds at or above the defaults).
// - negotiate_key() handles one key=value the initiator proposed during login
//   and updates `params`; it never sees declarative login keys (InitiatorName,
//   TargetName, SessionType, ...) or security keys: those return kNotHandled.
//   Result functions: HeaderDigest/DataDigest first supported item in the
//   initiator's order; MaxConnections, MaxBurstLength, FirstBurstLength,
//   DefaultTime2Retain, MaxOutstandingR2T, ErrorRecoveryLevel minimum;
//   DefaultTime2Wait maximum; InitialR2T, DataPDUInOrder, DataSequenceInOrder
//   OR; ImmediateData AND. Out-of-range or malformed values answer "Reject"
//   (the parameter keeps its current value). Session-wide keys answer
//   "Irrelevant" in discovery sessions. FirstBurstLength is also capped by
//   the current params.max_burst, so negotiate MaxBurstLength first.
// - MaxRecvDataSegmentLength is declarative: the initiator's value becomes
//   params.max_xmit_dsl (kDeclared, no answer); the caller declares ours.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace esan::iscsi {

inline constexpr uint32_t kMinDataSegmentLength = 512;
inline constexpr uint32_t kMaxDataSegmentLength = (1u << 24) - 1;  // 16777215
inline constexpr uint32_t kDefaultDataSegmentLength = 8192;

// Negotiated operational parameters of one session/connection.
struct SessionParams {
  bool header_digest = false, data_digest = false;  // CRC32C negotiated
  uint32_t max_connections = 1;
  bool initial_r2t = true, immediate_data = true;
  // What the TARGET declared it can receive (Data-Out/immediate/unsolicited
  // PDU size limit); stays 8192 if the login never declared it.
  uint32_t max_recv_dsl = 8192;
  uint32_t max_xmit_dsl = 8192;  // the INITIATOR's MaxRecvDataSegmentLength: limit for PDUs we send
  uint32_t max_burst = 262144, first_burst = 65536;
  uint32_t default_time2wait = 2, default_time2retain = 20;
  uint32_t max_outstanding_r2t = 1;
  bool data_pdu_in_order = true, data_seq_in_order = true;
  uint32_t error_recovery_level = 0;
  bool discovery = false;  // SessionType=Discovery
  std::string initiator_name, initiator_alias, target_name;
  std::string auth_user;  // CHAP user the initiator authenticated as; empty: no CHAP
};

// The target's policy/offer (defaults are what esand uses; later configurable per target).
struct TargetPolicy {
  uint32_t max_recv_dsl = 262144;                      // declared to the initiator
  uint32_t max_burst = 1048576, first_burst = 262144;  // upper bounds we accept (negotiated = min)
  uint32_t max_outstanding_r2t = 16;                   // upper bound
  bool allow_header_digest = true, allow_data_digest = true;  // CRC32C offered when the initiator proposes it
  bool initial_r2t = false /* we prefer No; negotiated = OR */, immediate_data = true /* negotiated = AND */;
  uint32_t default_time2wait = 2, default_time2retain = 20;
};

// kInvalidArgument when a bound is outside its RFC range or below the RFC
// default (see the header comment), or first_burst > max_burst.
Status validate_policy(const TargetPolicy& policy);

struct KeyOutcome {
  enum class Kind : uint8_t {
    kAnswer,      // reply "key=answer" (answer may be "Reject" or "Irrelevant")
    kDeclared,    // initiator declaration recorded (MaxRecvDataSegmentLength): no reply
    kNotHandled,  // not an operational key: the caller decides
    kError,       // protocol violation: fail the login (initiator error); answer = reason
  };
  Kind kind;
  std::string answer;
};

KeyOutcome negotiate_key(std::string_view key, std::string_view value, const TargetPolicy& policy,
                         SessionParams& params);

// One line for logs ("hd=0 dd=0 mrdsl=262144/262144 ..."); no names of secrets.
std::string describe(const SessionParams& params);

}  // namespace esan::iscsi
