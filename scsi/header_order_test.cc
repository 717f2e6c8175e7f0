// Regression: scsi/pr_store.h and scsi/reservations.h said `Status` inside
// namespace esan::scsi, which means the SAM status enum (scsi/task.h) when
// task.h was included first, and esan::Status (common/result.h) otherwise:
// one class, two definitions (an ODR violation; a PrStore overridden in such
// a file did not compile). This file includes task.h first on purpose.
#include "scsi/task.h"
// (task.h before the headers under test)
#include "scsi/pr_store.h"
#include "scsi/reservations.h"

#include <gtest/gtest.h>

#include <type_traits>
#include <utility>

namespace esan::scsi {
namespace {

static_assert(std::is_same_v<decltype(std::declval<PrStore&>().save(std::declval<const PrState&>())),
                             esan::Status>);
static_assert(std::is_same_v<decltype(std::declval<Reservations&>().load()), esan::Status>);

// An in-memory store defined where the enum is visible (what the SCSI fuzz
// target does).
class CountingStore final : public PrStore {
 public:
  int saves = 0;
  esan::Status save(const PrState&) override {
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
}

}  // namespace
}  // namespace esan::scsi
