#include "transport/iscsi/chap_exchange.h"

#include <fmt/format.h>

namespace esan::iscsi {

namespace {

const std::string* key(const ChapExchange::Keys& keys, std::string_view name) {
  auto it = keys.find(name);
  return it == keys.end() ? nullptr : &it->second;
}

}  // namespace

std::optional<std::string> ChapExchange::step(const Keys& keys, TextPairs& reply) {
  std::optional<std::string> failure;
  switch (state_) {
    case State::kWantAlgorithm: failure = challenge(keys, reply); break;
    case State::kWantResponse: failure = check_response(keys, reply); break;
    case State::kDone:
      if (!keys.empty()) failure = keys.begin()->first + " after CHAP completed";
      break;
    case State::kFailed: failure = "CHAP exchange already failed"; break;
  }
  if (failure) state_ = State::kFailed;
  return failure;
}

std::optional<std::string> ChapExchange::challenge(const Keys& keys, TextPairs& reply) {
  const std::string* a = key(keys, "CHAP_A");
  if (!a) return std::string("CHAP exchange without CHAP_A");
  if (keys.size() != 1) return std::string("CHAP_N/CHAP_R/CHAP_I/CHAP_C before our challenge");
  auto algorithm = chap::choose_algorithm(*a);
  if (!algorithm) return fmt::format("no supported CHAP algorithm in CHAP_A={} (we have 5, 7)", *a);
  auto id = chap::random_identifier();
  auto c = chap::random_bytes(chap::challenge_length(*algorithm));
  if (!id || !c) return std::string("cannot generate a CHAP challenge: CSPRNG failed");
  algorithm_ = *algorithm;
  id_ = *id;
  challenge_ = std::move(*c);
  reply.emplace_back("CHAP_A", std::to_string(int(algorithm_)));
  reply.emplace_back("CHAP_I", std::to_string(id_));
  reply.emplace_back("CHAP_C", chap::encode_hex(challenge_));
  state_ = State::kWantResponse;
  return std::nullopt;
}

std::optional<std::string> ChapExchange::check_response(const Keys& keys, TextPairs& reply) {
  const std::string* n = key(keys, "CHAP_N");
  const std::string* r = key(keys, "CHAP_R");
  if (!n || !r) return std::string("CHAP_N and CHAP_R missing after our challenge");
  for (const auto& [k, v] : keys) {
    if (k != "CHAP_N" && k != "CHAP_R" && k != "CHAP_I" && k != "CHAP_C")
      return k + " in the CHAP response step";
  }
  auto received = chap::decode_binary(*r);
  if (!received) return std::string("malformed CHAP_R");
  const ChapAccount* account = nullptr;
  for (const auto& a : settings_.incoming)
    if (a.name == *n) account = &a;
  // Compute and compare even for an unknown user, so both failures cost
  // the same; the answer is the same 02/01 either way.
  std::string_view secret = account ? std::string_view(account->secret) : std::string_view();
  bool good = chap::verify(algorithm_, id_, secret, challenge_, *received);
  if (!account) return fmt::format("unknown CHAP user '{}'", *n);
  if (!good) return fmt::format("wrong CHAP response for user '{}'", *n);
  user_ = *n;
  if (auto f = mutual(keys, reply)) return f;
  state_ = State::kDone;
  return std::nullopt;
}

std::optional<std::string> ChapExchange::mutual(const Keys& keys, TextPairs& reply) {
  const std::string* i = key(keys, "CHAP_I");
  const std::string* c = key(keys, "CHAP_C");
  if (!i && !c) return std::nullopt;  // one-way CHAP
  if (!i || !c) return std::string("mutual CHAP needs both CHAP_I and CHAP_C");
  auto id = parse_numeric(*i);
  if (!id || *id > 255) return std::string("malformed CHAP_I from the initiator");
  auto their_challenge = chap::decode_binary(*c);
  if (!their_challenge) return std::string("malformed CHAP_C from the initiator");
  if (*their_challenge == challenge_) return std::string("initiator reflected our CHAP challenge");
  if (!settings_.outgoing)
    return std::string("initiator asks for mutual CHAP but no OutgoingUser is configured");
  auto ours = chap::response(algorithm_, uint8_t(*id), settings_.outgoing->secret,
                             *their_challenge);
  if (ours.size() != chap::digest_length(algorithm_))
    return std::string("cannot compute the CHAP response: digest failed");
  reply.emplace_back("CHAP_N", settings_.outgoing->name);
  reply.emplace_back("CHAP_R", chap::encode_hex(ours));
  return std::nullopt;
}

}  // namespace esan::iscsi
