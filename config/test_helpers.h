// Shared fixtures for the config/ unit tests (test-only header).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "config/model.h"

namespace esan::config::testing {

// The example of the esan scst.conf documentation; line numbers matter.
inline constexpr std::string_view kExample = R"(# comment
HANDLER vdisk_fileio {
        DEVICE disk01 {
                filename /var/lib/esan/disk01.img
                blocksize 512
                thin_provisioned 1
                t10_dev_id "disk 01"     # quoted values allowed
        }
}
HANDLER vdisk_nullio { DEVICE null0 { size_mb 1024 } }
TARGET_DRIVER iscsi {
        enabled 1
        IncomingUser "joe joes-secret-1"
        TARGET iqn.2026-11.org.esan:t1 {
                enabled 1
                rel_tgt_id 1
                LUN 0 disk01
                LUN 1 null0 {
                        read_only 1
                }
                GROUP hosts1 {
                        LUN 0 disk01
                        INITIATOR iqn.1994-05.com.redhat:*
                        INITIATOR iqn.1998-01.com.vmware:esx?
                }
        }
}
DEVICE_GROUP dg1 { DEVICE disk01  TARGET_GROUP tg1 { group_id 1  state active  TARGET iqn.2026-11.org.esan:t1 { rel_tgt_id 1 } } }
)";

// Parses text that must be valid; fails the test otherwise.
inline Config parse_ok(std::string_view text) {
  auto r = parse_config(text, "t.conf");
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? *r : Config{};
}

// The error message of text that must be rejected ("" if it was accepted).
inline std::string parse_error(std::string_view text) {
  auto r = parse_config(text, "t.conf");
  EXPECT_FALSE(r.has_value()) << "accepted:\n" << text;
  if (r) return "";
  EXPECT_EQ(r.error().code, Errc::kInvalidArgument);
  return r.error().message;
}

}  // namespace esan::config::testing
