// ChapExchange: the target side of one CHAP authentication in the login
// security stage (RFC 7143 §12.1.3), after AuthMethod=CHAP was agreed.
// Owned by a LoginNegotiator; one thread; pure logic over chap.h.
//
// Exchange (each line one Login Request / Response pair):
//   I: CHAP_A=<A1,A2,...>         T: CHAP_A=<A> CHAP_I=<I> CHAP_C=<C>
//   I: CHAP_N=<N> CHAP_R=<R>      T: (nothing)                       one-way
//      [CHAP_I=<I'> CHAP_C=<C'>]  T: CHAP_N=<ours> CHAP_R=<R'>       mutual
//
// Contracts:
// - step() gets every CHAP_* key of one request (name -> value) and either
//   appends the reply pairs or returns a failure reason (for logs: it may
//   name the CHAP user, never a secret, response or challenge). After a
//   failure the exchange is over (the login fails 02/01).
// - CHAP_A: SHA-256 (7) when offered, else MD5 (5); neither: failure.
//   CHAP_I is a fresh random octet, CHAP_C random bytes (chap::challenge_length).
// - CHAP_N must name one of settings.incoming and CHAP_R (hex or base64)
//   must be that account's response to our challenge (constant-time
//   compare). CHAP_I and CHAP_C from the initiator ask for mutual CHAP: both
//   or neither; it needs settings.outgoing; a challenge equal to ours
//   (reflection) or malformed fails.
// - A key arriving at the wrong step, or a step's keys missing, fails.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "transport/iscsi/chap.h"
#include "transport/iscsi/text.h"

namespace esan::iscsi {

struct ChapAccount {
  std::string name, secret;
  bool operator==(const ChapAccount&) const = default;
};

// Who may log in (incoming) and how the target proves itself (outgoing).
struct AuthSettings {
  std::vector<ChapAccount> incoming;   // non-empty: CHAP required
  std::optional<ChapAccount> outgoing; // set: mutual CHAP possible
  bool chap_required() const { return !incoming.empty(); }
  bool operator==(const AuthSettings&) const = default;
};

class ChapExchange {
 public:
  using Keys = std::map<std::string, std::string, std::less<>>;

  explicit ChapExchange(AuthSettings settings) : settings_(std::move(settings)) {}

  std::optional<std::string> step(const Keys& keys, TextPairs& reply);

  bool done() const { return state_ == State::kDone; }
  const std::string& user() const { return user_; }  // the authenticated CHAP_N

 private:
  enum class State : uint8_t { kWantAlgorithm, kWantResponse, kDone, kFailed };

  std::optional<std::string> challenge(const Keys& keys, TextPairs& reply);
  std::optional<std::string> check_response(const Keys& keys, TextPairs& reply);
  std::optional<std::string> mutual(const Keys& keys, TextPairs& reply);

  AuthSettings settings_;
  State state_ = State::kWantAlgorithm;
  chap::Algorithm algorithm_ = chap::Algorithm::kMd5;
  uint8_t id_ = 0;
  std::vector<uint8_t> challenge_;
  std::string user_;
};

}  // namespace esan::iscsi
