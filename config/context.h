// Shared state and helpers of the model builders (internal to config/).
//
// Contract: every helper returning an error formats it as
// "file:line: reason" with Errc::kInvalidArgument, using the node's line;
// with an empty file name (attributes from a management request, config/
// edit.h) the message is the reason alone.
// Attribute helpers reject nodes that open a block and check the number of
// values; text() joins several values with one space.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "config/keywords.h"
#include "config/model.h"
#include "config/syntax.h"

namespace esan::config {

class Context {
 public:
  Context(std::string_view file, Config& cfg) : file_(file), cfg_(cfg) {}

  Config& cfg() { return cfg_; }
  const Config& cfg() const { return cfg_; }
  std::string_view file() const { return file_; }

  std::unexpected<Error> fail(int line, std::string_view reason) const;
  // Warnings are kept in line order (the builders run in two passes) and
  // moved to cfg().warnings by finish().
  void warn(int line, std::string_view message);
  void finish();
  // "attribute 'x' is not implemented by esand yet (ignored)".
  void warn_unimplemented(const Node& n);
  // "unknown attribute 'x' in S" or, for a block, "unknown section 'x' in S".
  std::unexpected<Error> unknown(const Node& n, Section in) const;

  // The one non-empty name a section keyword takes ("TARGET needs exactly one name").
  Result<std::string> name(const Node& n) const;
  // Attribute values: no block allowed, at least one value.
  Result<std::string> text(const Node& n) const;
  Result<bool> boolean(const Node& n) const;
  Result<uint64_t> number(const Node& n, uint64_t max) const;
  // IncomingUser/OutgoingUser: "name secret" (one word each, the secret
  // kMinChapSecret..kMaxChapSecret bytes), returned with one space between.
  // The secret never appears in messages.
  Result<std::string> user(const Node& n) const;
  Status no_block(const Node& n) const;

 private:
  Result<std::string> single(const Node& n) const;

  std::string_view file_;
  Config& cfg_;
  std::vector<std::pair<int, std::string>> warnings_;
};

// Rejects a second occurrence of a non-repeatable attribute in one section.
class SeenOnce {
 public:
  Status check(const Context& ctx, const Node& n);

 private:
  std::map<std::string, int> first_line_;
};

}  // namespace esan::config
