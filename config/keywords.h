// The vocabulary of scst.conf as esand understands it.
//
// Contract:
//  * fixed_arity() says how many value tokens a keyword takes when that count
//    is fixed (section keywords, numbers, booleans, enums); -1 otherwise
//    (string attributes take the rest of their line). The syntax parser uses
//    it to split several statements written on one line, e.g.
//    "group_id 1  state active  TARGET t {".
//  * is_keyword() is true for every word listed anywhere in this file.
//  * is_unimplemented() lists SCST attributes esand accepts and ignores with
//    a warning; is_iscsi_param() lists iSCSI attributes stored verbatim.
//  * is_scst_handler()/is_scst_target_driver() name real SCST components
//    esand does not support (reported differently from typos).
#pragma once

#include <string_view>

namespace esan::config {

enum class Section {
  kTop,
  kHandler,
  kDevice,
  kDriver,
  kTarget,
  kLun,
  kGroup,
  kDeviceGroup,
  kTargetGroup,
  kTargetGroupTarget
};

// "top level", "HANDLER", "DEVICE", ... for messages.
std::string_view section_name(Section s);

int fixed_arity(std::string_view keyword);
bool is_keyword(std::string_view word);
bool is_unimplemented(Section s, std::string_view attribute);
bool is_iscsi_param(std::string_view attribute);
bool is_scst_handler(std::string_view name);
bool is_scst_target_driver(std::string_view name);

}  // namespace esan::config
