// Every rejected input with its exact "file:line: reason" message.
#include <gtest/gtest.h>

#include "config/model.h"
#include "config/test_helpers.h"

namespace esan::config {
namespace {

struct ErrorCase {
  std::string name;
  std::string text;
  std::string message;
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

// A fileio device "a" whose attribute lines start at line 3.
std::string fileio_device(std::string_view attrs) {
  return "HANDLER vdisk_fileio {\n DEVICE a {\n" + std::string(attrs) + "\n }\n}\n";
}
// Same with a valid filename on line 3; further attributes start at line 4.
std::string fileio_device_ok(std::string_view attrs) {
  return fileio_device("  filename /x\n" + std::string(attrs));
}
// Device "d" (line 1) plus an iscsi target "t" whose lines start at line 4.
std::string iscsi_target(std::string_view lines) {
  return "HANDLER vdisk_nullio { DEVICE d }\nTARGET_DRIVER iscsi {\n TARGET t {\n" +
         std::string(lines) + "\n }\n}\n";
}
// Devices a, b (lines 1-2) plus a DEVICE_GROUP dg (line 3) whose lines start at line 4.
std::string device_group(std::string_view lines) {
  return "HANDLER vdisk_nullio { DEVICE a\n DEVICE b }\nDEVICE_GROUP dg {\n" + std::string(lines) +
         "\n}\n";
}

// device_group() followed by targets t1 (rel_tgt_id 1) and t2 (automatic id):
// members are checked against targets defined later in the file.
std::string alua_targets(std::string_view lines) {
  return device_group(lines) + "TARGET_DRIVER iscsi {\n TARGET t1 { rel_tgt_id 1 }\n TARGET t2\n}\n";
}

class ConfigError : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(ConfigError, ExactMessage) {
  EXPECT_EQ(testing::parse_error(GetParam().text), GetParam().message);
}

const ErrorCase kSyntax[] = {
    {"UnterminatedQuote", "HANDLER vdisk_nullio {\n DEVICE \"n0 {\n}\n",
     "t.conf:2: unterminated quote"},
    {"OpenWithoutKeyword", "HANDLER vdisk_nullio {\n}\n{\n}\n", "t.conf:3: '{' with no keyword"},
    {"UnexpectedClose", "HANDLER vdisk_nullio {\n DEVICE n0\n}\n}\n", "t.conf:4: unexpected '}'"},
    {"Unbalanced", "# x\nTARGET_DRIVER iscsi {\n TARGET t {\n }\n",
     "t.conf:2: unbalanced braces: '{' of TARGET_DRIVER 'iscsi' is never closed"},
};

const ErrorCase kTopLevel[] = {
    {"UnknownKeyword", "\nfoo 1\n", "t.conf:2: unknown keyword 'foo' at top level"},
    {"TargetOutsideDriver", "\n\nTARGET t {\n}\n",
     "t.conf:3: 'TARGET' must be inside a TARGET_DRIVER section"},
    {"DeviceOutsideHandler", "DEVICE d\n", "t.conf:1: 'DEVICE' must be inside a HANDLER section"},
};

const ErrorCase kDevices[] = {
    {"UnknownHandler", "\nHANDLER vdisk_foo {\n}\n", "t.conf:2: unknown handler type 'vdisk_foo'"},
    {"UnsupportedHandlerDevDisk", "# c\nHANDLER dev_disk {\n}\n",
     "t.conf:2: handler 'dev_disk' is not supported"},
    {"UnsupportedHandlerVcdrom", "HANDLER vcdrom { DEVICE cd }\n",
     "t.conf:1: handler 'vcdrom' is not supported"},
    {"HandlerWithoutName", "HANDLER {\n}\n", "t.conf:1: HANDLER needs exactly one name"},
    {"UnknownHandlerAttribute", "HANDLER vdisk_nullio {\n  foo 1\n}\n",
     "t.conf:2: unknown attribute 'foo' in HANDLER"},
    {"DuplicateDevice",
     "HANDLER vdisk_nullio {\n DEVICE a\n}\nHANDLER vdisk_fileio {\n DEVICE a { filename /x }\n}\n",
     "t.conf:5: duplicate device 'a' (first defined at line 2)"},
    {"DeviceWithoutName", "HANDLER vdisk_nullio {\n DEVICE\n}\n",
     "t.conf:2: DEVICE needs exactly one name"},
    {"MissingFilenameFileio", fileio_device("  blocksize 512"),
     "t.conf:2: device 'a': filename is required for vdisk_fileio"},
    {"MissingFilenameBlockio", "HANDLER vdisk_blockio {\n\n DEVICE b\n}\n",
     "t.conf:3: device 'b': filename is required for vdisk_blockio"},
    {"RelativeFilename", fileio_device("  filename disk.img"),
     "t.conf:3: device 'a': filename 'disk.img' is not an absolute path"},
    {"FilenameForNullio", "HANDLER vdisk_nullio {\n DEVICE n {\n  filename /x\n }\n}\n",
     "t.conf:3: attribute 'filename' is not valid for vdisk_nullio"},
    {"BadBlocksize", fileio_device_ok("  blocksize 1000"),
     "t.conf:4: device 'a': blocksize 1000 is invalid (use 512, 1024, 2048 or 4096)"},
    {"NonNumericBlocksize", fileio_device_ok("  blocksize 4k"),
     "t.conf:4: attribute 'blocksize': '4k' is not a number"},
    {"BlocksizeTwoValues", fileio_device_ok("  blocksize 512 4096"),
     "t.conf:4: attribute 'blocksize' takes exactly one value"},
    {"NegativeSize", fileio_device_ok("  size -1"), "t.conf:4: attribute 'size': '-1' is negative"},
    {"OverflowingSize", fileio_device_ok("  size 18446744073709551616"),
     "t.conf:4: attribute 'size': '18446744073709551616' is out of range (max "
     "18446744073709551615)"},
    {"OverflowingSizeMb", fileio_device_ok("  size_mb 17592186044416"),
     "t.conf:4: attribute 'size_mb': '17592186044416' is out of range (max 17592186044415)"},
    {"SizeNotBlockMultiple", fileio_device_ok("  blocksize 4096\n  size 1024"),
     "t.conf:5: device 'a': size 1024 is not a multiple of blocksize 4096"},
    {"SizeAndSizeMbDisagree", fileio_device_ok("  size 1048576\n  size_mb 2"),
     "t.conf:5: device 'a': size and size_mb disagree"},
    {"BooleanYes", fileio_device_ok("  read_only yes"),
     "t.conf:4: attribute 'read_only': 'yes' is not a boolean (use 0 or 1)"},
    {"BooleanTwo", fileio_device_ok("\n  o_direct 2"),
     "t.conf:5: attribute 'o_direct': '2' is not a boolean (use 0 or 1)"},
    {"BooleanWithoutValue", fileio_device_ok("  nv_cache"),
     "t.conf:4: attribute 'nv_cache' takes exactly one value"},
    {"UnknownDeviceAttribute", fileio_device_ok("  foo 1"),
     "t.conf:4: unknown attribute 'foo' in DEVICE"},
    {"UnknownDeviceSection", fileio_device_ok("  FOO x {\n  }"),
     "t.conf:4: unknown section 'FOO' in DEVICE"},
    {"AttributeWithBlock", fileio_device("  filename /x {\n  }"),
     "t.conf:3: attribute 'filename' cannot open a block"},
    {"StringWithoutValue", fileio_device_ok("  usn"), "t.conf:4: attribute 'usn' needs a value"},
    {"DuplicateAttribute", fileio_device_ok("  blocksize 512\n  blocksize 512"),
     "t.conf:5: attribute 'blocksize' given twice (first at line 4)"},
    {"VendorIdTooLong", fileio_device_ok("  t10_vend_id 123456789"),
     "t.conf:4: attribute 't10_vend_id' is longer than 8 characters"},
    {"ProductIdTooLong", fileio_device_ok("  prod_id 12345678901234567"),
     "t.conf:4: attribute 'prod_id' is longer than 16 characters"},
    {"RevisionTooLong", fileio_device_ok("  prod_rev_lvl 12345"),
     "t.conf:4: attribute 'prod_rev_lvl' is longer than 4 characters"},
    {"UsnTooLong", fileio_device_ok("  usn 12345678901234567"),
     "t.conf:4: attribute 'usn' is longer than 16 characters"},
    {"DevIdTooLong", fileio_device_ok("  t10_dev_id " + std::string(65, 'x')),
     "t.conf:4: attribute 't10_dev_id' is longer than 64 characters"},
};

const ErrorCase kTargets[] = {
    {"UnknownDriver", "\nTARGET_DRIVER iscsx {\n}\n",
     "t.conf:2: unknown target driver 'iscsx' (esand supports 'iscsi')"},
    {"UnknownDriverAttribute", "TARGET_DRIVER iscsi {\n  foo 1\n}\n",
     "t.conf:2: unknown attribute 'foo' in TARGET_DRIVER"},
    {"DriverEnabledTwice", "TARGET_DRIVER iscsi {\n enabled 1\n enabled 0\n}\n",
     "t.conf:3: attribute 'enabled' given twice (first at line 2)"},
    {"DuplicateTarget", "TARGET_DRIVER iscsi {\n TARGET t\n\n TARGET t {\n }\n}\n",
     "t.conf:4: duplicate target 't' (first defined at line 2)"},
    {"TargetWithTwoNames", "TARGET_DRIVER iscsi {\n TARGET t u\n}\n",
     "t.conf:2: TARGET needs exactly one name"},
    {"RelTgtIdZero", iscsi_target("  rel_tgt_id 0"), "t.conf:4: rel_tgt_id must be in 1..65535"},
    {"RelTgtIdTooBig", iscsi_target("  rel_tgt_id 65536"),
     "t.conf:4: attribute 'rel_tgt_id': '65536' is out of range (max 65535)"},
    {"RelTgtIdDuplicated",
     "TARGET_DRIVER iscsi {\n TARGET a { rel_tgt_id 5 }\n TARGET b {\n  rel_tgt_id 5\n }\n}\n",
     "t.conf:3: rel_tgt_id 5 of target 'b' is already used by target 'a'"},
    {"EnabledNotBoolean", iscsi_target("  enabled yes"),
     "t.conf:4: attribute 'enabled': 'yes' is not a boolean (use 0 or 1)"},
    {"UnknownTargetAttribute", iscsi_target("  enabled 1\n  foo bar"),
     "t.conf:5: unknown attribute 'foo' in TARGET"},
    {"IscsiParamTwice", iscsi_target("  HeaderDigest None\n  HeaderDigest CRC32C"),
     "t.conf:5: attribute 'HeaderDigest' given twice (first at line 4)"},
    {"IncomingUserWithoutSecret", iscsi_target("  IncomingUser joe"),
     "t.conf:4: attribute 'IncomingUser' needs \"name secret\""},
    {"IncomingUserShortSecret", iscsi_target("  IncomingUser joe elevenbytes"),
     "t.conf:4: IncomingUser 'joe': the secret is shorter than 12 bytes"},
    {"OutgoingUserShortSecret", iscsi_target("  OutgoingUser tgt short"),
     "t.conf:4: OutgoingUser 'tgt': the secret is shorter than 12 bytes"},
    {"UserSecretTooLong", iscsi_target("  IncomingUser joe " + std::string(256, 'x')),
     "t.conf:4: IncomingUser 'joe': the secret is longer than 255 bytes"},
    {"UserSecretWithSpace", iscsi_target("  IncomingUser \"joe twelve bytes long\""),
     "t.conf:4: IncomingUser 'joe': the secret must be one word (no spaces)"},
    {"UserSecretOnlySpaces", iscsi_target("  IncomingUser \"joe   \""),
     "t.conf:4: attribute 'IncomingUser' needs \"name secret\""},
    {"IncomingUserTwice",
     iscsi_target("  IncomingUser joe secret-one-1\n  IncomingUser ann secret-two-2\n"
                  "  IncomingUser joe secret-three"),
     "t.conf:6: IncomingUser 'joe' given twice in target 't'"},
    {"OutgoingUserTwice",
     iscsi_target("  OutgoingUser tgt secret-one-1\n  OutgoingUser tgt2 secret-two-2"),
     "t.conf:5: OutgoingUser given twice in target 't' (only one is allowed)"},
    {"DriverOutgoingUserTwice",
     "TARGET_DRIVER iscsi {\n OutgoingUser a secret-one-1\n OutgoingUser b secret-two-2\n}\n",
     "t.conf:3: OutgoingUser given twice in TARGET_DRIVER iscsi (only one is allowed)"},
    {"SameSecretBothDirections",
     iscsi_target("  IncomingUser joe shared-secret\n  OutgoingUser tgt shared-secret"),
     "t.conf:5: OutgoingUser 'tgt' has the same secret as an IncomingUser; a CHAP secret may "
     "authenticate one direction only"},
    {"SameSecretAcrossScopes",
     "TARGET_DRIVER iscsi {\n OutgoingUser disc shared-secret\n TARGET t {\n"
     "  IncomingUser joe shared-secret\n }\n}\n",
     "t.conf:4: IncomingUser 'joe' has the same secret as an OutgoingUser; a CHAP secret may "
     "authenticate one direction only"},
    {"LunUnknownDevice", iscsi_target("  LUN 0 d\n  LUN 3 nope"),
     "t.conf:5: LUN 3 of target 't' refers to unknown device 'nope'"},
    {"LunDuplicate", iscsi_target("  LUN 0 d\n\n  LUN 0 d"),
     "t.conf:6: duplicate LUN 0 in target 't' (first at line 4)"},
    {"LunTooBig", iscsi_target("  LUN 16384 d"),
     "t.conf:4: LUN number '16384' is out of range (max 16383)"},
    {"LunNotNumber", iscsi_target("  LUN zero d"), "t.conf:4: LUN number 'zero' is not a number"},
    {"LunNegative", iscsi_target("  LUN -1 d"), "t.conf:4: LUN number '-1' is negative"},
    {"LunOverflow", iscsi_target("  LUN 99999999999999999999 d"),
     "t.conf:4: LUN number '99999999999999999999' is out of range (max 16383)"},
    {"LunWithoutDevice", iscsi_target("  LUN 1"), "t.conf:4: LUN needs a number and a device name"},
    {"LunUnknownAttribute", iscsi_target("  LUN 1 d {\n   foo 1\n  }"),
     "t.conf:5: unknown attribute 'foo' in LUN"},
    {"LunReadOnlyNotBoolean", iscsi_target("  LUN 1 d {\n   read_only on\n  }"),
     "t.conf:5: attribute 'read_only': 'on' is not a boolean (use 0 or 1)"},
    {"GroupLunUnknownDevice", iscsi_target("  GROUP g {\n   LUN 0 nope\n  }"),
     "t.conf:5: LUN 0 of group 'g' refers to unknown device 'nope'"},
    {"GroupLunDuplicate", iscsi_target("  GROUP g {\n   LUN 1 d\n   LUN 1 d\n  }"),
     "t.conf:6: duplicate LUN 1 in group 'g' (first at line 5)"},
    {"GroupDuplicate", iscsi_target("  GROUP g\n  GROUP g"),
     "t.conf:5: duplicate GROUP 'g' (first at line 4)"},
    {"GroupUnknownAttribute", iscsi_target("  GROUP g {\n   foo 1\n  }"),
     "t.conf:5: unknown attribute 'foo' in GROUP"},
    {"InitiatorWithoutName", iscsi_target("  GROUP g {\n   INITIATOR\n  }"),
     "t.conf:5: INITIATOR takes exactly one name or pattern"},
    {"InitiatorDuplicate", iscsi_target("  GROUP g {\n   INITIATOR iqn.a\n   INITIATOR iqn.a\n  }"),
     "t.conf:6: duplicate INITIATOR 'iqn.a' in group 'g'"},
    {"InitiatorInTwoGroups",
     iscsi_target("  GROUP g1 { INITIATOR iqn.a }\n  GROUP g2 {\n   INITIATOR iqn.a\n  }"),
     "t.conf:5: INITIATOR 'iqn.a' is in both group 'g1' and group 'g2' of target 't'"},
};

const ErrorCase kAlua[] = {
    {"DeviceGroupUnknownDevice", device_group("  DEVICE a\n  DEVICE x"),
     "t.conf:5: device group 'dg' refers to unknown device 'x'"},
    {"DeviceGroupDuplicateDevice", device_group("  DEVICE a\n  DEVICE a"),
     "t.conf:5: duplicate DEVICE 'a' in device group 'dg'"},
    {"DeviceInTwoGroups", device_group("  DEVICE a\n}\nDEVICE_GROUP dg2 {\n  DEVICE a"),
     "t.conf:7: device 'a' is already in device group 'dg'"},
    {"DuplicateDeviceGroup", device_group("}\nDEVICE_GROUP dg {"),
     "t.conf:5: duplicate DEVICE_GROUP 'dg' (first at line 3)"},
    {"DuplicateTargetGroup", device_group("  TARGET_GROUP tg { group_id 1 }\n  TARGET_GROUP tg"),
     "t.conf:5: duplicate TARGET_GROUP 'tg' (first at line 4)"},
    {"DuplicateGroupId",
     device_group("  TARGET_GROUP x { group_id 1 }\n  TARGET_GROUP y {\n   group_id 1\n  }"),
     "t.conf:6: group_id 1 already used by target group 'x'"},
    {"GroupIdTooBig", device_group("  TARGET_GROUP x {\n   group_id 65536\n  }"),
     "t.conf:5: attribute 'group_id': '65536' is out of range (max 65535)"},
    {"BadAluaOwner", device_group("  DEVICE a\n  esan_alua_owner pacemaker"),
     "t.conf:5: esan_alua_owner 'pacemaker' is invalid (use node or cluster)"},
    {"BadClusterGroup", device_group("  DEVICE a\n  esan_cluster_group ha/pair"),
     "t.conf:5: esan_cluster_group 'ha/pair' is invalid (1 to 127 letters, digits, '.', '_' or '-')"},
    {"ClusterGroupTooLong", device_group("  DEVICE a\n  esan_cluster_group " + std::string(128, 'g')),
     "t.conf:5: esan_cluster_group '" + std::string(128, 'g') +
         "' is invalid (1 to 127 letters, digits, '.', '_' or '-')"},
    {"ClusterGroupWithNodeOwner", device_group("  DEVICE a\n  esan_alua_owner node\n  esan_cluster_group ha"),
     "t.conf:5: device group 'dg' is replicated (esan_cluster_group) so its ALUA states are owned by the "
     "cluster: esan_alua_owner node is invalid here"},
    {"BadAluaAccess", device_group("  DEVICE a\n  esan_alua_access initiator"),
     "t.conf:5: esan_alua_access 'initiator' is invalid (use implicit, explicit or both)"},
    {"AluaAccessTwice", device_group("  esan_alua_access both\n  esan_alua_access implicit"),
     "t.conf:5: attribute 'esan_alua_access' given twice (first at line 4)"},
    {"AluaAccessWithoutValue", device_group("  esan_alua_access"),
     "t.conf:4: attribute 'esan_alua_access' needs a value"},
    {"TwoActiveInClusterGroup",
     device_group("  esan_cluster_group ha\n  TARGET_GROUP x { group_id 1 }\n  TARGET_GROUP y {\n   group_id 2\n"
                  "   state active\n  }"),
     "t.conf:6: device group 'dg' has at most one target group in state active (its roles own the medium: "
     "esan_cluster_group or esan_peer_portal), but target groups 'x' and 'y' are"},
    {"TwoActiveWithRedirect",
     alua_targets("  TARGET_GROUP x { group_id 1\n TARGET t1 }\n  TARGET_GROUP y { group_id 2\n"
                  "   esan_peer_portal 10.0.0.2:3260\n   esan_peer_target iqn.x:b-internal\n"
                  "   esan_peer_chap \"peer peer-secret-0123\"\n   TARGET r { rel_tgt_id 9 } }"),
     "t.conf:6: device group 'dg' has at most one target group in state active (its roles own the medium: "
     "esan_cluster_group or esan_peer_portal), but target groups 'x' and 'y' are"},
    {"BadState", device_group("  TARGET_GROUP x {\n   state up\n  }"),
     "t.conf:5: state 'up' is invalid (use active, nonoptimized, standby, unavailable, offline "
     "or transitioning)"},
    {"MemberRelTgtIdZero",
     device_group("  TARGET_GROUP x {\n   TARGET t {\n    rel_tgt_id 0\n }\n }"),
     "t.conf:6: rel_tgt_id must be in 1..65535"},
    {"MemberDuplicate", device_group("  TARGET_GROUP x {\n   TARGET t\n   TARGET t\n  }"),
     "t.conf:6: duplicate TARGET 't' in target group 'x'"},
    {"MemberUnknownAttribute", device_group("  TARGET_GROUP x { TARGET t {\n foo 1 } }"),
     "t.conf:5: unknown attribute 'foo' in TARGET_GROUP TARGET"},
    {"DeviceGroupUnknownAttribute", device_group("\n  foo 1"),
     "t.conf:5: unknown attribute 'foo' in DEVICE_GROUP"},
    {"GroupIdZero", device_group("  TARGET_GROUP x {\n   group_id 0\n  }"),
     "t.conf:5: group_id must be in 1..65535"},
    {"GroupIdMissing", device_group("  TARGET_GROUP x {\n   state active\n  }"),
     "t.conf:4: target group 'x' needs a group_id"},
    {"TargetInTwoTargetGroups",
     alua_targets("  TARGET_GROUP x { group_id 1\n TARGET t1 }\n  TARGET_GROUP y { group_id 2\n"
                  "   TARGET t1\n }"),
     "t.conf:7: target 't1' is in both target group 'x' and target group 'y' of device group 'dg'"},
    {"RemoteTargetInTwoTargetGroups",
     alua_targets("  TARGET_GROUP x { group_id 1\n TARGET r { rel_tgt_id 9 } }\n"
                  "  TARGET_GROUP y { group_id 2\n TARGET r { rel_tgt_id 9 } }"),
     "t.conf:7: target 'r' is in both target group 'x' and target group 'y' of device group 'dg'"},
    {"LocalMemberRelTgtIdDiffers",
     alua_targets("  TARGET_GROUP x { group_id 1\n TARGET t1 {\n rel_tgt_id 3 } }"),
     "t.conf:5: rel_tgt_id 3 of target 't1' in target group 'x' differs from the target's own "
     "rel_tgt_id 1"},
    {"LocalMemberRelTgtIdWithoutOwn",
     alua_targets("  TARGET_GROUP x { group_id 1\n TARGET t2 {\n rel_tgt_id 3 } }"),
     "t.conf:5: target group 'x' gives rel_tgt_id 3 for target 't2', which has no rel_tgt_id of its "
     "own (set it in the TARGET section)"},
    {"RemoteMemberWithoutRelTgtId", alua_targets("  TARGET_GROUP x { group_id 1\n TARGET iqn.other }"),
     "t.conf:5: target 'iqn.other' in target group 'x' is not a local target and needs a rel_tgt_id"},
    {"RemoteMemberUsesLocalRelTgtId",
     alua_targets("  TARGET_GROUP x { group_id 1\n TARGET iqn.other { rel_tgt_id 1 } }"),
     "t.conf:5: rel_tgt_id 1 of remote target 'iqn.other' is already used by target 't1'"},
    {"RemoteMembersShareRelTgtId",
     alua_targets("  TARGET_GROUP x { group_id 1\n TARGET r1 { rel_tgt_id 7 } }\n"
                  "  TARGET_GROUP y { group_id 2\n TARGET r2 { rel_tgt_id 7 } }"),
     "t.conf:7: rel_tgt_id 7 of remote target 'r2' is already used by remote target 'r1'"},
    {"RemoteMemberIdsDifferAcrossDeviceGroups",
     alua_targets("  TARGET_GROUP x { group_id 1\n TARGET r { rel_tgt_id 7 } }\n}\n"
                  "DEVICE_GROUP dg2 {\n  DEVICE b\n  TARGET_GROUP x { group_id 1\n TARGET r { rel_tgt_id 8 } }"),
     "t.conf:10: remote target 'r' has rel_tgt_id 8 here but 7 elsewhere"},
    {"TargetGroupUnknownAttribute", device_group("  TARGET_GROUP x {\n   foo 1\n  }"),
     "t.conf:5: unknown attribute 'foo' in TARGET_GROUP"},
};

std::string case_name(const ::testing::TestParamInfo<ErrorCase>& info) { return info.param.name; }

INSTANTIATE_TEST_SUITE_P(Syntax, ConfigError, ::testing::ValuesIn(kSyntax), case_name);
INSTANTIATE_TEST_SUITE_P(TopLevel, ConfigError, ::testing::ValuesIn(kTopLevel), case_name);
INSTANTIATE_TEST_SUITE_P(Devices, ConfigError, ::testing::ValuesIn(kDevices), case_name);
INSTANTIATE_TEST_SUITE_P(Targets, ConfigError, ::testing::ValuesIn(kTargets), case_name);
INSTANTIATE_TEST_SUITE_P(Alua, ConfigError, ::testing::ValuesIn(kAlua), case_name);

TEST(ConfigErrorDetails, FirstErrorWinsAndSecretIsNotEchoed) {
  std::string msg =
      testing::parse_error("TARGET_DRIVER iscsi {\n IncomingUser \"topsecret\"\n foo 1\n}\n");
  EXPECT_EQ(msg, "t.conf:2: attribute 'IncomingUser' needs \"name secret\"");
  EXPECT_EQ(msg.find("topsecret"), std::string::npos);
}

TEST(ConfigErrorDetails, UserErrorsNeverEchoTheSecret) {
  for (std::string_view bad :
       {"TARGET_DRIVER iscsi {\n IncomingUser joe Sh0rtSecret\n}\n",
        "TARGET_DRIVER iscsi {\n IncomingUser \"joe Sh0rtSecret and more\"\n}\n",
        "TARGET_DRIVER iscsi {\n IncomingUser joe Sh0rtSecret-long\n IncomingUser joe "
        "Sh0rtSecret-other\n}\n",
        "TARGET_DRIVER iscsi {\n IncomingUser joe Sh0rtSecret-long\n OutgoingUser t "
        "Sh0rtSecret-long\n}\n"}) {
    std::string msg = testing::parse_error(bad);
    EXPECT_FALSE(msg.empty());
    EXPECT_EQ(msg.find("Sh0rtSecret"), std::string::npos) << msg;
  }
}

TEST(ConfigErrorDetails, FileNameAppearsInMessage) {
  auto r = parse_config("HANDLER vdisk_bad {\n}\n", "/etc/esan/scst.conf");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message, "/etc/esan/scst.conf:1: unknown handler type 'vdisk_bad'");
}

}  // namespace
}  // namespace esan::config
