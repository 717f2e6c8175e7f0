#include "transport/iscsi/target_registry.h"

#include <gtest/gtest.h>

#include "backend/block_device.h"
#include "scsi/logical_unit.h"

namespace esan::iscsi {
namespace {

std::shared_ptr<scsi::LogicalUnit> make_lu(const std::string& name) {
  scsi::LuConfig c;
  c.name = name;
  auto r = scsi::make_logical_unit(c, backend::make_null_device(1 << 20));
  EXPECT_TRUE(r.has_value());
  return *r;
}

std::shared_ptr<const scsi::LunMap> map_of(std::initializer_list<std::shared_ptr<scsi::LogicalUnit>> lus) {
  auto m = std::make_shared<scsi::LunMap>();
  uint64_t lun = 0;
  for (auto& lu : lus) (*m)[lun++] = scsi::LunMapping{lu, false};
  return m;
}

TargetEntry target(std::string name, uint16_t port, std::shared_ptr<const scsi::LunMap> luns) {
  TargetEntry t;
  t.name = std::move(name);
  t.rel_tgt_id = port;
  t.luns = std::move(luns);
  return t;
}

// INQUIRY MULTIP reads LogicalUnit::target_ports(), which the registry keeps.
TEST(TargetRegistry, CountsTheTargetPortsExportingEachLu) {
  auto shared = make_lu("shared"), single = make_lu("single");
  TargetRegistry reg;
  std::vector<TargetEntry> ts;
  ts.push_back(target("iqn.a", 1, map_of({shared, single})));
  ts.push_back(target("iqn.b", 2, map_of({shared})));
  TargetEntry::Group g{"g", {"*"}, map_of({shared})};
  ts.back().groups.push_back(g);  // the same port again: counted once
  reg.set_targets(ts, true);
  EXPECT_EQ(shared->target_ports(), 2);
  EXPECT_EQ(single->target_ports(), 1);
  std::vector<TargetEntry> only_b;
  only_b.push_back(target("iqn.b", 2, map_of({shared})));
  reg.set_targets(only_b, true);
  EXPECT_EQ(shared->target_ports(), 1);
  EXPECT_EQ(single->target_ports(), 0) << "an LU no target maps any more";
}

}  // namespace
}  // namespace esan::iscsi
