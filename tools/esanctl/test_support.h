// Helpers for esanctl's unit tests: run translate() on a command line
// written as one string (words split on spaces; "\x01" stands for a space
// inside a word).
#pragma once

#include <sstream>

#include <gtest/gtest.h>

#include "tools/esanctl/call.h"

namespace esan::ctl::test {

inline std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string w; in >> w;) {
    for (auto& c : w)
      if (c == '\x01') c = ' ';
    out.push_back(w);
  }
  return out;
}

inline Context ctx(bool scstadmin = false) {
  Context c;
  c.scstadmin = scstadmin;
  c.cwd = "/home/admin";
  return c;
}

// The calls of a command line that must translate.
inline std::vector<ApiCall> calls(const std::string& line, bool scstadmin = false) {
  auto r = translate(words(line), ctx(scstadmin));
  EXPECT_TRUE(r) << line << ": " << (r ? "" : r.error().message);
  return r ? r->calls : std::vector<ApiCall>{};
}

// The usage error of a command line that must not translate.
inline std::string usage_error(const std::string& line, bool scstadmin = false) {
  auto r = translate(words(line), ctx(scstadmin));
  EXPECT_FALSE(r) << line << " translated to " << (r && !r->calls.empty() ? r->calls[0].path : "nothing");
  return r ? "" : r.error().message;
}

// One expected request: method, path, body as JSON text ("" = no body).
struct Expect {
  std::string line;
  std::string method;
  std::string path;
  std::string body;
  View view = View::kDone;
};

inline void check(const Expect& e, bool scstadmin) {
  SCOPED_TRACE(e.line);
  auto c = calls(e.line, scstadmin);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[0].method, e.method);
  EXPECT_EQ(c[0].path, e.path);
  if (e.body.empty()) {
    EXPECT_FALSE(c[0].body.has_value()) << c[0].body->dump();
  } else {
    ASSERT_TRUE(c[0].body.has_value());
    EXPECT_EQ(*c[0].body, nlohmann::json::parse(e.body));
  }
  EXPECT_EQ(c[0].view, e.view);
  if (e.view == View::kDone) {
    EXPECT_FALSE(c[0].done.empty());
  }
  EXPECT_TRUE(c[0].text_file.empty());
}

}  // namespace esan::ctl::test
