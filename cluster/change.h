// Change: one change to state that every node serving a logical unit must
// agree on (persistent and SPC-2 reservations, unit attentions owed to other
// I_T nexuses, ALUA target port group states, shared mode pages), as the
// coordinator carries it: opaque bytes addressed to a subject. What the
// kinds and bodies mean is the SCSI layer's business (scsi/shared_state.h);
// this layer only orders and delivers them.
//
// Contract:
//  - A Change holds no pointer and no process-local id: it means the same on
//    every node (LUs and device groups by name, I_T nexuses by TransportID
//    and relative target port id), so it can cross a wire.
//  - encode()/decode() are its wire form: version byte, kind, subject and
//    body with lengths. decode() accepts exactly what encode() writes and
//    refuses anything else (truncated, trailing bytes, oversized fields)
//    with kProtocol.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/result.h"

namespace esan::cluster {

inline constexpr size_t kMaxSubject = 255;
inline constexpr size_t kMaxBody = 64 * 1024;

struct Change {
  uint8_t kind = 0;
  std::string subject;        // an LU name or a device group name
  std::vector<uint8_t> body;  // kind-specific

  bool operator==(const Change&) const = default;
};

std::vector<uint8_t> encode(const Change& c);
Result<Change> decode(std::span<const uint8_t> wire);

}  // namespace esan::cluster
