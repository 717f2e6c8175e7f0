#include "transport/iscsi/session.h"

#include <gtest/gtest.h>

#include <cstring>

#include "transport/iscsi/target_registry.h"

namespace esan::iscsi {
namespace {

TEST(Session, IsidHex) {
  Session s;
  const uint8_t isid[6] = {0x80, 0x12, 0x34, 0x56, 0xab, 0x0f};
  std::memcpy(s.isid, isid, 6);
  EXPECT_EQ(s.isid_hex(), "80123456ab0f");
}

TEST(Session, AttachBuildsTheNexusFromParamsAndTargetsThenDetachOnce) {
  TargetRegistry targets;
  TargetEntry t;
  t.name = "iqn.2024-01.test:t";
  t.rel_tgt_id = 7;
  auto luns = std::make_shared<scsi::LunMap>();
  t.luns = luns;
  targets.set_targets({t}, true);

  Session s;
  const uint8_t isid[6] = {0x80, 0, 0, 0, 0, 0x01};
  std::memcpy(s.isid, isid, 6);
  s.params.initiator_name = "iqn.2024-01.test:i";
  s.params.target_name = t.name;
  s.attach_nexus(targets);
  EXPECT_TRUE(s.nexus_attached);
  EXPECT_NE(s.nexus.id, 0u);
  EXPECT_EQ(s.nexus.initiator_name, "iqn.2024-01.test:i");
  EXPECT_EQ(s.nexus.initiator_port, "iqn.2024-01.test:i,i,0x800000000001");
  EXPECT_EQ(s.nexus.target_name, t.name);
  EXPECT_EQ(s.nexus.rel_tgt_id, 7);
  EXPECT_EQ(s.nexus.luns, luns);

  s.detach_nexus();
  EXPECT_FALSE(s.nexus_attached);
  s.detach_nexus();  // a second detach is a no-op
  EXPECT_FALSE(s.nexus_attached);
}

}  // namespace
}  // namespace esan::iscsi
