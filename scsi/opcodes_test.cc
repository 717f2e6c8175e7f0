// Opcode classification: cdb_length() and op_class() (scsi/opcodes.h).
#include "scsi/opcodes.h"

#include <gtest/gtest.h>

namespace esan::scsi {
namespace {

TEST(Opcodes, CdbLengthByGroup) {
  EXPECT_EQ(op::cdb_length(op::kRead6), 6u);
  EXPECT_EQ(op::cdb_length(op::kRead10), 10u);
  EXPECT_EQ(op::cdb_length(op::kModeSense10), 10u);
  EXPECT_EQ(op::cdb_length(op::kRead12), 12u);
  EXPECT_EQ(op::cdb_length(op::kRead16), 16u);
  EXPECT_EQ(op::cdb_length(0x7F), 0u) << "group 3: variable length";
}

TEST(Opcodes, OpClasses) {
  for (uint8_t o : {op::kRead6, op::kRead10, op::kRead12, op::kRead16}) EXPECT_EQ(op_class(o), OpClass::kRead);
  for (uint8_t o : {op::kWrite6, op::kWrite10, op::kWrite12, op::kWrite16, op::kWriteVerify10, op::kWriteVerify12,
                    op::kWriteVerify16})
    EXPECT_EQ(op_class(o), OpClass::kWrite);
  for (uint8_t o : {op::kInquiry, op::kVerify10, op::kCompareAndWrite, op::kOrWrite16, op::kWriteAtomic16,
                    op::kWriteSame16, op::kUnmap, op::kExtendedCopy})
    EXPECT_EQ(op_class(o), OpClass::kOther);
  static_assert(op_class(op::kRead16) == OpClass::kRead, "usable in constant expressions");
  EXPECT_STREQ(op_class_name(OpClass::kRead), "read");
  EXPECT_STREQ(op_class_name(OpClass::kWrite), "write");
  EXPECT_STREQ(op_class_name(OpClass::kOther), "other");
}

}  // namespace
}  // namespace esan::scsi
