// HANDLER and DEVICE sections -> DeviceConfig.
//
// Contract: see builders.h. A device needs a filename (absolute path) for
// vdisk_fileio/vdisk_blockio and must not have one for vdisk_nullio or
// vdisk_rbd; vdisk_rbd needs pool and image (RADOS object-name-safe words),
// takes ceph_conf (absolute path), ceph_user and ceph_timeout (1..3600 s),
// and those attributes are invalid for the other handlers;
// blocksize is 512/1024/2048/4096; size and size_mb may both appear (as
// scstadmin writes them) only if they agree; the size is a multiple of the
// blocksize; inquiry strings respect SCST's length limits.
#include <fmt/format.h>

#include <cctype>
#include <optional>

#include "config/builders.h"

namespace esan::config {

namespace {

struct StringField {
  std::string_view name;
  std::string DeviceConfig::*field;
  size_t max_len;
};

constexpr StringField kStrings[] = {
    {"t10_dev_id", &DeviceConfig::t10_dev_id, 64},
    {"t10_vend_id", &DeviceConfig::t10_vend_id, 8},
    {"prod_id", &DeviceConfig::prod_id, 16},
    {"prod_rev_lvl", &DeviceConfig::prod_rev_lvl, 4},
    {"usn", &DeviceConfig::usn, 16},
};

struct BoolField {
  std::string_view name;
  bool DeviceConfig::*field;
};

constexpr BoolField kBools[] = {
    {"read_only", &DeviceConfig::read_only},
    {"removable", &DeviceConfig::removable},
    {"rotational", &DeviceConfig::rotational},
    {"thin_provisioned", &DeviceConfig::thin_provisioned},
    {"write_through", &DeviceConfig::write_through},
    {"nv_cache", &DeviceConfig::nv_cache},
    {"o_direct", &DeviceConfig::o_direct},
    {"lb_per_pb_exp", &DeviceConfig::lb_per_pb_exp},
};

constexpr uint64_t kMiB = 1024 * 1024;

class DeviceBuilder {
 public:
  DeviceBuilder(Context& ctx, DeviceConfig& d) : ctx_(ctx), d_(d) {}

  Status attribute(const Node& a) {
    if (is_unimplemented(Section::kDevice, a.keyword)) {
      ctx_.warn_unimplemented(a);
      return ok();
    }
    if (auto s = seen_.check(ctx_, a); !s) return s;
    for (const auto& f : kBools) {
      if (a.keyword != f.name) continue;
      auto v = ctx_.boolean(a);
      if (!v) return std::unexpected(v.error());
      d_.*f.field = *v;
      return ok();
    }
    for (const auto& f : kStrings) {
      if (a.keyword != f.name) continue;
      auto v = ctx_.text(a);
      if (!v) return std::unexpected(v.error());
      if (v->size() > f.max_len)
        return ctx_.fail(a.line, fmt::format("attribute '{}' is longer than {} characters",
                                             a.keyword, f.max_len));
      d_.*f.field = std::move(*v);
      return ok();
    }
    if (a.keyword == "filename") return filename(a);
    if (a.keyword == "pool" || a.keyword == "image" || a.keyword == "ceph_conf" || a.keyword == "ceph_user" ||
        a.keyword == "ceph_timeout")
      return rbd_attribute(a);
    if (a.keyword == "blocksize") return blocksize(a);
    if (a.keyword == "size" || a.keyword == "size_mb") {
      auto v = ctx_.number(a, a.keyword == "size" ? UINT64_MAX : UINT64_MAX / kMiB);
      if (!v) return std::unexpected(v.error());
      (a.keyword == "size" ? size_ : size_mb_) = *v;
      size_line_ = a.line;
      return ok();
    }
    return ctx_.unknown(a, Section::kDevice);
  }

  Status finish(const Node& n) {
    if (d_.handler == Handler::kRbd && (d_.pool.empty() || d_.image.empty()))
      return ctx_.fail(n.line, fmt::format("device '{}': pool and image are required for vdisk_rbd", d_.name));
    if (d_.handler != Handler::kNullIo && d_.handler != Handler::kRbd && d_.filename.empty())
      return ctx_.fail(n.line, fmt::format("device '{}': filename is required for {}", d_.name,
                                           handler_name(d_.handler)));
    if (size_ && size_mb_ && *size_ != *size_mb_ * kMiB)
      return ctx_.fail(size_line_, fmt::format("device '{}': size and size_mb disagree", d_.name));
    d_.size_bytes = size_ ? *size_ : size_mb_.value_or(0) * kMiB;
    if (d_.size_bytes % d_.blocksize != 0)
      return ctx_.fail(size_line_, fmt::format("device '{}': size {} is not a multiple of "
                                               "blocksize {}",
                                               d_.name, d_.size_bytes, d_.blocksize));
    return ok();
  }

 private:
  Status filename(const Node& a) {
    if (d_.handler == Handler::kNullIo || d_.handler == Handler::kRbd)
      return ctx_.fail(a.line, fmt::format("attribute 'filename' is not valid for {}", handler_name(d_.handler)));
    auto v = ctx_.text(a);
    if (!v) return std::unexpected(v.error());
    if (v->empty() || (*v)[0] != '/')
      return ctx_.fail(
          a.line, fmt::format("device '{}': filename '{}' is not an absolute path", d_.name, *v));
    d_.filename = std::move(*v);
    return ok();
  }

  Status rbd_attribute(const Node& a) {
    if (d_.handler != Handler::kRbd)
      return ctx_.fail(a.line, fmt::format("attribute '{}' is only valid for vdisk_rbd", a.keyword));
    if (a.keyword == "ceph_timeout") {
      auto v = ctx_.number(a, 3600);
      if (!v) return std::unexpected(v.error());
      if (*v == 0) return ctx_.fail(a.line, fmt::format("device '{}': ceph_timeout must be 1..3600", d_.name));
      d_.ceph_timeout = uint32_t(*v);
      return ok();
    }
    auto v = ctx_.text(a);
    if (!v) return std::unexpected(v.error());
    if (a.keyword == "ceph_conf") {
      if (v->empty() || (*v)[0] != '/')
        return ctx_.fail(a.line, fmt::format("device '{}': ceph_conf '{}' is not an absolute path", d_.name, *v));
      d_.ceph_conf = std::move(*v);
      return ok();
    }
    // pool, image, ceph_user: one word of letters, digits and ._-
    bool good = !v->empty() && v->size() <= 255;
    for (char ch : *v)
      good = good && (std::isalnum(static_cast<unsigned char>(ch)) || ch == '.' || ch == '_' || ch == '-');
    if (!good)
      return ctx_.fail(a.line, fmt::format("device '{}': {} '{}' is invalid (use 1..255 letters, digits, '.', "
                                           "'_' or '-')",
                                           d_.name, a.keyword, *v));
    (a.keyword == "pool" ? d_.pool : a.keyword == "image" ? d_.image : d_.ceph_user) = std::move(*v);
    return ok();
  }

  Status blocksize(const Node& a) {
    auto v = ctx_.number(a, UINT32_MAX);
    if (!v) return std::unexpected(v.error());
    if (*v != 512 && *v != 1024 && *v != 2048 && *v != 4096)
      return ctx_.fail(a.line, fmt::format("device '{}': blocksize {} is invalid "
                                           "(use 512, 1024, 2048 or 4096)",
                                           d_.name, *v));
    d_.blocksize = uint32_t(*v);
    return ok();
  }

  Context& ctx_;
  DeviceConfig& d_;
  SeenOnce seen_;
  std::optional<uint64_t> size_, size_mb_;
  int size_line_ = 0;
};

}  // namespace

Status build_device(Context& ctx, const Node& n, Handler handler) {
  auto name = ctx.name(n);
  if (!name) return std::unexpected(name.error());
  if (const DeviceConfig* prev = ctx.cfg().find_device(*name))
    return ctx.fail(
        n.line, fmt::format("duplicate device '{}' (first defined at line {})", *name, prev->line));
  DeviceConfig d;
  d.name = *name;
  d.handler = handler;
  d.line = n.line;
  DeviceBuilder b(ctx, d);
  for (const Node& a : n.children)
    if (auto s = b.attribute(a); !s) return s;
  if (auto s = b.finish(n); !s) return s;
  ctx.cfg().devices.push_back(std::move(d));
  return ok();
}

Status build_handler(Context& ctx, const Node& n) {
  auto name = ctx.name(n);
  if (!name) return std::unexpected(name.error());
  Handler h;
  if (*name == "vdisk_fileio") {
    h = Handler::kFileIo;
  } else if (*name == "vdisk_blockio") {
    h = Handler::kBlockIo;
  } else if (*name == "vdisk_nullio") {
    h = Handler::kNullIo;
  } else if (*name == "vdisk_rbd") {
    h = Handler::kRbd;
  } else if (is_scst_handler(*name)) {
    return ctx.fail(n.line, fmt::format("handler '{}' is not supported", *name));
  } else {
    return ctx.fail(n.line, fmt::format("unknown handler type '{}'", *name));
  }
  for (const Node& c : n.children) {
    if (c.keyword == "DEVICE") {
      if (auto s = build_device(ctx, c, h); !s) return s;
    } else if (is_unimplemented(Section::kHandler, c.keyword)) {
      ctx.warn_unimplemented(c);
    } else {
      return ctx.unknown(c, Section::kHandler);
    }
  }
  return ok();
}

}  // namespace esan::config
