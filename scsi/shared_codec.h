// The byte codec of shared state changes and snapshots (scsi/shared_state.cc,
// scsi/shared_snapshot.cc): big-endian integers, strings with a 16-bit
// length, blobs with a 32-bit one, I_T nexus identities as port + relative
// target port id. A Reader that runs short stays failed (ok == false) and
// returns zeros, so a caller checks once, at done().
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "scsi/nexus.h"

namespace esan::scsi {

struct Writer {
  std::vector<uint8_t> b;
  void u8(uint8_t v) { b.push_back(v); }
  void u16(uint16_t v) { u8(uint8_t(v >> 8)), u8(uint8_t(v)); }
  void u64(uint64_t v) {
    for (int s = 56; s >= 0; s -= 8) u8(uint8_t(v >> s));
  }
  void u32(uint32_t v) { u16(uint16_t(v >> 16)), u16(uint16_t(v)); }
  void blob(std::string_view s) {
    u32(uint32_t(s.size()));
    b.insert(b.end(), s.begin(), s.end());
  }
  void str(std::string_view s) {
    u16(uint16_t(s.size()));
    b.insert(b.end(), s.begin(), s.end());
  }
  void who(ItNexusId n) { str(n.port), u16(n.rel_tgt_id); }
};

struct Reader {
  std::span<const uint8_t> b;
  size_t at = 0;
  bool ok = true;
  bool need(size_t n) { return ok = ok && b.size() - at >= n; }
  uint8_t u8() { return need(1) ? b[at++] : 0; }
  uint16_t u16() {
    if (!need(2)) return 0;
    at += 2;
    return load_be16(b.data() + at - 2);
  }
  uint64_t u64() {
    if (!need(8)) return 0;
    at += 8;
    return load_be64(b.data() + at - 8);
  }
  uint32_t u32() {
    uint32_t hi = u16();
    return hi << 16 | u16();
  }
  std::string_view blob() { return bytes(u32()); }
  std::string_view str() { return bytes(u16()); }
  std::string_view bytes(size_t n) {
    if (!need(n)) return {};
    at += n;
    return {reinterpret_cast<const char*>(b.data() + at - n), n};
  }
  ItNexusId who() {
    std::string_view p = str();
    return ItNexusId{p, u16()};
  }
  bool done() const { return ok && at == b.size(); }
};

}  // namespace esan::scsi
