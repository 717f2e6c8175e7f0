#include "cluster/change.h"

#include <fmt/format.h>

#include "common/bytes.h"

namespace esan::cluster {

namespace {
constexpr uint8_t kVersion = 1;
constexpr size_t kHeader = 1 + 1 + 1 + 4;  // version, kind, subject length, body length
}  // namespace

std::vector<uint8_t> encode(const Change& c) {
  std::vector<uint8_t> out(kHeader + c.subject.size() + c.body.size());
  out[0] = kVersion;
  out[1] = c.kind;
  out[2] = uint8_t(c.subject.size());
  store_be32(out.data() + 3, uint32_t(c.body.size()));
  std::copy(c.subject.begin(), c.subject.end(), out.begin() + kHeader);
  std::copy(c.body.begin(), c.body.end(), out.begin() + kHeader + c.subject.size());
  return out;
}

Result<Change> decode(std::span<const uint8_t> w) {
  if (w.size() < kHeader) return make_error(Errc::kProtocol, fmt::format("change of {} bytes is truncated", w.size()));
  if (w[0] != kVersion) return make_error(Errc::kProtocol, fmt::format("change version {} is unknown", w[0]));
  size_t subject = w[2];
  size_t body = load_be32(w.data() + 3);
  if (body > kMaxBody) return make_error(Errc::kProtocol, fmt::format("change body of {} bytes is too long", body));
  if (w.size() != kHeader + subject + body)
    return make_error(Errc::kProtocol,
                      fmt::format("change of {} bytes does not match its lengths ({} + {})", w.size(), subject, body));
  Change c;
  c.kind = w[1];
  c.subject.assign(reinterpret_cast<const char*>(w.data() + kHeader), subject);
  c.body.assign(w.begin() + kHeader + subject, w.end());
  return c;
}

}  // namespace esan::cluster
