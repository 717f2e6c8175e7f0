#include "support/tar_gz.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace esan::support {
namespace {

constexpr size_t kBlock = 512;

// value as octal digits filling width-1 bytes, then a NUL.
void octal(char* field, size_t width, uint64_t value) {
  for (size_t i = width - 1; i-- > 0; value >>= 3) field[i] = static_cast<char>('0' + (value & 7));
  field[width - 1] = '\0';
}

bool bad_name(const std::string& n) {
  if (n.empty() || n.front() == '/' || n.back() == '/') return true;
  size_t pos = 0;
  while (pos <= n.size()) {
    size_t slash = n.find('/', pos);
    std::string_view part = std::string_view(n).substr(pos, slash == std::string::npos ? n.npos : slash - pos);
    if (part.empty() || part == ".." || part == ".") return true;
    if (slash == std::string::npos) break;
    pos = slash + 1;
  }
  return n.find('\0') != std::string::npos;
}

Result<std::string> header(const TarEntry& e) {
  if (bad_name(e.name)) return make_error(Errc::kInvalidArgument, "bad archive member name '" + e.name + "'");
  if (e.data.size() >= (uint64_t{1} << 33))
    return make_error(Errc::kInvalidArgument, "archive member '" + e.name + "' is 8 GiB or more");
  std::string prefix, name = e.name;
  if (name.size() > 100) {
    // The last '/' that leaves at most 100 bytes after it and 155 before.
    size_t cut = std::string::npos;
    for (size_t i = name.size(); i-- > 0;) {
      if (name[i] != '/') continue;
      if (name.size() - i - 1 > 100) break;
      if (i <= 155) {
        cut = i;
        break;
      }
    }
    if (cut == std::string::npos)
      return make_error(Errc::kInvalidArgument, "archive member name too long for ustar: '" + e.name + "'");
    prefix = name.substr(0, cut);
    name = name.substr(cut + 1);
  }
  std::string h(kBlock, '\0');
  std::memcpy(&h[0], name.data(), name.size());
  octal(&h[100], 8, e.mode & 07777);
  octal(&h[108], 8, 0);
  octal(&h[116], 8, 0);
  octal(&h[124], 12, e.data.size());
  octal(&h[136], 12, static_cast<uint64_t>(std::max<int64_t>(e.mtime, 0)));
  std::memset(&h[148], ' ', 8);
  h[156] = '0';
  std::memcpy(&h[257], "ustar", 6);
  std::memcpy(&h[263], "00", 2);
  std::memcpy(&h[265], "root", 4);
  std::memcpy(&h[297], "root", 4);
  std::memcpy(&h[345], prefix.data(), prefix.size());
  unsigned sum = 0;
  for (unsigned char c : h) sum += c;
  std::snprintf(&h[148], 7, "%06o", sum);
  h[154] = '\0';
  h[155] = ' ';
  return h;
}

}  // namespace

Result<std::string> tar(const std::vector<TarEntry>& entries) {
  std::string out;
  for (const auto& e : entries) {
    auto h = header(e);
    if (!h) return std::unexpected(h.error());
    out += *h;
    out += e.data;
    out.append((kBlock - e.data.size() % kBlock) % kBlock, '\0');
  }
  out.append(2 * kBlock, '\0');
  return out;
}

Result<std::string> gzip(std::string_view data) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return make_error(Errc::kInternal, "cannot start gzip compression");
  std::string out(deflateBound(&z, data.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = data.size() > UINT32_MAX ? Z_BUF_ERROR : deflate(&z, Z_FINISH);
  size_t n = z.total_out;
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return make_error(Errc::kInternal, "gzip compression failed");
  out.resize(n);
  return out;
}

Result<std::string> tar_gz(const std::vector<TarEntry>& entries) {
  auto t = tar(entries);
  if (!t) return std::unexpected(t.error());
  return gzip(*t);
}

}  // namespace esan::support
