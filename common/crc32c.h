// CRC32C (Castagnoli) as used by iSCSI header and data digests.
#pragma once

#include <cstddef>
#include <cstdint>

namespace esan {

// Returns the iSCSI digest of `len` bytes at `data`, continuing from `crc`
// (pass 0 to start; feed the result back in to digest scattered pieces).
uint32_t crc32c(const void* data, size_t len, uint32_t crc = 0);

}  // namespace esan
