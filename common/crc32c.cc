#include "common/crc32c.h"

#include <isa-l/crc.h>

namespace esan {

// ISA-L's crc32_iscsi takes and returns the CRC in its non-inverted form;
// iSCSI's digest is the inverted value, so invert on the way in and out.
uint32_t crc32c(const void* data, size_t len, uint32_t crc) {
  return ~crc32_iscsi(static_cast<unsigned char*>(const_cast<void*>(data)), int(len), ~crc);
}

}  // namespace esan
