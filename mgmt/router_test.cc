// Router and JSON error mapping.
#include "mgmt/router.h"

#include <gtest/gtest.h>

#include "mgmt/api_json.h"

namespace esan::mgmt {
namespace {

TEST(Router, CapturesSegmentsAndAnswers404ForUnknownRoutes) {
  Router r;
  r.route("GET", "/v1/targets/{t}/luns/{n}", [](const Request& q) {
    Response res;
    res.body = q.params.at("t") + "#" + q.params.at("n");
    return res;
  });
  Request q;
  q.method = "GET";
  q.path = "/v1/targets/iqn.2026-11.org:a/luns/3";
  EXPECT_EQ(r.dispatch(q).body, "iqn.2026-11.org:a#3");
  q.method = "DELETE";
  Response miss = r.dispatch(q);
  EXPECT_EQ(miss.status, 404);
  auto j = Json::parse(miss.body);
  EXPECT_EQ(j["error"]["code"], "not_found");
  q.method = "GET";
  q.path = "/v1/targets/a/luns";
  EXPECT_EQ(r.dispatch(q).status, 404);
}

TEST(ApiJson, StatusCodesAndBodies) {
  EXPECT_EQ(error_response(Error{Errc::kInvalidArgument, "m"}).status, 400);
  EXPECT_EQ(error_response(Error{Errc::kNotFound, "m"}).status, 404);
  EXPECT_EQ(error_response(Error{Errc::kExists, "m"}).status, 409);
  EXPECT_EQ(error_response(Error{Errc::kBusy, "m"}).status, 409);
  EXPECT_EQ(error_response(Error{Errc::kIo, "m"}).status, 500);
  EXPECT_EQ(Json::parse(error_response(Error{Errc::kBusy, "in use"}).body)["error"]["message"], "in use");
  Request q;
  q.body = "{not json";
  EXPECT_FALSE(json_body(q));
  q.body = R"({"attributes": {"read_only": "1", "size_mb": 8}, "n": "5"})";
  auto b = json_body(q);
  ASSERT_TRUE(b);
  auto a = attributes_field(*b);
  ASSERT_TRUE(a);
  EXPECT_EQ(*a, (config::Attributes{{"read_only", "1"}, {"size_mb", "8"}}));
  EXPECT_EQ(uint_field(*b, "n").value(), 5u);
  EXPECT_FALSE(string_field(*b, "missing"));
  q.body = R"({"attributes": {"read_only": true}})";
  EXPECT_FALSE(attributes_field(*json_body(q)));
}

}  // namespace
}  // namespace esan::mgmt
