#include "tests/integration/raw_iscsi.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <sstream>

namespace esan::it::raw {

using namespace std::chrono_literals;

// ---------------------------------------------------------------- CRC32C --

namespace {

struct Crc32cTable {
  uint32_t t[256];
  Crc32cTable() {
    constexpr uint32_t kPoly = 0x82F63B78u;  // reflected Castagnoli polynomial
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
      t[i] = c;
    }
  }
};

const Crc32cTable& Table() {
  static const Crc32cTable table;
  return table;
}

uint32_t Pad4(uint32_t n) { return (n + 3) & ~3u; }

void PutLe32(std::vector<uint8_t>* v, uint32_t x) {
  for (int i = 0; i < 4; ++i) v->push_back(static_cast<uint8_t>(x >> (8 * i)));
}

uint32_t GetLe32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

}  // namespace

uint32_t Crc32c(const uint8_t* p, size_t n) {
  const auto& t = Table().t;
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < n; ++i) c = t[(c ^ p[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

// ------------------------------------------------------------------- PDU --

uint32_t Pdu::Get32(int off) const {
  return (uint32_t{bhs[off]} << 24) | (uint32_t{bhs[off + 1]} << 16) |
         (uint32_t{bhs[off + 2]} << 8) | bhs[off + 3];
}

void Pdu::Set32(int off, uint32_t v) {
  bhs[off] = static_cast<uint8_t>(v >> 24);
  bhs[off + 1] = static_cast<uint8_t>(v >> 16);
  bhs[off + 2] = static_cast<uint8_t>(v >> 8);
  bhs[off + 3] = static_cast<uint8_t>(v);
}

void Pdu::SetDsl(uint32_t v) {
  bhs[5] = static_cast<uint8_t>(v >> 16);
  bhs[6] = static_cast<uint8_t>(v >> 8);
  bhs[7] = static_cast<uint8_t>(v);
}

std::vector<uint8_t> TextData(const std::vector<std::pair<std::string, std::string>>& kv) {
  std::vector<uint8_t> out;
  for (const auto& [k, v] : kv) {
    std::string s = k + "=" + v;
    out.insert(out.end(), s.begin(), s.end());
    out.push_back(0);
  }
  return out;
}

std::map<std::string, std::string> ParseText(const std::vector<uint8_t>& data) {
  std::map<std::string, std::string> out;
  size_t i = 0;
  while (i < data.size()) {
    size_t j = i;
    while (j < data.size() && data[j] != 0) ++j;
    std::string kv(data.begin() + static_cast<long>(i), data.begin() + static_cast<long>(j));
    auto eq = kv.find('=');
    if (eq != std::string::npos) out[kv.substr(0, eq)] = kv.substr(eq + 1);
    i = j + 1;
  }
  return out;
}

Pdu LoginRequest(const std::array<uint8_t, 6>& isid, uint32_t itt, uint32_t cmdsn,
                 uint32_t expstatsn, int csg, int nsg, bool transit, std::vector<uint8_t> data) {
  Pdu p;
  p.bhs[0] = 0x40 | kLoginRequest;  // immediate
  p.bhs[1] = static_cast<uint8_t>((transit ? 0x80 : 0) | ((csg & 3) << 2) | (transit ? (nsg & 3) : 0));
  p.bhs[2] = 0;  // version max
  p.bhs[3] = 0;  // version min
  p.SetDsl(static_cast<uint32_t>(data.size()));
  std::copy(isid.begin(), isid.end(), p.bhs.begin() + 8);
  p.Set32(16, itt);
  p.bhs[20] = 0;  // CID
  p.bhs[21] = 1;
  p.Set32(24, cmdsn);
  p.Set32(28, expstatsn);
  p.data = std::move(data);
  return p;
}

// ------------------------------------------------------------------ Conn --

std::unique_ptr<Conn> Conn::Connect(int port, std::string* error) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    *error = std::string("socket: ") + std::strerror(errno);
    return nullptr;
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    *error = std::string("connect: ") + std::strerror(errno);
    ::close(fd);
    return nullptr;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return std::unique_ptr<Conn>(new Conn(fd));
}

Conn::~Conn() {
  if (fd_ >= 0) ::close(fd_);
}

bool Conn::SendAll(const void* p, size_t n) {
  const auto* b = static_cast<const uint8_t*>(p);
  while (n > 0) {
    ssize_t w = ::send(fd_, b, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    b += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

bool Conn::SendPdu(const Pdu& pdu) {
  std::vector<uint8_t> buf(pdu.bhs.begin(), pdu.bhs.end());
  buf.insert(buf.end(), pdu.ahs.begin(), pdu.ahs.end());
  if (header_digest)
    PutLe32(&buf, Crc32c(buf.data(), buf.size()) ^ (pdu.corrupt_header_digest ? 0x5a : 0));
  if (!pdu.data.empty()) {
    size_t start = buf.size();
    buf.insert(buf.end(), pdu.data.begin(), pdu.data.end());
    buf.resize(start + Pad4(static_cast<uint32_t>(pdu.data.size())), 0);
    if (data_digest)
      PutLe32(&buf, Crc32c(buf.data() + start, buf.size() - start) ^
                        (pdu.corrupt_data_digest ? 0x5a : 0));
  }
  return SendAll(buf.data(), buf.size());
}

int Conn::ReadExact(uint8_t* p, size_t n, std::chrono::steady_clock::time_point deadline) {
  while (n > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return -1;
    pollfd pfd{fd_, POLLIN, 0};
    int r = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) return -1;
    ssize_t got = ::recv(fd_, p, n, 0);
    if (got == 0) return 0;
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return 0;  // ECONNRESET etc.: closed
    }
    p += got;
    n -= static_cast<size_t>(got);
  }
  return 1;
}

Conn::Recv Conn::ReadPdu(Pdu* out, std::chrono::milliseconds timeout, std::string* why) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto status = [&](int r) { return r == 0 ? Recv::kClosed : Recv::kTimeout; };
  int r = ReadExact(out->bhs.data(), 48, deadline);
  if (r != 1) return status(r);
  size_t ahs_len = size_t{out->bhs[4]} * 4;
  out->ahs.assign(ahs_len, 0);
  if (ahs_len && (r = ReadExact(out->ahs.data(), ahs_len, deadline)) != 1) return status(r);
  if (header_digest) {
    uint8_t d[4];
    if ((r = ReadExact(d, 4, deadline)) != 1) return status(r);
    std::vector<uint8_t> h(out->bhs.begin(), out->bhs.end());
    h.insert(h.end(), out->ahs.begin(), out->ahs.end());
    uint32_t want = Crc32c(h.data(), h.size());
    if (GetLe32(d) != want) {
      if (why) *why = "bad header digest from target";
      return Recv::kBad;
    }
  }
  uint32_t dsl = out->dsl();
  std::vector<uint8_t> data(Pad4(dsl));
  if (!data.empty() && (r = ReadExact(data.data(), data.size(), deadline)) != 1) return status(r);
  if (data_digest && dsl > 0) {
    uint8_t d[4];
    if ((r = ReadExact(d, 4, deadline)) != 1) return status(r);
    if (GetLe32(d) != Crc32c(data.data(), data.size())) {
      if (why) *why = "bad data digest from target";
      return Recv::kBad;
    }
  }
  data.resize(dsl);
  out->data = std::move(data);
  return Recv::kOk;
}

bool Conn::WaitClosed(std::chrono::milliseconds timeout, std::vector<uint8_t>* received) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  uint8_t buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd pfd{fd_, POLLIN, 0};
    int r = ::poll(&pfd, 1, static_cast<int>(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r == 0) return false;
    ssize_t got = ::recv(fd_, buf, sizeof(buf), 0);
    if (got == 0) return true;
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return true;
    }
    if (received) received->insert(received->end(), buf, buf + got);
  }
}

// --------------------------------------------------------------- Session --

namespace {

uint32_t ParseNum(const std::map<std::string, std::string>& keys, const std::string& k,
                  uint32_t dflt) {
  auto it = keys.find(k);
  if (it == keys.end()) return dflt;
  return static_cast<uint32_t>(std::strtoul(it->second.c_str(), nullptr, 0));
}

std::string Hex(const std::vector<uint8_t>& v, size_t max = 32) {
  std::ostringstream os;
  for (size_t i = 0; i < v.size() && i < max; ++i) {
    char b[4];
    std::snprintf(b, sizeof(b), "%02x", v[i]);
    os << b;
  }
  return os.str();
}

}  // namespace

::testing::AssertionResult Session::Login(int port, const Params& p,
                                          std::map<std::string, std::string>* keys_out) {
  std::string err;
  conn_ = Conn::Connect(port, &err);
  if (!conn_) return ::testing::AssertionFailure() << err;
  std::vector<std::pair<std::string, std::string>> kv = {
      {"InitiatorName", p.initiator},
      {"TargetName", p.target},
      {"SessionType", "Normal"},
      {"HeaderDigest", p.header_digest},
      {"DataDigest", p.data_digest},
      {"MaxRecvDataSegmentLength", std::to_string(p.max_recv_dsl)},
      {"ImmediateData", p.immediate_data},
      {"InitialR2T", p.initial_r2t},
      {"MaxBurstLength", "262144"},
      {"FirstBurstLength", "65536"},
      {"ErrorRecoveryLevel", "0"},
      {"MaxConnections", "1"},
  };
  std::map<std::string, std::string> keys;
  std::vector<uint8_t> text = TextData(kv);
  uint32_t itt = itt_++;
  for (int round = 0; round < 5; ++round) {
    Pdu req = LoginRequest(p.isid, itt, cmdsn_, expstatsn_, 1, 3, true, text);
    if (!conn_->SendPdu(req)) return ::testing::AssertionFailure() << "send login failed";
    Pdu rsp;
    std::string why;
    auto r = conn_->ReadPdu(&rsp, 10s, &why);
    if (r != Conn::Recv::kOk) {
      return ::testing::AssertionFailure()
             << "no login response (" << (r == Conn::Recv::kClosed ? "closed" : "timeout") << ")";
    }
    if (rsp.opcode() != kLoginResponse) {
      return ::testing::AssertionFailure() << "expected Login Response, got opcode 0x" << std::hex
                                           << int(rsp.opcode());
    }
    if (rsp.bhs[36] != 0) {
      return ::testing::AssertionFailure() << "login rejected: status class " << int(rsp.bhs[36])
                                           << " detail " << int(rsp.bhs[37]);
    }
    for (auto& [k, v] : ParseText(rsp.data)) keys[k] = v;
    expstatsn_ = rsp.Get32(24) + 1;
    cmdsn_ = rsp.Get32(28);  // ExpCmdSN
    bool transit = rsp.flags() & 0x80;
    int nsg = rsp.flags() & 3;
    if (transit && nsg == 3) {
      if (keys_out) *keys_out = keys;
      target_mrdsl_ = ParseNum(keys, "MaxRecvDataSegmentLength", 8192);
      first_burst_ = ParseNum(keys, "FirstBurstLength", 65536);
      max_burst_ = ParseNum(keys, "MaxBurstLength", 262144);
      immediate_data_ = keys.count("ImmediateData") ? keys["ImmediateData"] == "Yes" : true;
      initial_r2t_ = keys.count("InitialR2T") ? keys["InitialR2T"] == "Yes" : true;
      conn_->header_digest = keys["HeaderDigest"] == "CRC32C";
      conn_->data_digest = keys["DataDigest"] == "CRC32C";
      return ::testing::AssertionSuccess();
    }
    text.clear();  // continue the stage with an empty request
  }
  return ::testing::AssertionFailure() << "login did not reach full feature phase";
}

::testing::AssertionResult Session::Text(const std::vector<uint8_t>& data, bool immediate,
                                         std::vector<uint8_t>* out, std::chrono::milliseconds timeout) {
  out->clear();
  uint32_t itt = itt_++;
  uint32_t ttt = 0xffffffff;
  std::vector<uint8_t> payload = data;
  for (int round = 0; round < 64; ++round) {
    Pdu req;
    req.bhs[0] = static_cast<uint8_t>(kTextRequest | (immediate ? 0x40 : 0));
    req.bhs[1] = 0x80;  // F
    req.Set32(16, itt);
    req.Set32(20, ttt);
    req.Set32(24, immediate ? cmdsn_ : cmdsn_++);
    req.Set32(28, expstatsn_);
    req.data = payload;
    req.SetDsl(static_cast<uint32_t>(payload.size()));
    if (!conn_->SendPdu(req)) return ::testing::AssertionFailure() << "send Text Request failed";
    Pdu rsp;
    std::string why;
    auto r = conn_->ReadPdu(&rsp, timeout, &why);
    if (r != Conn::Recv::kOk) {
      return ::testing::AssertionFailure()
             << "no Text Response (" << (r == Conn::Recv::kClosed ? "closed" : "timeout") << ")";
    }
    if (rsp.opcode() != kTextResponse) {
      return ::testing::AssertionFailure() << "expected a Text Response, got opcode 0x" << std::hex
                                           << int(rsp.opcode());
    }
    if (rsp.Get32(16) != itt) return ::testing::AssertionFailure() << "Text Response for another ITT";
    expstatsn_ = rsp.Get32(24) + 1;
    out->insert(out->end(), rsp.data.begin(), rsp.data.end());
    if (!(rsp.flags() & 0x40)) return ::testing::AssertionSuccess();  // C=0: complete
    ttt = rsp.Get32(20);
    payload.clear();
  }
  return ::testing::AssertionFailure() << "Text Response never completed";
}

::testing::AssertionResult Session::Command(int lun, const std::vector<uint8_t>& cdb,
                                            const std::vector<uint8_t>& out_data, size_t in_len,
                                            CommandResult* res) {
  *res = CommandResult{};
  res->data.assign(in_len, 0);
  uint32_t itt = itt_++;
  Pdu cmd;
  cmd.bhs[0] = kScsiCommand;
  cmd.bhs[8] = static_cast<uint8_t>((lun >> 8) & 0x3f);
  cmd.bhs[9] = static_cast<uint8_t>(lun & 0xff);
  cmd.Set32(16, itt);
  cmd.Set32(20, static_cast<uint32_t>(out_data.empty() ? in_len : out_data.size()));
  cmd.Set32(24, cmdsn_++);
  cmd.Set32(28, expstatsn_);
  std::copy(cdb.begin(), cdb.end(), cmd.bhs.begin() + 32);
  size_t immediate = 0;
  if (!out_data.empty() && immediate_data_) {
    immediate = std::min<size_t>({out_data.size(), first_burst_, target_mrdsl_});
    if (data_out_limit) immediate = std::min<size_t>(immediate, data_out_limit);
    cmd.data.assign(out_data.begin(), out_data.begin() + static_cast<long>(immediate));
    cmd.SetDsl(static_cast<uint32_t>(immediate));
  }
  // F (RFC 7143 §11.3.1): set unless unsolicited Data-Out PDUs follow.
  const bool unsolicited_follows =
      !out_data.empty() && !initial_r2t_ && immediate < std::min<size_t>(out_data.size(), first_burst_);
  cmd.bhs[1] = (unsolicited_follows ? 0 : 0x80) | (in_len ? 0x40 : 0) | (out_data.empty() ? 0 : 0x20) | 0x01;
  if (mutate_command) mutate_command(cmd);
  if (!conn_->SendPdu(cmd)) return ::testing::AssertionFailure() << "send SCSI Command failed";
  r2ts_ = 0;
  const uint32_t chunk = data_out_limit ? std::min(data_out_limit, target_mrdsl_) : target_mrdsl_;
  auto data_out = [&](uint32_t ttt, uint32_t datasn, uint32_t off, uint32_t n, bool final,
                      bool unsolicited) {
    Pdu d;
    d.bhs[0] = kDataOut;
    d.bhs[1] = final ? 0x80 : 0;
    d.bhs[8] = cmd.bhs[8];
    d.bhs[9] = cmd.bhs[9];
    d.Set32(16, itt);
    d.Set32(20, ttt);
    d.Set32(28, expstatsn_);
    d.Set32(36, datasn);
    d.Set32(40, off);
    d.data.assign(out_data.begin() + off, out_data.begin() + off + n);
    d.SetDsl(n);
    if (mutate_data_out) mutate_data_out(d, unsolicited);
    return conn_->SendPdu(d);
  };
  // InitialR2T=No: unsolicited Data-Out up to FirstBurstLength.
  if (!out_data.empty() && !initial_r2t_) {
    uint32_t end = static_cast<uint32_t>(std::min<size_t>(out_data.size(), first_burst_));
    uint32_t datasn = 0;
    for (uint32_t off = static_cast<uint32_t>(immediate); off < end;) {
      uint32_t n = std::min(end - off, chunk);
      if (!data_out(0xffffffffu, datasn++, off, n, off + n == end, true)) {
        return ::testing::AssertionFailure() << "send Data-Out failed";
      }
      off += n;
    }
  }
  for (;;) {
    Pdu in;
    std::string why;
    auto r = conn_->ReadPdu(&in, 15s, &why);
    if (r == Conn::Recv::kBad) return ::testing::AssertionFailure() << why;
    if (r != Conn::Recv::kOk) {
      return ::testing::AssertionFailure()
             << "connection " << (r == Conn::Recv::kClosed ? "closed" : "timed out")
             << " while waiting for the response to CDB opcode 0x" << std::hex << int(cdb[0]);
    }
    switch (in.opcode()) {
      case kR2T: {
        uint32_t ttt = in.Get32(20);
        uint32_t off = in.Get32(40);
        uint32_t len = in.Get32(44);
        if (in.Get32(16) != itt || off + len > out_data.size()) {
          return ::testing::AssertionFailure() << "bad R2T: itt " << in.Get32(16) << " offset "
                                               << off << " length " << len;
        }
        ++r2ts_;
        uint32_t datasn = 0;
        uint32_t done = 0;
        while (done < len) {
          uint32_t n = std::min(len - done, chunk);
          if (!data_out(ttt, datasn++, off + done, n, done + n == len, false)) {
            return ::testing::AssertionFailure() << "send Data-Out failed";
          }
          done += n;
        }
        break;
      }
      case kDataIn: {
        uint32_t off = in.Get32(40);
        if (off + in.data.size() > res->data.size()) {
          return ::testing::AssertionFailure() << "Data-In beyond the expected length";
        }
        std::copy(in.data.begin(), in.data.end(), res->data.begin() + off);
        if (in.flags() & 0x01) {  // S: status included
          res->status = in.bhs[3];
          expstatsn_ = in.Get32(24) + 1;
          return ::testing::AssertionSuccess();
        }
        break;
      }
      case kScsiResponse: {
        res->response = in.bhs[2];
        res->status = in.bhs[3];
        expstatsn_ = in.Get32(24) + 1;
        if (in.data.size() >= 2) {
          size_t sl = (size_t{in.data[0]} << 8) | in.data[1];
          sl = std::min(sl, in.data.size() - 2);
          res->sense.assign(in.data.begin() + 2, in.data.begin() + 2 + static_cast<long>(sl));
        }
        return ::testing::AssertionSuccess();
      }
      case kNopIn:
      case kAsyncMessage:
        break;
      case kReject:
        if (in.bhs[2] == 0x02) {  // Data-Digest-Error: the task goes on (or the session ends)
          res->reject_reasons.push_back(in.bhs[2]);
          break;
        }
        return ::testing::AssertionFailure() << "Reject PDU, reason 0x" << std::hex
                                             << int(in.bhs[2]) << " header " << Hex(in.data);
      default:
        return ::testing::AssertionFailure() << "unexpected PDU opcode 0x" << std::hex
                                             << int(in.opcode());
    }
  }
}

::testing::AssertionResult Session::WaitReady(int lun) {
  std::vector<uint8_t> tur(16, 0);
  for (int i = 0; i < 20; ++i) {
    CommandResult r;
    auto ok = Command(lun, tur, {}, 0, &r);
    if (!ok) return ok;
    if (r.status == 0) return ::testing::AssertionSuccess();
    if (!(r.status == 2 && r.sense_key() == 0x6)) {
      return ::testing::AssertionFailure() << "TEST UNIT READY: status " << int(r.status)
                                           << " sense " << Hex(r.sense);
    }
  }
  return ::testing::AssertionFailure() << "unit attention never cleared";
}

std::vector<uint8_t> Cdb16(uint8_t opcode, uint64_t lba, uint32_t blocks) {
  std::vector<uint8_t> c(16, 0);
  c[0] = opcode;
  for (int i = 0; i < 8; ++i) c[2 + i] = static_cast<uint8_t>(lba >> (56 - 8 * i));
  for (int i = 0; i < 4; ++i) c[10 + i] = static_cast<uint8_t>(blocks >> (24 - 8 * i));
  return c;
}

::testing::AssertionResult Session::Write16(int lun, uint64_t lba, const std::vector<uint8_t>& data,
                                            uint32_t block_size) {
  CommandResult r;
  auto ok = Command(lun, Cdb16(0x8a, lba, static_cast<uint32_t>(data.size() / block_size)), data,
                    0, &r);
  if (!ok) return ok;
  if (r.status != 0) {
    return ::testing::AssertionFailure() << "WRITE16: status " << int(r.status) << " sense "
                                         << Hex(r.sense);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult Session::Read16(int lun, uint64_t lba, size_t len,
                                           std::vector<uint8_t>* out, uint32_t block_size) {
  CommandResult r;
  auto ok = Command(lun, Cdb16(0x88, lba, static_cast<uint32_t>(len / block_size)), {}, len, &r);
  if (!ok) return ok;
  if (r.status != 0) {
    return ::testing::AssertionFailure() << "READ16: status " << int(r.status) << " sense "
                                         << Hex(r.sense);
  }
  *out = std::move(r.data);
  return ::testing::AssertionSuccess();
}

}  // namespace esan::it::raw
