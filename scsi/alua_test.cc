// ALUA: state gating table, REPORT/SET TARGET PORT GROUPS, INQUIRY TPGS and
// designators, unit attentions on state changes, the registry API.
#include "scsi/alua.h"

#include <gtest/gtest.h>

#include "scsi/opcodes.h"
#include "scsi/test_support.h"

namespace esan::scsi {
namespace {

using namespace testing;

constexpr AluaState kAO = AluaState::kActiveOptimized, kAN = AluaState::kActiveNonOptimized,
                    kSB = AluaState::kStandby, kUA = AluaState::kUnavailable, kOF = AluaState::kOffline,
                    kTR = AluaState::kTransitioning;

std::vector<uint8_t> rtpg(uint8_t format, uint32_t alloc) {
  std::vector<uint8_t> c(12, 0);
  c[0] = op::kMaintenanceIn;
  c[1] = uint8_t(format << 5 | op::kSaReportTargetPortGroups);
  store_be32(&c[6], alloc);
  return c;
}
std::vector<uint8_t> stpg(uint32_t plen) {
  std::vector<uint8_t> c(12, 0);
  c[0] = op::kMaintenanceOut;
  c[1] = op::kSaSetTargetPortGroups;
  store_be32(&c[6], plen);
  return c;
}
// STPG parameter list: header + one descriptor per (state code, group id).
std::vector<uint8_t> stpg_params(std::initializer_list<std::pair<uint8_t, uint16_t>> ds) {
  std::vector<uint8_t> p(4, 0);
  for (auto [st, id] : ds) {
    p.insert(p.end(), {st, 0, uint8_t(id >> 8), uint8_t(id)});
  }
  return p;
}
std::vector<uint8_t> inq(uint8_t evpd, uint8_t page) { return {0x12, evpd, page, 0x04, 0x00, 0}; }
std::vector<uint8_t> read10() { return cdb10(op::kRead10, 0, 1); }

// One LU in device group "dg": group "a" (id 1, port 1, active) and group "b"
// (id 2, ports 2 and 100 -- 100 being another node's port, standby). Nexus
// `a` arrives through port 1, `b` through port 2, `lost` through port 3
// (in no target group).
struct AluaFixture {
  AluaFixture(AluaState a_state = kAO, AluaState b_state = kSB) {
    auto r = make_device_group("dg", {{"a", 1, a_state, {1}}, {"b", 2, b_state, {2, 100}}});
    EXPECT_TRUE(r.has_value());
    dg = *r;
    join_device_group(dg, f.lu);
    EXPECT_TRUE(reg.add(dg).has_value());
    b = f.make_nexus(f.nexus->luns, true, 2);
    lost = f.make_nexus(f.nexus->luns, true, 3);
  }
  Nexus& a() { return *f.nexus; }
  Task run(const std::vector<uint8_t>& cdb, Nexus& n, DataDir dir = DataDir::kNone,
           const std::vector<uint8_t>& out = {}) {
    return f.run(cdb, dir, out, 1u << 16, &n);
  }
  AluaState state(uint16_t id) const { return dg->group_by_id(id)->state(); }
  void drain_ua() {
    for (Nexus* n : {&a(), b.get(), lost.get()})
      while (f.lu->ua_take(n->id)) {
      }
  }

  Fixture f;
  std::shared_ptr<DeviceGroup> dg;
  AluaRegistry& reg = *f.shared.state->alua();  // proposes through the fixture's coordinator
  std::unique_ptr<Nexus> b, lost;
};

// ---- gating table ----

struct GateCase {
  const char* name;
  std::vector<uint8_t> cdb;
  // allowed in: active/optimized, active/non-optimized, standby, unavailable, offline, transitioning
  bool allowed[6];
};

class AluaGate : public ::testing::TestWithParam<GateCase> {};

TEST_P(AluaGate, AllowedPerState) {
  const GateCase& g = GetParam();
  const AluaState states[] = {kAO, kAN, kSB, kUA, kOF, kTR};
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(alua_allows(states[i], g.cdb.data()), g.allowed[i]) << g.name << " in " << alua_state_name(states[i]);
}

const GateCase kGateCases[] = {
    {"Inquiry", {0x12, 0}, {1, 1, 1, 1, 1, 1}},
    {"ReportLuns", {0xA0, 0}, {1, 1, 1, 1, 1, 1}},
    {"RequestSense", {0x03, 0}, {1, 1, 1, 1, 1, 1}},
    {"ReportTpg", {0xA3, 0x0A}, {1, 1, 1, 1, 1, 1}},
    {"ReportTpgExtended", {0xA3, 0x2A}, {1, 1, 1, 1, 1, 1}},
    {"ReadBufferEcho", {0x3C, 0x0A}, {1, 1, 1, 1, 1, 1}},
    {"ReadBufferData", {0x3C, 0x02}, {1, 1, 0, 0, 0, 0}},
    {"WriteBufferEcho", {0x3B, 0x0A}, {1, 1, 1, 1, 1, 1}},
    {"SetTpg", {0xA4, 0x0A}, {1, 1, 1, 1, 1, 0}},
    {"ModeSense6", {0x1A, 0}, {1, 1, 1, 0, 0, 0}},
    {"ModeSense10", {0x5A, 0}, {1, 1, 1, 0, 0, 0}},
    {"ModeSelect6", {0x15, 0x10}, {1, 1, 1, 0, 0, 0}},
    {"ModeSelect10", {0x55, 0x10}, {1, 1, 1, 0, 0, 0}},
    {"LogSense", {0x4D, 0}, {1, 1, 1, 0, 0, 0}},
    {"LogSelect", {0x4C, 0}, {1, 1, 1, 0, 0, 0}},
    {"ReceiveDiagnostic", {0x1C, 0}, {1, 1, 1, 0, 0, 0}},
    {"SendDiagnostic", {0x1D, 0}, {1, 1, 1, 0, 0, 0}},
    {"PersistentReserveIn", {0x5E, 0}, {1, 1, 1, 0, 0, 0}},
    {"PersistentReserveOut", {0x5F, 0}, {1, 1, 1, 0, 0, 0}},
    {"ReadCapacity10", {0x25, 0}, {1, 1, 1, 0, 0, 0}},
    {"ReadCapacity16", {0x9E, 0x10}, {1, 1, 1, 0, 0, 0}},
    {"ReportSupportedOpcodes", {0xA3, 0x0C}, {1, 1, 1, 0, 0, 0}},
    {"ReportSupportedTmf", {0xA3, 0x0D}, {1, 1, 1, 0, 0, 0}},
    {"GetLbaStatus", {0x9E, 0x12}, {1, 1, 0, 0, 0, 0}},
    {"TestUnitReady", {0x00, 0}, {1, 1, 0, 0, 0, 0}},
    {"Read10", {0x28, 0}, {1, 1, 0, 0, 0, 0}},
    {"Write10", {0x2A, 0}, {1, 1, 0, 0, 0, 0}},
    {"Write16", {0x8A, 0}, {1, 1, 0, 0, 0, 0}},
    {"SyncCache10", {0x35, 0}, {1, 1, 0, 0, 0, 0}},
    {"Unmap", {0x42, 0}, {1, 1, 0, 0, 0, 0}},
    {"CompareAndWrite", {0x89, 0}, {1, 1, 0, 0, 0, 0}},
    {"StartStopUnit", {0x1B, 0}, {1, 1, 0, 0, 0, 0}},
    {"MaintenanceOutOther", {0xA4, 0x0B}, {1, 1, 0, 0, 0, 0}},
};

INSTANTIATE_TEST_SUITE_P(Table, AluaGate, ::testing::ValuesIn(kGateCases),
                         [](const ::testing::TestParamInfo<GateCase>& i) { return std::string(i.param.name); });

TEST(AluaGateSense, RefusalAscPerState) {
  EXPECT_EQ(alua_refusal_asc(kSB), 0x040B);
  EXPECT_EQ(alua_refusal_asc(kUA), 0x040C);
  EXPECT_EQ(alua_refusal_asc(kTR), 0x040A);
  EXPECT_EQ(alua_refusal_asc(kOF), 0x0412);
}

// ---- gating through execute() ----

TEST(AluaDispatch, StandbyPathRefusesMediaAccessActivePathServes) {
  AluaFixture x;
  expect_good(x.run(read10(), x.a(), DataDir::kIn));
  Task t = x.run(read10(), *x.b, DataDir::kIn);
  expect_sense(t, SenseKey::kNotReady, 0x040B);
  EXPECT_EQ(t.data.size(), 0u);
  expect_sense(x.run({0, 0, 0, 0, 0, 0}, *x.b), SenseKey::kNotReady, 0x040B);  // TEST UNIT READY
  expect_good(x.run(inq(0, 0), *x.b, DataDir::kIn));
  expect_good(x.run(cdb10(op::kReadCapacity10, 0, 0), *x.b, DataDir::kIn));
  expect_good(x.run(rtpg(0, 512), *x.b, DataDir::kIn));
  // A port in no target group of the device group is not gated (as SCST).
  expect_good(x.run(read10(), *x.lost, DataDir::kIn));
  EXPECT_TRUE(x.f.dev->log.size() == 2u) << "only the two permitted READs reached the backend";
}

TEST(AluaDispatch, EachRefusingStateHasItsSense) {
  const std::pair<AluaState, uint16_t> cases[] = {{kUA, 0x040C}, {kOF, 0x0412}, {kTR, 0x040A}};
  for (auto [state, asc] : cases) {
    AluaFixture x(kAO, state);
    expect_sense(x.run(cdb10(op::kReadCapacity10, 0, 0), *x.b, DataDir::kIn), SenseKey::kNotReady, asc);
    expect_good(x.run(inq(1, 0x83), *x.b, DataDir::kIn));
  }
}

TEST(AluaDispatch, UnitAttentionIsReportedBeforeTheRefusal) {
  AluaFixture x(kAO, kAO);
  ASSERT_TRUE(x.reg.set_target_group_state("dg", "b", "standby").has_value());
  expect_sense(x.run(read10(), *x.b, DataDir::kIn), SenseKey::kUnitAttention, asc::kAsymmetricAccessStateChanged);
  expect_sense(x.run(read10(), *x.b, DataDir::kIn), SenseKey::kNotReady, 0x040B);
}

TEST(AluaDispatch, LuWithoutDeviceGroupIsNotGated) {
  Fixture f;
  f.nexus->rel_tgt_id = 2;
  expect_good(f.run(read10(), DataDir::kIn));
  Task t = f.run(rtpg(0, 512), DataDir::kIn);
  expect_invalid_cdb(t, 1, 4);
  expect_invalid_cdb(f.run(stpg(8), DataDir::kOut, stpg_params({{0, 1}})), 1, 4);
}

// ---- INQUIRY ----

TEST(AluaInquiry, TpgsIsImplicitAndExplicitInADeviceGroup) {
  AluaFixture x;
  Task t = x.run(inq(0, 0), *x.b, DataDir::kIn);
  expect_good(t);
  EXPECT_EQ(t.data.data()[5] & 0x30, 0x30);
  Fixture plain;
  Task p = plain.run(inq(0, 0), DataDir::kIn);
  EXPECT_EQ(p.data.data()[5] & 0x30, 0x00);
}

// The designators of page 83h with the given association/type byte (low 6 bits).
std::vector<uint16_t> designator_values(const Task& t, uint8_t assoc_type) {
  std::vector<uint16_t> out;
  const uint8_t* d = t.data.data();
  size_t end = 4 + load_be16(d + 2);
  for (size_t off = 4; off + 4 <= end; off += 4 + d[off + 3])
    if ((d[off + 1] & 0x3F) == assoc_type) out.push_back(load_be16(d + off + 6));
  return out;
}

TEST(AluaInquiry, DeviceIdentificationCarriesPortAndGroup) {
  AluaFixture x;
  Task ta = x.run(inq(1, 0x83), x.a(), DataDir::kIn);
  Task tb = x.run(inq(1, 0x83), *x.b, DataDir::kIn);
  Task tl = x.run(inq(1, 0x83), *x.lost, DataDir::kIn);
  EXPECT_EQ(designator_values(ta, 0x14), std::vector<uint16_t>{1});  // relative target port
  EXPECT_EQ(designator_values(ta, 0x15), std::vector<uint16_t>{1});  // target port group
  EXPECT_EQ(designator_values(tb, 0x14), std::vector<uint16_t>{2});
  EXPECT_EQ(designator_values(tb, 0x15), std::vector<uint16_t>{2});
  EXPECT_EQ(designator_values(tl, 0x14), std::vector<uint16_t>{3});
  EXPECT_TRUE(designator_values(tl, 0x15).empty());
}

// ---- REPORT TARGET PORT GROUPS ----

TEST(AluaRtpg, LengthFormatListsGroupsStatesAndPorts) {
  AluaFixture x;
  Task t = x.run(rtpg(0, 1024), *x.b, DataDir::kIn);
  expect_good(t);
  const std::vector<uint8_t> want = {
      0, 0, 0, 28,                                   // RETURN DATA LENGTH
      0x00, 0xCF, 0, 1, 0, 0x00, 0, 1, 0, 0, 0, 1,   // group 1: active/optimized, port 1
      0x02, 0xCF, 0, 2, 0, 0x00, 0, 2, 0, 0, 0, 2,   // group 2: standby, ports 2 and 100
      0, 0, 0, 100};
  EXPECT_EQ(bytes_of(t), want);
}

TEST(AluaRtpg, ExtendedFormatHasItsHeader) {
  AluaFixture x(kAN, kUA);
  Task t = x.run(rtpg(1, 1024), x.a(), DataDir::kIn);
  expect_good(t);
  auto d = bytes_of(t);
  ASSERT_EQ(d.size(), 8u + 12 + 16);
  EXPECT_EQ(load_be32(d.data()), d.size() - 4);
  EXPECT_EQ(d[4], 0x10);  // FORMAT TYPE 001b
  EXPECT_EQ(d[5], 0);     // implicit transition time
  EXPECT_EQ(d[8], 0x01);
  EXPECT_EQ(d[20], 0x03);
}

TEST(AluaRtpg, AllocationLengthTruncatesButReportsFullLength) {
  AluaFixture x;
  Task t = x.run(rtpg(0, 6), x.a(), DataDir::kIn);
  expect_good(t);
  ASSERT_EQ(t.data.size(), 6u);
  EXPECT_EQ(load_be32(t.data.data()), 28u);
}

TEST(AluaRtpg, UnknownFormatIsInvalidField) {
  AluaFixture x;
  expect_invalid_cdb(x.run(rtpg(2, 64), x.a(), DataDir::kIn), 1, 7);
}

TEST(AluaRtpg, StatusCodeFollowsTheCauseOfTheChange) {
  AluaFixture x;
  ASSERT_TRUE(x.reg.set_target_group_state("dg", "b", kAN).has_value());
  x.drain_ua();
  ASSERT_TRUE(x.run(stpg(8), x.a(), DataDir::kOut, stpg_params({{0x2, 1}})).status == kGood);
  x.drain_ua();
  auto d = bytes_of(x.run(rtpg(0, 1024), x.a(), DataDir::kIn));
  ASSERT_EQ(d.size(), 4u + 12 + 16);
  EXPECT_EQ(d[4], 0x02);   // group 1 standby ...
  EXPECT_EQ(d[9], 0x01);   // ... set by SET TARGET PORT GROUPS
  EXPECT_EQ(d[16], 0x01);  // group 2 active/non-optimized ...
  EXPECT_EQ(d[21], 0x02);  // ... by implicit behaviour
}

// ---- SET TARGET PORT GROUPS ----

TEST(AluaStpg, ChangesStatesAndNotifiesEveryOtherNexus) {
  AluaFixture x;
  auto p = stpg_params({{0x0, 2}, {0x1, 1}});
  Task t = x.run(stpg(uint32_t(p.size())), *x.b, DataDir::kOut, p);
  expect_good(t);
  EXPECT_EQ(t.out_wanted, p.size());
  EXPECT_EQ(x.state(1), kAN);
  EXPECT_EQ(x.state(2), kAO);
  EXPECT_EQ(x.f.lu->ua_pending(x.b->id), 0u) << "the requester is told by the command itself";
  EXPECT_EQ(x.f.lu->ua_pending(x.a().id), 1u);
  EXPECT_EQ(x.f.lu->ua_pending(x.lost->id), 1u);
  expect_sense(x.run(read10(), x.a(), DataDir::kIn), SenseKey::kUnitAttention, asc::kAsymmetricAccessStateChanged);
  expect_good(x.run(read10(), *x.b, DataDir::kIn));
}

TEST(AluaStpg, SameStateChangesNothingAndQueuesNothing) {
  AluaFixture x;
  expect_good(x.run(stpg(8), *x.b, DataDir::kOut, stpg_params({{0x2, 2}})));
  EXPECT_EQ(x.f.lu->ua_pending(x.a().id), 0u);
  EXPECT_EQ(x.dg->group_by_id(2)->status_code(), AluaStatusCode::kNone);
}

TEST(AluaStpg, InvalidStateIsRejectedAndNothingChanges) {
  for (uint8_t code : {0x4, 0xE, 0xF, 0x7}) {
    AluaFixture x;
    Task t = x.run(stpg(12), x.a(), DataDir::kOut, stpg_params({{0x0, 2}, {code, 1}}));
    expect_sense(t, SenseKey::kIllegalRequest, asc::kInvalidFieldInParameterList);
    ParsedSense s = sense_of(t);
    ASSERT_TRUE(s.sksv);
    EXPECT_EQ(s.sks[0], 0x80 | 0x08 | 3) << "parameter list, bit 3";
    EXPECT_EQ(load_be16(s.sks + 1), 8);
    EXPECT_EQ(x.state(2), kSB) << "the valid first descriptor must not be applied";
    EXPECT_EQ(x.f.lu->ua_pending(x.b->id), 0u);
  }
}

TEST(AluaStpg, UnknownGroupIsRejected) {
  AluaFixture x;
  Task t = x.run(stpg(8), x.a(), DataDir::kOut, stpg_params({{0x0, 7}}));
  expect_sense(t, SenseKey::kIllegalRequest, asc::kInvalidFieldInParameterList);
  ParsedSense s = sense_of(t);
  ASSERT_TRUE(s.sksv);
  EXPECT_EQ(s.sks[0], 0x80);
  EXPECT_EQ(load_be16(s.sks + 1), 6);
}

TEST(AluaStpg, ParameterListLength) {
  AluaFixture x;
  auto p = stpg_params({{0x0, 2}});
  expect_good(x.run(stpg(0), x.a(), DataDir::kOut));
  EXPECT_EQ(x.state(2), kSB);
  p.push_back(0);
  expect_sense(x.run(stpg(9), x.a(), DataDir::kOut, p), SenseKey::kIllegalRequest, asc::kParameterListLengthError);
  expect_sense(x.run(stpg(2), x.a(), DataDir::kOut, {0, 0}), SenseKey::kIllegalRequest,
               asc::kParameterListLengthError);
  EXPECT_EQ(x.state(2), kSB);
}

TEST(AluaStpg, RefusedWhileAGroupIsTransitioning) {
  AluaFixture x(kAO, kTR);
  // Through the transitioning port the gate refuses STPG itself.
  expect_sense(x.run(stpg(8), *x.b, DataDir::kOut, stpg_params({{0x0, 1}})), SenseKey::kNotReady, 0x040A);
  // Through the active port the named group's transition blocks the change.
  expect_sense(x.run(stpg(8), x.a(), DataDir::kOut, stpg_params({{0x0, 2}})), SenseKey::kNotReady, 0x040A);
  EXPECT_EQ(x.state(2), kTR);
}

TEST(AluaStpg, AllowedOnAStandbyPath) {
  AluaFixture x;
  expect_good(x.run(stpg(8), *x.b, DataDir::kOut, stpg_params({{0x0, 2}})));
  EXPECT_EQ(x.state(2), kAO);
}

// ---- registry / runtime API ----

TEST(AluaRegistry, ImplicitChangeNotifiesEveryNexusOfEveryLu) {
  AluaFixture x;
  Fixture other(named("disk1"));
  join_device_group(x.dg, other.lu);
  ASSERT_TRUE(x.reg.set_target_group_state("dg", "a", "nonoptimized").has_value());
  EXPECT_EQ(x.state(1), kAN);
  for (Nexus* n : {&x.a(), x.b.get(), x.lost.get()}) EXPECT_EQ(x.f.lu->ua_pending(n->id), 1u);
  EXPECT_EQ(other.lu->ua_pending(other.nexus->id), 1u);
  EXPECT_EQ(*other.lu->ua_take(other.nexus->id), asc::kAsymmetricAccessStateChanged);
}

TEST(AluaRegistry, ErrorsChangeNothing) {
  AluaFixture x;
  auto e1 = x.reg.set_target_group_state("nope", "a", "standby");
  ASSERT_FALSE(e1);
  EXPECT_EQ(e1.error().code, Errc::kNotFound);
  auto e2 = x.reg.set_target_group_state("dg", "nope", "standby");
  ASSERT_FALSE(e2);
  EXPECT_EQ(e2.error().code, Errc::kNotFound);
  auto e3 = x.reg.set_target_group_state("dg", "a", "asleep");
  ASSERT_FALSE(e3);
  EXPECT_EQ(e3.error().code, Errc::kInvalidArgument);
  auto e4 = x.reg.set_target_group_state("dg", "a", AluaState(0x7));
  ASSERT_FALSE(e4);
  EXPECT_EQ(e4.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(x.state(1), kAO);
  EXPECT_EQ(x.f.lu->ua_pending(x.a().id), 0u);
}

TEST(AluaRegistry, ImplicitChangeMayLeaveTransitioning) {
  AluaFixture x(kAO, kTR);
  ASSERT_TRUE(x.reg.set_target_group_state("dg", "b", "active").has_value());
  EXPECT_EQ(x.state(2), kAO);
  EXPECT_FALSE(x.reg.add(x.dg).has_value()) << "names are unique";
  EXPECT_EQ(x.reg.names(), std::vector<std::string>{"dg"});
}

TEST(AluaModel, StateNamesRoundTrip) {
  for (AluaState s : {kAO, kAN, kSB, kUA, kOF, kTR}) EXPECT_EQ(alua_state_from_name(alua_state_name(s)), s);
  EXPECT_FALSE(alua_state_from_name("optimized"));
}

TEST(AluaModel, MakeDeviceGroupValidates) {
  EXPECT_FALSE(make_device_group("", {}));
  EXPECT_FALSE(make_device_group("d", {{"a", 0, kAO, {1}}}));
  EXPECT_FALSE(make_device_group("d", {{"a", 1, kAO, {1}}, {"b", 1, kAO, {2}}}));
  EXPECT_FALSE(make_device_group("d", {{"a", 1, kAO, {1}}, {"a", 2, kAO, {2}}}));
  EXPECT_FALSE(make_device_group("d", {{"a", 1, kAO, {1}}, {"b", 2, kAO, {1}}}));
  EXPECT_TRUE(make_device_group("d", {{"a", 1, kAO, {1, 5}}, {"b", 2, kAO, {2}}}));
}

// ---- REPORT SUPPORTED OPERATION CODES ----

bool lists(Fixture& f, Nexus& n, uint8_t opcode, uint16_t sa) {
  std::vector<uint8_t> c(12, 0);
  c[0] = op::kMaintenanceIn;
  c[1] = op::kSaReportSupportedOpcodes;
  store_be32(&c[6], 8192);
  Task t = f.run(c, DataDir::kIn, {}, 8192, &n);
  EXPECT_EQ(t.status, kGood);
  const uint8_t* d = t.data.data();
  for (size_t off = 4; off + 8 <= t.data.size(); off += 8)
    if (d[off] == opcode && load_be16(d + off + 2) == sa) return true;
  return false;
}

TEST(AluaReportOpcodes, TargetPortGroupCommandsListedOnlyWithALUA) {
  AluaFixture x;
  EXPECT_TRUE(lists(x.f, x.a(), op::kMaintenanceIn, op::kSaReportTargetPortGroups));
  EXPECT_TRUE(lists(x.f, x.a(), op::kMaintenanceOut, op::kSaSetTargetPortGroups));
  Fixture plain;
  EXPECT_FALSE(lists(plain, *plain.nexus, op::kMaintenanceIn, op::kSaReportTargetPortGroups));
  EXPECT_FALSE(lists(plain, *plain.nexus, op::kMaintenanceOut, op::kSaSetTargetPortGroups));
  EXPECT_TRUE(lists(plain, *plain.nexus, op::kMaintenanceIn, op::kSaReportSupportedOpcodes));
}

}  // namespace
}  // namespace esan::scsi
