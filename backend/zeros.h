// Zeros the backends share (backend-internal): a read-only anonymous
// mapping, so every page is the kernel's one zero page and it uses no
// memory however large it is.
#pragma once

#include <cstddef>
#include <cstdint>

namespace esan::backend {

// len zero bytes, valid for the process's lifetime; nullptr when len is
// larger than the mapping (16 MiB) or the mapping failed.
const uint8_t* shared_zeros(size_t len);

}  // namespace esan::backend
