// Fuzz target: the login negotiator (transport/iscsi/login_negotiator.h) fed
// fuzzer-chosen sequences of Login Request PDUs, every stage, with CHAP.
//
// Setup: target iqn.2024-01.org.esan:chap requires CHAP (users joe and ann,
// target account for mutual CHAP), iqn.2024-01.org.esan:open does not;
// initiators whose name contains "deny" see no target.
// Input: byte 0: bit 0 discovery sessions need CHAP (user disc), bit 1 the
// discovery side has a target account, bit 2 the policy refuses digests,
// bit 3 the open target has an alias. Then records, each a 48-byte BHS, a
// 2-byte big-endian text length and that many text bytes. Records with C=1
// are reassembled as Connection does (at most 64 KiB). A CHAP_R value "*" is
// replaced with the right response for the CHAP_N user's secret (unknown
// user: a wrong secret) to the target's last CHAP_I/CHAP_C, so inputs can
// get through authentication.
//
// Oracles: a response is failed exactly when its status class is non-zero,
// a failed one has no text, texts parse; after done or failed every step
// fails 02/00; a finished login ends with T=1 NSG=3; when the session's
// settings require CHAP the login only finishes with auth_user one of the
// accounts (else auth_user is empty); the target's mutual CHAP_R is the
// right response to the initiator's challenge; negotiated values respect
// the policy. ESAN_FUZZ_VERBOSE=1 prints each step's outcome.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "tests/fuzz/fuzz_check.h"
#include "transport/iscsi/chap.h"
#include "transport/iscsi/login_negotiator.h"
#include "transport/iscsi/pdu_frame.h"
#include "transport/iscsi/text.h"

using namespace esan;
using namespace esan::iscsi;

namespace {

const std::map<std::string, std::string, std::less<>> kSecrets = {
    {"joe", "joes-secret-12"}, {"ann", "anns-secret-34"}, {"disc", "discovery-secret"}};
const ChapAccount kTargetAccount{"esan-target", "targets-secret-56"};
const ChapAccount kDiscoveryAccount{"esan-disc", "disc-target-secret"};

class Directory final : public TargetDirectory {
 public:
  std::map<std::string, TargetInfo, std::less<>> targets;
  AuthSettings discovery;
  std::optional<TargetInfo> find(std::string_view t, std::string_view initiator) const override {
    if (initiator.find("deny") != std::string_view::npos) return std::nullopt;
    auto it = targets.find(t);
    if (it == targets.end()) return std::nullopt;
    return it->second;
  }
  std::vector<TargetInfo> list(std::string_view) const override { return {}; }
  AuthSettings discovery_auth() const override { return discovery; }
};

Directory make_directory(uint8_t mode) {
  Directory d;
  TargetInfo chap{"iqn.2024-01.org.esan:chap", "", 1, {}};
  chap.auth.incoming = {{"joe", kSecrets.at("joe")}, {"ann", kSecrets.at("ann")}};
  chap.auth.outgoing = kTargetAccount;
  d.targets[chap.name] = chap;
  TargetInfo open{"iqn.2024-01.org.esan:open", mode & 8 ? "open alias" : "", 2, {}};
  d.targets[open.name] = open;
  if (mode & 1) d.discovery.incoming = {{"disc", kSecrets.at("disc")}};
  if (mode & 2) d.discovery.outgoing = kDiscoveryAccount;
  return d;
}

// What the last response told us about the target's CHAP challenge.
struct ChapState {
  std::optional<chap::Algorithm> algorithm;
  std::optional<uint8_t> id;
  std::vector<uint8_t> challenge;
};

std::optional<std::string> value_of(const TextPairs& pairs, std::string_view key) {
  const std::string* v = find_text(pairs, key);
  if (!v) return std::nullopt;
  return *v;
}

// Replaces CHAP_R=* with a computed response; returns the text to send.
std::vector<uint8_t> substitute(std::vector<uint8_t> text, const ChapState& chap) {
  auto pairs = parse_text(text);
  if (!pairs) return text;
  bool changed = false;
  for (auto& [k, v] : *pairs) {
    if (k != "CHAP_R" || v != "*") continue;
    auto name = value_of(*pairs, "CHAP_N");
    auto it = name ? kSecrets.find(*name) : kSecrets.end();
    std::string secret = it != kSecrets.end() ? it->second : std::string("not-the-secret");
    auto r = chap::response(chap.algorithm.value_or(chap::Algorithm::kMd5), chap.id.value_or(0), secret,
                            chap.challenge);
    v = chap::encode_hex(r);
    changed = true;
  }
  return changed ? encode_text(*pairs) : text;
}

void learn_challenge(const TextPairs& rsp, ChapState& chap) {
  if (auto a = value_of(rsp, "CHAP_A")) {
    auto n = parse_numeric(*a);
    FUZZ_CHECK(n && (*n == 5 || *n == 7), "target chose an unknown CHAP_A");
    chap.algorithm = chap::Algorithm(*n);
  }
  if (auto i = value_of(rsp, "CHAP_I")) {
    auto n = parse_numeric(*i);
    FUZZ_CHECK(n && *n <= 255, "target sent a bad CHAP_I");
    chap.id = uint8_t(*n);
  }
  if (auto c = value_of(rsp, "CHAP_C")) {
    auto b = chap::decode_binary(*c);
    FUZZ_CHECK(b.has_value(), "target sent a bad CHAP_C");
    chap.challenge = *b;
  }
}

// The target's answer to the initiator's mutual-CHAP challenge.
void check_mutual(const TextPairs& req, const TextPairs& rsp, const ChapState& chap,
                  const AuthSettings& settings) {
  auto r = value_of(rsp, "CHAP_R");
  if (!r) return;
  FUZZ_CHECK(settings.outgoing.has_value(), "mutual CHAP answered without a target account");
  FUZZ_CHECK(value_of(rsp, "CHAP_N") == settings.outgoing->name, "target CHAP_N");
  auto id = value_of(req, "CHAP_I");
  auto c = value_of(req, "CHAP_C");
  FUZZ_CHECK(id && c, "target CHAP_R without an initiator challenge");
  auto idn = parse_numeric(*id);
  auto cb = chap::decode_binary(*c);
  auto got = chap::decode_binary(*r);
  FUZZ_CHECK(idn && *idn <= 255 && cb && got, "mutual CHAP values");
  auto want = chap::response(chap.algorithm.value_or(chap::Algorithm::kMd5), uint8_t(*idn),
                             settings.outgoing->secret, *cb);
  FUZZ_CHECK(*got == want, "target's mutual CHAP_R is not the right response");
}

void check_done(const LoginNegotiator& neg, const AuthSettings& settings, const TargetPolicy& policy) {
  const SessionParams& p = neg.params();
  if (settings.chap_required()) {
    bool known = false;
    for (auto& a : settings.incoming) known |= a.name == p.auth_user;
    FUZZ_CHECK(known, "login finished without authenticating a CHAP account");
  } else {
    FUZZ_CHECK(p.auth_user.empty(), "auth_user set without CHAP");
  }
  FUZZ_CHECK(!p.header_digest || policy.allow_header_digest, "header digest against policy");
  FUZZ_CHECK(!p.data_digest || policy.allow_data_digest, "data digest against policy");
  FUZZ_CHECK(p.first_burst <= p.max_burst, "FirstBurstLength above MaxBurstLength");
  FUZZ_CHECK(p.max_burst <= std::max<uint32_t>(policy.max_burst, 262144), "MaxBurstLength above policy");
  FUZZ_CHECK(p.max_xmit_dsl >= kMinDataSegmentLength && p.max_xmit_dsl <= kMaxDataSegmentLength,
             "initiator MaxRecvDataSegmentLength out of range");
  FUZZ_CHECK(p.discovery != neg.target().has_value(), "normal session without a target");
}

}  // namespace

ESAN_FUZZ_QUIET_LOGS()

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* in, size_t size) {
  static const bool verbose = std::getenv("ESAN_FUZZ_VERBOSE") != nullptr;
  if (size < 1) return 0;
  uint8_t mode = in[0];
  Directory dir = make_directory(mode);
  TargetPolicy policy;
  if (mode & 4) policy.allow_header_digest = policy.allow_data_digest = false;
  LoginNegotiator neg(dir, policy, 1);
  ChapState chap;
  std::vector<uint8_t> pending;
  bool over = false;

  size_t off = 1;
  while (size - off >= kBhsLen) {
    Bhs bhs;
    std::memcpy(bhs.b, in + off, kBhsLen);
    off += kBhsLen;
    size_t n = 0;
    if (size - off >= 2) {
      n = std::min<size_t>(load_be16(in + off), size - off - 2);
      off += 2;
    }
    pending.insert(pending.end(), in + off, in + off + n);
    off += n;
    if (pending.size() > 65536) break;  // Connection drops the connection
    if (bhs.login_continue() && !over) continue;  // Connection acknowledges, no step

    std::vector<uint8_t> text = substitute(std::move(pending), chap);
    pending.clear();
    LoginResponse rsp = neg.step(login_request(bhs, text));
    if (verbose)
      std::fprintf(stderr, "step csg %d nsg %d T %d -> %02x/%02x%s %s\n", bhs.login_csg(), bhs.login_nsg(),
                   bhs.login_transit(), rsp.status_class, rsp.status_detail, rsp.done ? " done" : "",
                   rsp.reason.c_str());
    if (over) {
      FUZZ_CHECK(rsp.failed && rsp.status_class == 2 && rsp.status_detail == 0,
                 "a step after the login ended did not fail 02/00");
      break;
    }
    FUZZ_CHECK(rsp.failed == (rsp.status_class != 0), "failed flag and status class disagree");
    FUZZ_CHECK(rsp.failed == neg.failed() && rsp.done == neg.done(), "response and state disagree");
    if (rsp.failed) {
      FUZZ_CHECK(rsp.text.empty(), "failed response with text");
      over = true;
      continue;
    }
    auto rsp_pairs = parse_text(rsp.text);
    FUZZ_CHECK(rsp_pairs.has_value(), "response text does not parse");
    auto req_pairs = parse_text(text);
    AuthSettings settings = neg.target() ? neg.target()->auth : dir.discovery_auth();
    if (req_pairs) check_mutual(*req_pairs, *rsp_pairs, chap, settings);
    learn_challenge(*rsp_pairs, chap);
    if (rsp.done) {
      FUZZ_CHECK(rsp.transit && rsp.nsg == LoginNegotiator::kFullFeatureStage, "done without T=1 NSG=3");
      check_done(neg, settings, policy);
      over = true;
    }
  }
  return 0;
}
