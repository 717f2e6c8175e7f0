// Regression: the SAM status enum of scsi/task.h was once named `Status`, so
// inside namespace esan::scsi a bare `Status` meant that enum when task.h was
// included first and esan::Status (common/result.h) otherwise: one class, two
// definitions (an ODR violation). The enum is SamStatus now; this file
// includes task.h first on purpose and checks that `Status` is the result
// type in the headers that return one.
#include "scsi/task.h"
// (task.h before the headers under test)
#include "scsi/logical_unit.h"
#include "scsi/pr_store.h"
#include "scsi/reservations.h"

#include <gtest/gtest.h>

#include <type_traits>
#include <utility>

namespace esan::scsi {
namespace {

static_assert(std::is_same_v<Status, esan::Status>);
static_assert(std::is_same_v<decltype(std::declval<PrStore&>().save(std::declval<const PrState&>())),
                             esan::Status>);
static_assert(std::is_same_v<decltype(std::declval<Reservations&>().load()), esan::Status>);
static_assert(std::is_same_v<decltype(std::declval<LogicalUnit&>().resize(0)), esan::Status>);
static_assert(std::is_same_v<std::underlying_type_t<SamStatus>, uint8_t>);

// An in-memory store defined where the enum is visible (what the SCSI fuzz
// target does).
class CountingStore final : public PrStore {
 public:
  int saves = 0;
  Status save(const PrState&) override {
    ++saves;
    return ok();
  }
  Result<std::optional<PrState>> load() override { return std::optional<PrState>(); }
  std::string describe() const override { return "memory"; }
};

TEST(HeaderOrder, PrStoreStatusIsTheResultTypeWhateverWasIncludedFirst) {
  CountingStore s;
  PrStore& base = s;
  EXPECT_TRUE(base.save(PrState{}).has_value());
  EXPECT_EQ(s.saves, 1);
  EXPECT_EQ(uint8_t(kReservationConflict), 0x18);
}

}  // namespace
}  // namespace esan::scsi
