// libiscsi helpers for the integration tests: RAII handles, login with a
// unit-attention-clearing TEST UNIT READY loop, checked READ16/WRITE16,
// REPORT LUNS, discovery, and deterministic test data.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

extern "C" {
#include <iscsi/iscsi.h>
#include <iscsi/scsi-lowlevel.h>
}

namespace esan::it {

struct ContextDeleter {
  void operator()(iscsi_context* c) const;
};
using Context = std::unique_ptr<iscsi_context, ContextDeleter>;

struct TaskDeleter {
  void operator()(scsi_task* t) const { scsi_free_scsi_task(t); }
};
using Task = std::unique_ptr<scsi_task, TaskDeleter>;

struct SessionOptions {
  std::string initiator = "iqn.2026-11.org.esan.test:initiator";
  bool header_digest_crc32c = false;
  // ISID of type "random" (iscsi_set_isid_random(rnd, qualifier)).
  std::optional<std::pair<uint32_t, uint32_t>> isid_random;
  int timeout_s = 15;           // libiscsi per-PDU timeout (0 = none)
  bool auto_reconnect = false;  // tests want failures, not silent reconnects
  // CHAP: the initiator's account (empty: no CHAP offered) and, for mutual
  // CHAP, the account the target must prove it knows.
  std::string chap_user, chap_secret;
  std::string target_chap_user, target_chap_secret;
};

// Connects and logs in a normal session to target at portal (HOST:PORT) and
// clears the power-on unit attention on lun with a TEST UNIT READY loop.
// On failure returns null and sets *error.
Context Login(const std::string& portal, const std::string& target, int lun,
              const SessionOptions& opts, std::string* error);

// Logs in a discovery session.
Context LoginDiscovery(const std::string& portal, const std::string& initiator,
                       std::string* error);
Context LoginDiscovery(const std::string& portal, const SessionOptions& opts, std::string* error);

// SendTargets=All over a logged-in discovery session -> sorted target
// names; an empty answer counts as a failure (libiscsi cannot tell it from one).
::testing::AssertionResult DiscoverTargets(iscsi_context* ctx, std::vector<std::string>* names);

// TEST UNIT READY until GOOD (unit attentions are consumed), at most 20 tries.
::testing::AssertionResult WaitReady(iscsi_context* ctx, int lun);

// "status 0x02 (CHECK CONDITION) sense DATA PROTECTION asc/ascq 0x2700"
// or the libiscsi error for a null task.
std::string Describe(iscsi_context* ctx, const scsi_task* task);

// Checked I/O; block size 512 unless given.
::testing::AssertionResult Write16(iscsi_context* ctx, int lun, uint64_t lba, const uint8_t* data,
                                   size_t len, int block_size = 512);
::testing::AssertionResult Read16(iscsi_context* ctx, int lun, uint64_t lba, size_t len,
                                  std::vector<uint8_t>* out, int block_size = 512);

// Raw variants that return the task (null on transport failure).
Task Write16Task(iscsi_context* ctx, int lun, uint64_t lba, const uint8_t* data, size_t len,
                 int block_size = 512);
Task Read16Task(iscsi_context* ctx, int lun, uint64_t lba, size_t len, int block_size = 512);

// REPORT LUNS (select report 0) -> sorted LUN numbers.
::testing::AssertionResult ReportLuns(iscsi_context* ctx, std::vector<int>* luns);

// READ CAPACITY(16) -> number of blocks and block size.
::testing::AssertionResult ReadCapacity(iscsi_context* ctx, int lun, uint64_t* blocks,
                                        uint32_t* block_size);

// Deterministic pseudo-random bytes (splitmix64 stream seeded with seed).
std::vector<uint8_t> TestData(size_t n, uint64_t seed);
void FillTestData(uint8_t* p, size_t n, uint64_t seed);

// Index of the first differing byte, or npos if a == b (sizes must match).
size_t FirstDifference(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b);

// Reads len bytes at offset of a regular file.
std::vector<uint8_t> ReadFileRange(const std::string& path, uint64_t offset, size_t len);

}  // namespace esan::it
