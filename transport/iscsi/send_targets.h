// SendTargets (RFC 7143 §13.3 and Appendix C): the body of the Text Response
// to a Text Request carrying a SendTargets key.
//
// Contracts:
// - request_text is the whole (reassembled) Text Request data. It must hold
//   exactly one SendTargets key (none: kInvalidArgument; two, or malformed
//   text: kProtocol). Other keys are ignored here: the caller answers them.
// - SendTargets=All: in a discovery session every target
//   dir.list(initiator_name) returns, in that order; in a normal session the
//   session's target (session_target) and its addresses (RFC 7143 12.3:
//   operational sessions only return the target they are connected to).
//   SendTargets=<name>: that target if dir.find() allows it, else nothing.
//   SendTargets= (empty): the session's target (session_target) in a normal
//   session; nothing in a discovery session.
// - A target that requires CHAP (TargetInfo::auth has incoming accounts) is
//   left out unless the session authenticated with CHAP (chap_authenticated),
//   so an unauthenticated discovery session cannot learn its name.
// - Output per target: TargetName=<name>\0 then one TargetAddress=<portal>\0
//   per portal of the target's portal group. Portals are "ip:port,tpgt"
//   (IPv6 "[addr]:port,tpgt") and are copied as given; a portal belongs to
//   the group its ",tpgt" suffix names (a portal without a parsable suffix
//   belongs to every group). A target with no portal in its group is listed
//   by name only (the initiator then uses the discovery session's address).
// - An empty body means "no targets". The result may exceed the initiator's
//   MaxRecvDataSegmentLength; splitting into C-bit PDUs is the caller's job.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "transport/iscsi/login_negotiator.h"

namespace esan::iscsi {

Result<std::vector<uint8_t>> build_send_targets(std::span<const uint8_t> request_text,
                                                const TargetDirectory& dir,
                                                std::string_view initiator_name,
                                                const std::vector<std::string>& portals,
                                                bool discovery_session,
                                                std::string_view session_target,
                                                bool chap_authenticated);

// The portals as an initiator connected at local_address ("ip:port" or
// "[ip6]:port", the connection's own end) can use them: a portal bound to a
// wildcard address (0.0.0.0, [::]) is advertised with local_address's host
// instead -- the address this initiator already reaches (an IPv4-mapped
// IPv6 host is written as IPv4) -- keeping the portal's port and ",tpgt".
// Other portals are copied as given. An unparsable local_address changes
// nothing.
std::vector<std::string> portals_as_seen(const std::vector<std::string>& portals, std::string_view local_address);

}  // namespace esan::iscsi
