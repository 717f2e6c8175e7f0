#include "tests/integration/iscsi_client.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace esan::it {

void ContextDeleter::operator()(iscsi_context* c) const {
  if (c == nullptr) return;
  iscsi_destroy_context(c);
}

namespace {

void Configure(iscsi_context* ctx, const SessionOptions& opts) {
  if (opts.header_digest_crc32c) iscsi_set_header_digest(ctx, ISCSI_HEADER_DIGEST_CRC32C);
  if (opts.isid_random) iscsi_set_isid_random(ctx, opts.isid_random->first, opts.isid_random->second);
  iscsi_set_timeout(ctx, opts.timeout_s);
  if (!opts.chap_user.empty())
    iscsi_set_initiator_username_pwd(ctx, opts.chap_user.c_str(), opts.chap_secret.c_str());
  if (!opts.target_chap_user.empty())
    iscsi_set_target_username_pwd(ctx, opts.target_chap_user.c_str(),
                                  opts.target_chap_secret.c_str());
  if (!opts.auto_reconnect) {
    iscsi_set_noautoreconnect(ctx, 1);
    iscsi_set_reconnect_max_retries(ctx, 0);
  }
}

const char* StatusName(int status) {
  switch (status) {
    case SCSI_STATUS_GOOD: return "GOOD";
    case SCSI_STATUS_CHECK_CONDITION: return "CHECK CONDITION";
    case SCSI_STATUS_CONDITION_MET: return "CONDITION MET";
    case SCSI_STATUS_BUSY: return "BUSY";
    case SCSI_STATUS_RESERVATION_CONFLICT: return "RESERVATION CONFLICT";
    case SCSI_STATUS_TASK_SET_FULL: return "TASK SET FULL";
    case SCSI_STATUS_TASK_ABORTED: return "TASK ABORTED";
    case SCSI_STATUS_CANCELLED: return "libiscsi CANCELLED";
    case SCSI_STATUS_ERROR: return "libiscsi ERROR";
    case SCSI_STATUS_TIMEOUT: return "libiscsi TIMEOUT";
    default: return "?";
  }
}

}  // namespace

Context Login(const std::string& portal, const std::string& target, int lun,
              const SessionOptions& opts, std::string* error) {
  Context ctx(iscsi_create_context(opts.initiator.c_str()));
  if (!ctx) {
    *error = "iscsi_create_context failed";
    return nullptr;
  }
  Configure(ctx.get(), opts);
  iscsi_set_targetname(ctx.get(), target.c_str());
  iscsi_set_session_type(ctx.get(), ISCSI_SESSION_NORMAL);
  // connect + login only; the unit attention is handled by WaitReady below
  // so that a target that never clears it is reported precisely.
  if (iscsi_connect_sync(ctx.get(), portal.c_str()) != 0) {
    *error = std::string("connect to ") + portal + " failed: " + iscsi_get_error(ctx.get());
    return nullptr;
  }
  if (iscsi_login_sync(ctx.get()) != 0) {
    *error = std::string("login to ") + target + " as " + opts.initiator +
             " failed: " + iscsi_get_error(ctx.get());
    return nullptr;
  }
  if (lun >= 0) {
    auto ready = WaitReady(ctx.get(), lun);
    if (!ready) {
      *error = ready.message();
      return nullptr;
    }
  }
  return ctx;
}

Context LoginDiscovery(const std::string& portal, const std::string& initiator,
                       std::string* error) {
  SessionOptions opts;
  opts.initiator = initiator;
  return LoginDiscovery(portal, opts, error);
}

Context LoginDiscovery(const std::string& portal, const SessionOptions& opts, std::string* error) {
  Context ctx(iscsi_create_context(opts.initiator.c_str()));
  if (!ctx) {
    *error = "iscsi_create_context failed";
    return nullptr;
  }
  iscsi_set_session_type(ctx.get(), ISCSI_SESSION_DISCOVERY);
  Configure(ctx.get(), opts);
  if (iscsi_connect_sync(ctx.get(), portal.c_str()) != 0) {
    *error = std::string("connect failed: ") + iscsi_get_error(ctx.get());
    return nullptr;
  }
  if (iscsi_login_sync(ctx.get()) != 0) {
    *error = std::string("discovery login failed: ") + iscsi_get_error(ctx.get());
    return nullptr;
  }
  return ctx;
}

::testing::AssertionResult DiscoverTargets(iscsi_context* ctx, std::vector<std::string>* names) {
  names->clear();
  iscsi_discovery_address* list = iscsi_discovery_sync(ctx);
  // libiscsi returns null both for an error and for an empty answer.
  if (list == nullptr)
    return ::testing::AssertionFailure() << "SendTargets failed or listed nothing: "
                                         << iscsi_get_error(ctx);
  for (auto* a = list; a != nullptr; a = a->next) names->push_back(a->target_name);
  if (list) iscsi_free_discovery_data(ctx, list);
  std::sort(names->begin(), names->end());
  return ::testing::AssertionSuccess();
}

std::string Describe(iscsi_context* ctx, const scsi_task* task) {
  char buf[256];
  if (task == nullptr) {
    std::snprintf(buf, sizeof(buf), "no task (transport error: %s)", iscsi_get_error(ctx));
    return buf;
  }
  if (task->status == SCSI_STATUS_CHECK_CONDITION) {
    std::snprintf(buf, sizeof(buf), "status 0x%02x (%s) sense key 0x%x (%s) asc/ascq 0x%04x (%s)",
                  task->status, StatusName(task->status), task->sense.key,
                  scsi_sense_key_str(task->sense.key), task->sense.ascq,
                  scsi_sense_ascq_str(task->sense.ascq));
  } else {
    std::snprintf(buf, sizeof(buf), "status 0x%x (%s)%s%s", task->status, StatusName(task->status),
                  task->status >= SCSI_STATUS_CANCELLED ? ": " : "",
                  task->status >= SCSI_STATUS_CANCELLED ? iscsi_get_error(ctx) : "");
  }
  return buf;
}

::testing::AssertionResult WaitReady(iscsi_context* ctx, int lun) {
  std::string last;
  for (int i = 0; i < 20; ++i) {
    Task t(iscsi_testunitready_sync(ctx, lun));
    if (t && t->status == SCSI_STATUS_GOOD) return ::testing::AssertionSuccess();
    last = Describe(ctx, t.get());
    if (!t || t->status != SCSI_STATUS_CHECK_CONDITION ||
        t->sense.key != SCSI_SENSE_UNIT_ATTENTION) {
      break;
    }
  }
  return ::testing::AssertionFailure() << "TEST UNIT READY on LUN " << lun
                                       << " never returned GOOD; last: " << last;
}

Task Write16Task(iscsi_context* ctx, int lun, uint64_t lba, const uint8_t* data, size_t len,
                 int block_size) {
  return Task(iscsi_write16_sync(ctx, lun, lba, const_cast<uint8_t*>(data),
                                 static_cast<uint32_t>(len), block_size, 0, 0, 0, 0, 0));
}

Task Read16Task(iscsi_context* ctx, int lun, uint64_t lba, size_t len, int block_size) {
  return Task(iscsi_read16_sync(ctx, lun, lba, static_cast<uint32_t>(len), block_size, 0, 0, 0,
                                0, 0));
}

::testing::AssertionResult Write16(iscsi_context* ctx, int lun, uint64_t lba, const uint8_t* data,
                                   size_t len, int block_size) {
  Task t = Write16Task(ctx, lun, lba, data, len, block_size);
  if (t && t->status == SCSI_STATUS_GOOD) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "WRITE16 lun " << lun << " lba " << lba << " len "
                                       << len << ": " << Describe(ctx, t.get());
}

::testing::AssertionResult Read16(iscsi_context* ctx, int lun, uint64_t lba, size_t len,
                                  std::vector<uint8_t>* out, int block_size) {
  Task t = Read16Task(ctx, lun, lba, len, block_size);
  if (!t || t->status != SCSI_STATUS_GOOD) {
    return ::testing::AssertionFailure() << "READ16 lun " << lun << " lba " << lba << " len "
                                         << len << ": " << Describe(ctx, t.get());
  }
  if (static_cast<size_t>(t->datain.size) != len) {
    return ::testing::AssertionFailure() << "READ16 lun " << lun << " lba " << lba
                                         << ": got " << t->datain.size << " bytes, expected "
                                         << len;
  }
  out->assign(t->datain.data, t->datain.data + t->datain.size);
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult ReportLuns(iscsi_context* ctx, std::vector<int>* luns) {
  Task t(iscsi_reportluns_sync(ctx, 0, 4096));
  if (!t || t->status != SCSI_STATUS_GOOD) {
    return ::testing::AssertionFailure() << "REPORT LUNS: " << Describe(ctx, t.get());
  }
  auto* list = static_cast<scsi_reportluns_list*>(scsi_datain_unmarshall(t.get()));
  if (list == nullptr) return ::testing::AssertionFailure() << "REPORT LUNS: bad data";
  luns->clear();
  for (uint32_t i = 0; i < list->num; ++i) luns->push_back(list->luns[i]);
  std::sort(luns->begin(), luns->end());
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult ReadCapacity(iscsi_context* ctx, int lun, uint64_t* blocks,
                                        uint32_t* block_size) {
  Task t(iscsi_readcapacity16_sync(ctx, lun));
  if (!t || t->status != SCSI_STATUS_GOOD) {
    return ::testing::AssertionFailure() << "READ CAPACITY(16): " << Describe(ctx, t.get());
  }
  auto* rc = static_cast<scsi_readcapacity16*>(scsi_datain_unmarshall(t.get()));
  if (rc == nullptr) return ::testing::AssertionFailure() << "READ CAPACITY(16): bad data";
  *blocks = rc->returned_lba + 1;
  *block_size = rc->block_length;
  return ::testing::AssertionSuccess();
}

void FillTestData(uint8_t* p, size_t n, uint64_t seed) {
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 0x2545F4914F6CDD1Dull;
  size_t i = 0;
  while (i < n) {
    x += 0x9E3779B97F4A7C15ull;
    uint64_t z = x;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    size_t k = std::min<size_t>(8, n - i);
    std::memcpy(p + i, &z, k);
    i += k;
  }
}

std::vector<uint8_t> TestData(size_t n, uint64_t seed) {
  std::vector<uint8_t> v(n);
  FillTestData(v.data(), n, seed);
  return v;
}

size_t FirstDifference(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  size_t n = std::min(a.size(), b.size());
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return i;
  }
  return a.size() == b.size() ? std::string::npos : n;
}

std::vector<uint8_t> ReadFileRange(const std::string& path, uint64_t offset, size_t len) {
  std::vector<uint8_t> buf(len);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  size_t got = 0;
  while (got < len) {
    ssize_t r = ::pread(fd, buf.data() + got, len - got, static_cast<off_t>(offset + got));
    if (r <= 0) break;
    got += static_cast<size_t>(r);
  }
  ::close(fd);
  buf.resize(got);
  return buf;
}

}  // namespace esan::it
