// A stand-in for esand in esan-tui's unit tests: canned answers by
// "METHOD PATH", and a record of the requests made.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tui/api.h"

namespace esan::tui {

class FakeApi : public Api {
 public:
  std::map<std::string, client::Reply> answers;  // "GET /v1/devices" -> reply
  std::vector<client::Request> calls;
  void on(const std::string& key, int status, const std::string& body) { answers[key] = client::Reply{status, body}; }

  Result<client::Reply> call(const client::Request& req) override {
    calls.push_back(req);
    auto it = answers.find(req.method + " " + req.path);
    if (it == answers.end())
      return client::Reply{404, R"({"error":{"code":"not_found","message":"no route )" + req.path + R"("}})"};
    return it->second;
  }
};

}  // namespace esan::tui
