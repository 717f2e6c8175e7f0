// ALUA rules of a device group (scsi/alua.h AluaRules): the access the
// device server offers (INQUIRY TPGS, SET TARGET PORT GROUPS support) and
// the one-owner invariant (at most one active/optimized target group when
// the roles own a medium), through STPG and through the registry API.
#include <gtest/gtest.h>

#include "scsi/alua.h"
#include "scsi/opcodes.h"
#include "scsi/test_support.h"

namespace esan::scsi {
namespace {

using namespace testing;

constexpr AluaState kAO = AluaState::kActiveOptimized, kAN = AluaState::kActiveNonOptimized,
                    kSB = AluaState::kStandby;

std::vector<uint8_t> stpg(uint32_t plen) {
  std::vector<uint8_t> c(12, 0);
  c[0] = op::kMaintenanceOut;
  c[1] = op::kSaSetTargetPortGroups;
  store_be32(&c[6], plen);
  return c;
}
std::vector<uint8_t> stpg_params(std::initializer_list<std::pair<uint8_t, uint16_t>> ds) {
  std::vector<uint8_t> p(4, 0);
  for (auto [st, id] : ds) p.insert(p.end(), {st, 0, uint8_t(id >> 8), uint8_t(id)});
  return p;
}
std::vector<uint8_t> rtpg() {
  std::vector<uint8_t> c(12, 0);
  c[0] = op::kMaintenanceIn;
  c[1] = op::kSaReportTargetPortGroups;
  store_be32(&c[6], 1024);
  return c;
}
std::vector<uint8_t> report_one(uint8_t opcode, uint16_t sa) {
  std::vector<uint8_t> c(12, 0);
  c[0] = op::kMaintenanceIn;
  c[1] = op::kSaReportSupportedOpcodes;
  c[2] = 0x02;  // one command, by opcode and service action
  c[3] = opcode;
  store_be16(&c[4], sa);
  store_be32(&c[6], 64);
  return c;
}

// The HA pair's shape: group "one" (id 1, port 1: this node, nexus a) and
// group "two" (id 2, port 2: the other node, nexus b), plus a third group
// "three" (id 3, port 3, nexus c) to show that every other group steps down.
struct Pair {
  explicit Pair(AluaRules rules, AluaState one = kAO, AluaState two = kAN, AluaState three = kSB) {
    auto r = make_device_group("dg", {{"one", 1, one, {1}}, {"two", 2, two, {2}}, {"three", 3, three, {3}}},
                               IoPolicy::kLocal, rules);
    EXPECT_TRUE(r.has_value()) << r.error().message;
    dg = *r;
    join_device_group(dg, f.lu);
    EXPECT_TRUE(reg.add(dg).has_value());
    b = f.make_nexus(f.nexus->luns, true, 2);
    c = f.make_nexus(f.nexus->luns, true, 3);
  }
  Task run(const std::vector<uint8_t>& cdb, Nexus& n, DataDir dir = DataDir::kNone,
           const std::vector<uint8_t>& out = {}) {
    return f.run(cdb, dir, out, 1u << 16, &n);
  }
  Task stpg_on(Nexus& n, std::initializer_list<std::pair<uint8_t, uint16_t>> ds) {
    auto p = stpg_params(ds);
    return run(stpg(uint32_t(p.size())), n, DataDir::kOut, p);
  }
  AluaState state(uint16_t id) const { return dg->group_by_id(id)->state(); }
  AluaStatusCode status(uint16_t id) const { return dg->group_by_id(id)->status_code(); }
  size_t ua(Nexus& n) const { return f.lu->ua_pending(n.id); }
  Nexus& a() { return *f.nexus; }

  Fixture f;
  std::shared_ptr<DeviceGroup> dg;
  AluaRegistry& reg = *f.shared.state->alua();
  std::unique_ptr<Nexus> b, c;
};

constexpr AluaRules kClusterDefault{AluaAccess::kImplicit, true};
constexpr AluaRules kClusterExplicit{AluaAccess::kBoth, true};
constexpr AluaRules kPlain{AluaAccess::kBoth, false};

// ---- access ----

TEST(AluaAccess, InquiryTpgsIsTheGroupsAccess) {
  for (auto [access, tpgs] : {std::pair{AluaAccess::kImplicit, 0x10}, std::pair{AluaAccess::kExplicit, 0x20},
                              std::pair{AluaAccess::kBoth, 0x30}}) {
    Pair x({access, true});
    Task t = x.run({0x12, 0, 0, 0, 0x24, 0}, *x.b, DataDir::kIn);
    ASSERT_EQ(t.status, kGood);
    EXPECT_EQ(t.data.data()[5] & 0x30, tpgs) << "access " << int(access);
  }
}

TEST(AluaAccess, ImplicitOnlyRefusesSetTargetPortGroupsAndChangesNothing) {
  Pair x(kClusterDefault);
  Task t = x.stpg_on(*x.b, {{0x0, 2}});
  expect_sense(t, SenseKey::kIllegalRequest, asc::kInvalidFieldInCdb);
  ParsedSense s = sense_of(t);
  ASSERT_TRUE(s.sksv);
  EXPECT_EQ(s.sks[0] & 0x40, 0x40) << "in the CDB";
  EXPECT_EQ(load_be16(s.sks + 1), 1) << "the service action's byte";
  EXPECT_EQ(x.state(1), kAO);
  EXPECT_EQ(x.state(2), kAN);
  EXPECT_EQ(x.ua(x.a()), 0u);
  EXPECT_EQ(x.status(2), AluaStatusCode::kNone);
}

TEST(AluaAccess, ReportSupportedOpcodesOmitsStpgWithoutExplicitAccess) {
  for (auto [access, supported] : {std::pair{AluaAccess::kImplicit, false}, std::pair{AluaAccess::kExplicit, true},
                                   std::pair{AluaAccess::kBoth, true}}) {
    Pair x({access, true});
    Task t = x.run(report_one(op::kMaintenanceOut, op::kSaSetTargetPortGroups), x.a(), DataDir::kIn);
    ASSERT_EQ(t.status, kGood);
    EXPECT_EQ(t.data.data()[1] & 0x07, supported ? 0x03 : 0x01) << "SUPPORT for access " << int(access);
    Task r = x.run(report_one(op::kMaintenanceIn, op::kSaReportTargetPortGroups), x.a(), DataDir::kIn);
    ASSERT_EQ(r.status, kGood);
    EXPECT_EQ(r.data.data()[1] & 0x07, 0x03) << "RTPG is always supported in a device group";
  }
}

TEST(AluaAccess, ImplicitOnlyStillReportsTargetPortGroups) {
  Pair x(kClusterDefault);
  Task t = x.run(rtpg(), *x.b, DataDir::kIn);
  ASSERT_EQ(t.status, kGood);
  EXPECT_EQ(t.data.data()[4] & 0x0F, 0x0);  // group 1 active/optimized
}

// ---- one owner: STPG ----

TEST(AluaOneOwner, StpgMakingAGroupOptimizedMovesTheOthers) {
  Pair x(kClusterExplicit);
  Task t = x.stpg_on(*x.b, {{0x0, 2}});  // only group 2 named
  expect_good(t);
  EXPECT_EQ(x.state(2), kAO);
  EXPECT_EQ(x.state(1), kAN) << "the previous owner steps down in the same change";
  EXPECT_EQ(x.state(3), kSB) << "groups that were not active/optimized keep their state";
  EXPECT_EQ(x.status(2), AluaStatusCode::kSetByStpg);
  EXPECT_EQ(x.status(1), AluaStatusCode::kImplicit);
  EXPECT_EQ(x.status(3), AluaStatusCode::kNone);
  // Group 1's move was the device server's own: every nexus is told, the requester too.
  for (Nexus* n : {&x.a(), x.b.get(), x.c.get()}) EXPECT_EQ(x.ua(*n), 1u);
  expect_sense(x.run(cdb10(op::kRead10, 0, 1), x.a(), DataDir::kIn), SenseKey::kUnitAttention,
               asc::kAsymmetricAccessStateChanged);
}

TEST(AluaOneOwner, StpgNamingBothGroupsSparesTheRequester) {
  Pair x(kClusterExplicit);
  expect_good(x.stpg_on(*x.b, {{0x0, 2}, {0x1, 1}}));
  EXPECT_EQ(x.state(2), kAO);
  EXPECT_EQ(x.state(1), kAN);
  EXPECT_EQ(x.status(1), AluaStatusCode::kSetByStpg);
  EXPECT_EQ(x.ua(*x.b), 0u) << "the requester asked for every change made";
  EXPECT_EQ(x.ua(x.a()), 1u);
}

TEST(AluaOneOwner, StpgMakingTwoGroupsOptimizedIsRefusedAndChangesNothing) {
  Pair x(kClusterExplicit);
  Task t = x.stpg_on(*x.b, {{0x1, 1}, {0x0, 2}, {0x0, 3}});
  expect_sense(t, SenseKey::kIllegalRequest, asc::kInvalidFieldInParameterList);
  ParsedSense s = sense_of(t);
  ASSERT_TRUE(s.sksv);
  EXPECT_EQ(s.sks[0], 0x80 | 0x08 | 3) << "parameter list, bit 3";
  EXPECT_EQ(load_be16(s.sks + 1), 12) << "the third descriptor's state";
  EXPECT_EQ(x.state(1), kAO);
  EXPECT_EQ(x.state(2), kAN);
  EXPECT_EQ(x.state(3), kSB);
  EXPECT_EQ(x.ua(x.a()), 0u);
}

TEST(AluaOneOwner, WithoutTheRuleStpgMayMakeTwoGroupsOptimized) {
  Pair x(kPlain);
  expect_good(x.stpg_on(*x.b, {{0x0, 2}}));
  EXPECT_EQ(x.state(1), kAO);
  EXPECT_EQ(x.state(2), kAO);
  EXPECT_EQ(x.ua(*x.b), 0u);
}

TEST(AluaOneOwner, StepDownLeavingNoOwnerIsAllowed) {
  Pair x(kClusterExplicit);
  expect_good(x.stpg_on(x.a(), {{0x1, 1}}));
  EXPECT_EQ(x.state(1), kAN);
  EXPECT_EQ(x.state(2), kAN);
  EXPECT_EQ(x.ua(x.a()), 0u);
}

// ---- one owner: the registry (management API, esanctl, resource agent) ----

TEST(AluaOneOwner, ImplicitChangeMovesTheOthersInOneChange) {
  Pair x(kClusterDefault);
  ASSERT_TRUE(x.reg.set_target_group_state("dg", "two", "active").has_value());
  EXPECT_EQ(x.state(2), kAO);
  EXPECT_EQ(x.state(1), kAN);
  EXPECT_EQ(x.state(3), kSB);
  EXPECT_EQ(x.status(1), AluaStatusCode::kImplicit);
  EXPECT_EQ(x.status(2), AluaStatusCode::kImplicit);
  for (Nexus* n : {&x.a(), x.b.get(), x.c.get()}) EXPECT_EQ(x.ua(*n), 1u) << "one unit attention per change";
  // And back: group 1 becomes the owner again, group 2 steps down.
  ASSERT_TRUE(x.reg.set_target_group_state("dg", "one", "active").has_value());
  EXPECT_EQ(x.state(1), kAO);
  EXPECT_EQ(x.state(2), kAN);
}

TEST(AluaOneOwner, ApplyRefusesTwoOptimizedAndChangesNothing) {
  Pair x(kClusterDefault);
  DeviceGroup::Change both[] = {{2, kAO}, {3, kAO}};
  auto r = x.dg->apply(both, DeviceGroup::Cause::kImplicit);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(x.state(1), kAO);
  EXPECT_EQ(x.state(2), kAN);
  EXPECT_EQ(x.state(3), kSB);
  EXPECT_EQ(x.ua(x.a()), 0u);
}

TEST(AluaOneOwner, MakeDeviceGroupRefusesTwoOptimized) {
  auto r = make_device_group("d", {{"a", 1, kAO, {1}}, {"b", 2, kAO, {2}}}, IoPolicy::kLocal, kClusterDefault);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  EXPECT_NE(r.error().message.find("'a' is already active/optimized"), std::string::npos) << r.error().message;
  EXPECT_TRUE(make_device_group("d", {{"a", 1, kAO, {1}}, {"b", 2, kAO, {2}}}, IoPolicy::kLocal, kPlain));
}

}  // namespace
}  // namespace esan::scsi
