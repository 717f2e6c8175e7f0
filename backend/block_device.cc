// BlockDevice's default asynchronous provisioning query (see block_device.h).
#include "backend/block_device.h"

namespace esan::backend {

void BlockDevice::map_status_async(MapQuery& q) {
  q.extents.clear();
  uint64_t pos = q.offset, end = q.offset + q.len;
  while (pos < end && q.extents.size() < kMapQueryExtents) {
    MapExtent e = map_status(pos, end - pos);
    if (e.len == 0 || e.len > end - pos) e.len = end - pos;  // a backend's slip must not loop or overrun
    if (!q.extents.empty() && q.extents.back().mapped == e.mapped)
      q.extents.back().len += e.len;
    else
      q.extents.push_back(e);
    pos += e.len;
  }
  q.on_done(q, 0);
}

}  // namespace esan::backend
