// A minimal hand-rolled iSCSI initiator over a plain TCP socket, for tests
// that libiscsi cannot express: malformed PDUs, and sessions with
// HeaderDigest/DataDigest CRC32C (libiscsi has no data digest support).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace esan::it::raw {

// CRC32C (Castagnoli), as used by iSCSI digests.
uint32_t Crc32c(const uint8_t* p, size_t n);

// iSCSI opcodes used here.
enum Opcode : uint8_t {
  kNopOut = 0x00,
  kScsiCommand = 0x01,
  kLoginRequest = 0x03,
  kTextRequest = 0x04,
  kDataOut = 0x05,
  kNopIn = 0x20,
  kScsiResponse = 0x21,
  kLoginResponse = 0x23,
  kTextResponse = 0x24,
  kDataIn = 0x25,
  kR2T = 0x31,
  kAsyncMessage = 0x32,
  kReject = 0x3f,
};

struct Pdu {
  std::array<uint8_t, 48> bhs{};
  std::vector<uint8_t> ahs;
  std::vector<uint8_t> data;
  // Send a wrong header / data digest (when that digest is enabled).
  bool corrupt_header_digest = false;
  bool corrupt_data_digest = false;

  uint8_t opcode() const { return bhs[0] & 0x3f; }
  uint8_t flags() const { return bhs[1]; }
  uint32_t Get32(int off) const;
  void Set32(int off, uint32_t v);
  uint32_t dsl() const { return (uint32_t{bhs[5]} << 16) | (uint32_t{bhs[6]} << 8) | bhs[7]; }
  void SetDsl(uint32_t v);
};

// Text key=value\0 pairs.
std::vector<uint8_t> TextData(const std::vector<std::pair<std::string, std::string>>& kv);
std::map<std::string, std::string> ParseText(const std::vector<uint8_t>& data);

// A Login Request (opcode 0x43) header with the given data segment.
Pdu LoginRequest(const std::array<uint8_t, 6>& isid, uint32_t itt, uint32_t cmdsn,
                 uint32_t expstatsn, int csg, int nsg, bool transit,
                 std::vector<uint8_t> data);

class Conn {
 public:
  enum class Recv { kOk, kClosed, kTimeout, kBad };

  static std::unique_ptr<Conn> Connect(int port, std::string* error);
  ~Conn();

  int fd() const { return fd_; }
  bool SendAll(const void* p, size_t n);
  // Sends BHS + AHS + [header digest] + data + padding + [data digest].
  bool SendPdu(const Pdu& pdu);
  // Reads one PDU; verifies digests when enabled.
  Recv ReadPdu(Pdu* out, std::chrono::milliseconds timeout, std::string* why);
  // Reads and discards until the peer closes the connection (EOF or reset);
  // true if that happened within timeout.  Bytes received are appended to
  // *received when given.
  bool WaitClosed(std::chrono::milliseconds timeout, std::vector<uint8_t>* received = nullptr);

  bool header_digest = false;
  bool data_digest = false;

 private:
  explicit Conn(int fd) : fd_(fd) {}
  // 1 ok, 0 closed, -1 timeout
  int ReadExact(uint8_t* p, size_t n, std::chrono::steady_clock::time_point deadline);
  int fd_;
};

struct CommandResult {
  uint8_t status = 0xff;
  uint8_t response = 0;
  std::vector<uint8_t> sense;  // raw sense bytes (without the length prefix)
  std::vector<uint8_t> data;   // Data-In payload
  std::vector<uint8_t> reject_reasons;  // Data-Digest-Error (0x02) Rejects received meanwhile
  uint8_t sense_key() const { return sense.size() > 2 ? (sense[2] & 0x0f) : 0; }
  uint16_t asc_ascq() const {
    return sense.size() > 13 ? static_cast<uint16_t>((sense[12] << 8) | sense[13]) : 0;
  }
};

// A one-connection session, one command at a time.
class Session {
 public:
  struct Params {
    std::string initiator = "iqn.2026-11.org.esan.test:raw";
    std::string target;
    std::string header_digest = "None";  // offered value(s)
    std::string data_digest = "None";
    std::array<uint8_t, 6> isid{0x80, 0x12, 0x34, 0x56, 0x00, 0x01};
    std::string initial_r2t = "Yes";     // offered
    std::string immediate_data = "Yes";  // offered
    uint32_t max_recv_dsl = 262144;      // declared MaxRecvDataSegmentLength
  };

  // Connects and logs in (operational stage, then full feature phase).
  // *keys receives all keys the target answered.
  ::testing::AssertionResult Login(int port, const Params& p,
                                   std::map<std::string, std::string>* keys = nullptr);

  // Runs one SCSI command.  out_data: data to write (WRITE); in_len: bytes
  // expected from the target (READ).
  ::testing::AssertionResult Command(int lun, const std::vector<uint8_t>& cdb,
                                     const std::vector<uint8_t>& out_data, size_t in_len,
                                     CommandResult* result);
  // Sends one Text Request (F=1, a new task: TTT 0xffffffff) with `data`,
  // as an immediate PDU when asked, follows C-bit continuations, and returns
  // the Text Response data in *out. Fails when anything but a Text Response
  // for this ITT arrives, or nothing within `timeout`.
  ::testing::AssertionResult Text(const std::vector<uint8_t>& data, bool immediate, std::vector<uint8_t>* out,
                                  std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // TEST UNIT READY until GOOD (consumes unit attentions).
  ::testing::AssertionResult WaitReady(int lun);
  ::testing::AssertionResult Write16(int lun, uint64_t lba, const std::vector<uint8_t>& data,
                                     uint32_t block_size = 512);
  ::testing::AssertionResult Read16(int lun, uint64_t lba, size_t len, std::vector<uint8_t>* out,
                                    uint32_t block_size = 512);

  Conn* conn() { return conn_.get(); }
  uint32_t target_mrdsl() const { return target_mrdsl_; }
  uint32_t first_burst() const { return first_burst_; }
  uint32_t cmdsn() const { return cmdsn_; }          // next CmdSN to send
  uint32_t expstatsn() const { return expstatsn_; }
  bool initial_r2t() const { return initial_r2t_; }
  bool immediate_data() const { return immediate_data_; }
  // Called on every Data-Out PDU just before it is sent (tests use it to
  // corrupt fields); unsolicited is true for Data-Outs not answering an R2T.
  std::function<void(Pdu&, bool unsolicited)> mutate_data_out;
  // Called on the SCSI Command PDU just before it is sent.
  std::function<void(Pdu&)> mutate_command;
  // If non-zero, Data-Out PDUs carry at most this many bytes.
  uint32_t data_out_limit = 0;
  // Number of R2Ts received by the last Command().
  int last_r2t_count() const { return r2ts_; }

 private:
  std::unique_ptr<Conn> conn_;
  uint32_t itt_ = 1;
  uint32_t cmdsn_ = 1;
  uint32_t expstatsn_ = 0;
  uint32_t target_mrdsl_ = 8192;
  uint32_t first_burst_ = 65536;
  uint32_t max_burst_ = 262144;
  bool immediate_data_ = true;
  bool initial_r2t_ = true;
  int r2ts_ = 0;
};

std::vector<uint8_t> Cdb16(uint8_t opcode, uint64_t lba, uint32_t blocks);

}  // namespace esan::it::raw
