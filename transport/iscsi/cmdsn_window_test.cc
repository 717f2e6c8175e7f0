#include "transport/iscsi/cmdsn_window.h"

#include <gtest/gtest.h>

namespace esan::iscsi {
namespace {

TEST(CmdSnWindow, InOrderAdvances) {
  CmdSnWindow w;
  w.reset(10, 4);
  EXPECT_EQ(w.exp_cmdsn(), 10u);
  EXPECT_EQ(w.max_cmdsn(), 13u);
  EXPECT_EQ(w.accept(10), CmdSnWindow::Verdict::kInOrder);
  EXPECT_EQ(w.exp_cmdsn(), 11u);
}

TEST(CmdSnWindow, AheadAndOutside) {
  CmdSnWindow w;
  w.reset(10, 4);  // window [10, 13]
  EXPECT_EQ(w.accept(12), CmdSnWindow::Verdict::kAhead);
  EXPECT_EQ(w.exp_cmdsn(), 10u);  // a gap does not advance
  EXPECT_EQ(w.accept(13), CmdSnWindow::Verdict::kAhead);
  EXPECT_EQ(w.accept(14), CmdSnWindow::Verdict::kOutside);  // beyond MaxCmdSN
  EXPECT_EQ(w.accept(9), CmdSnWindow::Verdict::kOutside);   // already seen
  EXPECT_TRUE(w.in_window(10));
  EXPECT_FALSE(w.in_window(9));
}

TEST(CmdSnWindow, SerialArithmeticWraps) {
  CmdSnWindow w;
  w.reset(0xfffffffe, 8);
  EXPECT_EQ(w.accept(0xfffffffe), CmdSnWindow::Verdict::kInOrder);
  EXPECT_EQ(w.accept(0xffffffff), CmdSnWindow::Verdict::kInOrder);
  EXPECT_EQ(w.exp_cmdsn(), 0u);
  EXPECT_EQ(w.accept(1), CmdSnWindow::Verdict::kAhead);
  EXPECT_EQ(w.accept(0), CmdSnWindow::Verdict::kInOrder);
  EXPECT_EQ(w.accept(0xfffffff0), CmdSnWindow::Verdict::kOutside);
}

TEST(CmdSnWindow, MaxCmdSnNeverShrinks) {
  CmdSnWindow w;
  w.reset(100, 1);
  w.update(0, 64);
  EXPECT_EQ(w.max_cmdsn(), 163u);
  w.update(60, 64);  // busy: candidate 103 < 163, keep 163
  EXPECT_EQ(w.max_cmdsn(), 163u);
  for (uint32_t sn = 100; sn < 200; ++sn) ASSERT_NE(w.accept(sn), CmdSnWindow::Verdict::kAhead) << sn;
}

TEST(CmdSnWindow, RoomShrinksWhenBusyAndTheWindowClosesWhenFull) {
  CmdSnWindow w;
  w.reset(0, 1);
  w.update(63, 64);  // one slot left
  EXPECT_EQ(w.max_cmdsn(), 0u);
  EXPECT_FALSE(w.closed());
  w.advance();
  w.update(64, 64);  // full: MaxCmdSN = ExpCmdSN - 1
  EXPECT_EQ(w.max_cmdsn(), 0u);
  EXPECT_TRUE(w.closed());
  EXPECT_EQ(w.accept(1), CmdSnWindow::Verdict::kOutside);
  w.update(63, 64);  // a response freed a slot: open again
  EXPECT_FALSE(w.closed());
  EXPECT_EQ(w.max_cmdsn(), 1u);
}

}  // namespace
}  // namespace esan::iscsi
