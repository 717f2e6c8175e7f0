#include <gtest/gtest.h>

#include "config/model.h"

namespace esan::config {
namespace {

TEST(InitiatorMatch, ExactNames) {
  EXPECT_TRUE(initiator_matches("iqn.1994-05.com.redhat:host1", "iqn.1994-05.com.redhat:host1"));
  EXPECT_FALSE(initiator_matches("iqn.1994-05.com.redhat:host1", "iqn.1994-05.com.redhat:host2"));
  EXPECT_FALSE(initiator_matches("iqn.a", "iqn.ab"));
  EXPECT_FALSE(initiator_matches("iqn.ab", "iqn.a"));
  EXPECT_TRUE(initiator_matches("", ""));
  EXPECT_FALSE(initiator_matches("", "x"));
}

TEST(InitiatorMatch, Star) {
  EXPECT_TRUE(initiator_matches("iqn.1994-05.com.redhat:*", "iqn.1994-05.com.redhat:host1"));
  EXPECT_TRUE(initiator_matches("iqn.1994-05.com.redhat:*", "iqn.1994-05.com.redhat:"));
  EXPECT_FALSE(initiator_matches("iqn.1994-05.com.redhat:*", "iqn.1998-01.com.vmware:esx1"));
  EXPECT_TRUE(initiator_matches("*", ""));
  EXPECT_TRUE(initiator_matches("*", "anything"));
  EXPECT_TRUE(initiator_matches("**", "x"));
  EXPECT_TRUE(initiator_matches("iqn.*:esx*", "iqn.1998-01.com.vmware:esx12"));
  EXPECT_TRUE(initiator_matches("*:host", "iqn.a:b:host"));  // star must backtrack
  EXPECT_FALSE(initiator_matches("*:host", "iqn.a:b:hostx"));
  EXPECT_TRUE(initiator_matches("a*b*c", "aXbYbZc"));
  EXPECT_FALSE(initiator_matches("a*b*c", "aXbYbZ"));
}

TEST(InitiatorMatch, QuestionMark) {
  EXPECT_TRUE(initiator_matches("iqn.1998-01.com.vmware:esx?", "iqn.1998-01.com.vmware:esx1"));
  EXPECT_FALSE(initiator_matches("iqn.1998-01.com.vmware:esx?", "iqn.1998-01.com.vmware:esx"));
  EXPECT_FALSE(initiator_matches("iqn.1998-01.com.vmware:esx?", "iqn.1998-01.com.vmware:esx10"));
  EXPECT_TRUE(initiator_matches("??", "ab"));
  EXPECT_TRUE(initiator_matches("?*", "a"));
  EXPECT_FALSE(initiator_matches("?*", ""));
}

TEST(InitiatorMatch, CaseSensitive) {
  EXPECT_FALSE(initiator_matches("iqn.1994-05.com.RedHat:*", "iqn.1994-05.com.redhat:h"));
  EXPECT_FALSE(initiator_matches("IQN.x", "iqn.x"));
}

TEST(InitiatorMatch, ManyStarsStayFast) {
  std::string name(2000, 'a');
  std::string pattern;
  for (int i = 0; i < 50; ++i) pattern += "*a";
  pattern += "b";
  EXPECT_FALSE(initiator_matches(pattern, name));
  EXPECT_TRUE(initiator_matches(pattern.substr(0, pattern.size() - 1), name));
}

}  // namespace
}  // namespace esan::config
