// MODE SENSE(6/10) and MODE SELECT(6/10) (SPC-4 6.11-6.14) with the pages
//   08h caching (WCE changeable unless write-through), 0Ah control (D_SENSE
//   and SWP changeable; SWP=1 write-protects the LU for every nexus until
//   cleared or a reset),
//   1Ch informational exceptions control (nothing changeable), 3Fh = all.
//
// MODE SENSE: page control current/changeable/default; saved answers
// SAVING PARAMETERS NOT SUPPORTED (39h/00h). Subpage 00h, or FFh (all
// subpages: our pages have none). One short (8-byte) block descriptor unless
// DBD=1; MODE SENSE(10) with LLBAA=1 returns a 16-byte one. The device
// specific parameter has DPOFUA, and WP when the LU or its mapping is
// read-only or SWP is set. Data-In is truncated to the allocation length.
//
// MODE SELECT: PF must be 1 and SP 0 (INVALID FIELD IN CDB otherwise). The
// parameter list is validated completely before anything changes: a block
// descriptor must carry our block length and 0 or the current block count;
// each page must be one of ours with its exact page length; any bit that is
// not changeable must equal the current value -> otherwise INVALID FIELD IN
// PARAMETER LIST pointing at the byte/bit (truncated header, descriptor or
// page -> PARAMETER LIST LENGTH ERROR). Changes take effect immediately and
// queue MODE PARAMETERS CHANGED (2Ah/01h) for the other nexuses of the LU.
#include <cstring>
#include <vector>

#include "common/bytes.h"
#include "scsi/command.h"
#include "scsi/shared_state.h"
#include "scsi/opcodes.h"

namespace esan::scsi {
namespace {

enum class Pc : uint8_t { kCurrent = 0, kChangeable = 1, kDefault = 2, kSaved = 3 };

constexpr uint8_t kPageCaching = 0x08, kPageControl = 0x0A, kPageIec = 0x1C, kPageAll = 0x3F;
constexpr uint8_t kPages[] = {kPageCaching, kPageControl, kPageIec};

size_t page_length(uint8_t page) {
  switch (page) {
    case kPageCaching: return 20;
    case kPageControl: return 12;
    case kPageIec: return 12;
    default: return 0;
  }
}

// Writes `page` as seen with page control `pc` into out; returns its length.
size_t build_page(const LogicalUnit& lu, uint8_t page, Pc pc, uint8_t* out) {
  size_t n = page_length(page);
  std::memset(out, 0, n);
  out[0] = page;
  out[1] = uint8_t(n - 2);
  switch (page) {
    case kPageCaching: {
      // WCE is changeable unless the LU is write-through (then it stays 0).
      bool wce = pc == Pc::kCurrent ? lu.wce() : !lu.write_through();
      if (wce) out[2] |= 0x04;
      break;
    }
    case kPageControl: {
      bool d_sense = pc == Pc::kCurrent ? lu.d_sense() : pc == Pc::kChangeable;
      if (d_sense) out[2] |= 0x04;
      bool swp = pc == Pc::kCurrent ? lu.swp() : pc == Pc::kChangeable;
      if (swp) out[4] |= 0x08;
      if (pc != Pc::kChangeable) out[3] = 0x10;  // QUEUE ALGORITHM MODIFIER 1: unrestricted reordering
      break;
    }
    case kPageIec:
      if (pc != Pc::kChangeable) out[2] = 0x08;  // DEXCPT: exceptions reporting disabled
      break;
  }
  return n;
}

Flow mode_sense(Cmd& c) {
  const uint8_t* cdb = c.cdb;
  bool ten = cdb[0] == op::kModeSense10;
  bool dbd = cdb[1] & 0x08;
  bool llbaa = ten && (cdb[1] & 0x10);
  Pc pc = Pc(cdb[2] >> 6);
  uint8_t page = cdb[2] & 0x3F, subpage = cdb[3];
  size_t alloc = ten ? load_be16(cdb + 7) : cdb[4];
  if (pc == Pc::kSaved) return fail(c, Sense::illegal(asc::kSavingParametersNotSupported));
  if (page != kPageAll && page_length(page) == 0) return fail_cdb(c, 2, 5);
  if (subpage != 0 && subpage != 0xFF) return fail_cdb(c, 3);

  LogicalUnit& lu = *c.lu;
  size_t hdr = ten ? 8 : 4;
  std::vector<uint8_t> d(hdr, 0);
  uint8_t dsp = 0x10;  // DPOFUA
  if (c.write_protected) dsp |= 0x80;
  if (!dbd) {
    uint64_t blocks = lu.num_blocks();
    if (llbaa) {
      uint8_t bd[16] = {};
      store_be64(bd, blocks);
      store_be32(bd + 12, lu.block_size());
      d.insert(d.end(), bd, bd + 16);
    } else {
      uint8_t bd[8] = {};
      store_be32(bd, blocks > 0xFFFFFFFFull ? 0xFFFFFFFFu : uint32_t(blocks));
      store_be24(bd + 5, lu.block_size());
      d.insert(d.end(), bd, bd + 8);
    }
  }
  size_t bdl = d.size() - hdr;
  uint8_t buf[32];
  for (uint8_t p : kPages) {
    if (page != kPageAll && page != p) continue;
    size_t n = build_page(lu, p, pc, buf);
    d.insert(d.end(), buf, buf + n);
  }
  if (ten) {
    store_be16(&d[0], uint16_t(d.size() - 2));
    d[3] = dsp;
    if (llbaa && bdl) d[4] = 0x01;  // LONGLBA
    store_be16(&d[6], uint16_t(bdl));
  } else {
    d[0] = uint8_t(d.size() - 1);
    d[2] = dsp;
    d[3] = uint8_t(bdl);
  }
  return reply(c, d, alloc);
}

Flow param_len_error(Cmd& c) { return fail(c, Sense::illegal(asc::kParameterListLengthError)); }

Flow mode_select(Cmd& c) {
  const uint8_t* cdb = c.cdb;
  bool ten = cdb[0] == op::kModeSelect10;
  size_t plen = ten ? load_be16(cdb + 7) : cdb[4];
  c.task.out_wanted = uint32_t(plen);
  if (!(cdb[1] & 0x10)) return fail_cdb(c, 1, 4);  // PF
  if (cdb[1] & 0x01) return fail_cdb(c, 1, 0);     // SP: saved pages not supported
  if (plen == 0) return Flow::kDone;
  if (short_data_out(c, plen)) return Flow::kDone;  // never apply part of a list
  size_t n = plen;
  const uint8_t* p = c.task.data.data();
  size_t hdr = ten ? 8 : 4;
  if (n < hdr) return param_len_error(c);
  size_t bdl = ten ? load_be16(p + 6) : p[3];
  bool longlba = ten && (p[4] & 0x01);
  LogicalUnit& lu = *c.lu;
  size_t off = hdr;
  if (bdl) {
    size_t dlen = longlba ? 16 : 8;
    if (bdl != dlen) return fail(c, Sense::invalid_param(uint16_t(ten ? 6 : 3)));
    if (n < hdr + bdl) return param_len_error(c);
    const uint8_t* bd = p + hdr;
    uint64_t blocks = longlba ? load_be64(bd) : load_be32(bd);
    uint32_t blen = longlba ? load_be32(bd + 12) : load_be24(bd + 5);
    uint64_t cur = longlba ? lu.num_blocks() : std::min<uint64_t>(lu.num_blocks(), 0xFFFFFFFFull);
    if (blocks != 0 && blocks != cur) return fail(c, Sense::invalid_param(uint16_t(hdr)));
    if (blen != lu.block_size()) return fail(c, Sense::invalid_param(uint16_t(hdr + (longlba ? 12 : 5))));
    off += bdl;
  }
  // Validate every page, then apply.
  int new_wce = -1, new_dsense = -1, new_swp = -1;
  while (off < n) {
    if (n - off < 2) return param_len_error(c);
    uint8_t page = p[off] & 0x3F;
    if (p[off] & 0x40) return fail(c, Sense::invalid_param(uint16_t(off), 6));  // SPF: no subpages
    size_t len = page_length(page);
    if (len == 0) return fail(c, Sense::invalid_param(uint16_t(off), 5));
    if (size_t(p[off + 1]) + 2 != len) return fail(c, Sense::invalid_param(uint16_t(off + 1)));
    if (n - off < len) return param_len_error(c);
    uint8_t cur[32], chg[32];
    build_page(lu, page, Pc::kCurrent, cur);
    build_page(lu, page, Pc::kChangeable, chg);
    for (size_t i = 2; i < len; ++i) {
      uint8_t diff = uint8_t((p[off + i] ^ cur[i]) & ~chg[i]);
      if (diff) return fail(c, Sense::invalid_param(uint16_t(off + i), int8_t(31 - __builtin_clz(diff))));
    }
    if (page == kPageCaching) new_wce = (p[off + 2] & 0x04) != 0;
    if (page == kPageControl) {
      new_dsense = (p[off + 2] & 0x04) != 0;
      new_swp = (p[off + 4] & 0x08) != 0;
    }
    off += len;
  }
  c.task.data.clear();
  bool changes = (new_wce >= 0 && bool(new_wce) != lu.wce()) || (new_dsense >= 0 && bool(new_dsense) != lu.d_sense()) ||
                 (new_swp >= 0 && bool(new_swp) != lu.swp());
  if (!changes) return Flow::kDone;
  // The caching and control pages are shared LU state (scsi/shared_state.h).
  ModeChange m{int8_t(new_wce), int8_t(new_dsense), int8_t(new_swp)};
  return propose(c, mode_change(lu.name(), identity_of(c.nexus), m));
}

}  // namespace

Flow cmd_mode_sense(Cmd& c) { return mode_sense(c); }
Flow cmd_mode_select(Cmd& c) { return mode_select(c); }

}  // namespace esan::scsi
