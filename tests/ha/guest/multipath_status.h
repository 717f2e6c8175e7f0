// What `multipath -ll` (multipath-tools 0.9) says about the maps, read into
// structs the HA tests assert on: per map its path groups (priority,
// status) and each group's paths (device, states).
//
//   mpatha (360014...) dm-0 ESAN,esan-disk
//   size=64M features='1 queue_if_no_path' hwhandler='1 alua' wp=rw
//   |-+- policy='service-time 0' prio=50 status=active
//   | `- 2:0:0:0 sda 8:0  active ready running
//   `-+- policy='service-time 0' prio=10 status=enabled
//     `- 3:0:0:0 sdb 8:16 active ready running
#pragma once

#include <string>
#include <vector>

namespace esan::ha {

struct MultipathPath {
  std::string hctl;     // 2:0:0:0
  std::string dev;      // sda
  std::string dm_state;       // active / failed
  std::string checker_state;  // ready / faulty / ghost / ...
  std::string online;         // running / offline
};

struct MultipathGroup {
  int prio = -1;
  std::string status;  // active / enabled / disabled
  std::vector<MultipathPath> paths;
};

struct MultipathMap {
  std::string name;   // mpatha
  std::string wwid;   // without the parentheses
  std::string vendor_product;  // ESAN,esan-disk
  std::string features, hwhandler;  // the quoted values of the size= line
  std::vector<MultipathGroup> groups;

  // The group holding device dev (nullptr if none).
  const MultipathGroup* GroupOf(const std::string& dev) const;
  // The group whose status is "active" (nullptr if none).
  const MultipathGroup* ActiveGroup() const;
};

// Parses the whole output. Lines it does not know (warnings, "reload:"
// lines) are skipped; a path or group line before any map header fails,
// as does a group line without prio= or status=, or a path line with fewer
// than six fields (error says which line).
bool ParseMultipathLl(const std::string& text, std::vector<MultipathMap>* maps, std::string* error);

// The maps back in a compact form for messages:
// "mpatha: [prio 50 active: sda(active ready)] [prio 10 enabled: sdb(...)]".
std::string ToString(const std::vector<MultipathMap>& maps);

}  // namespace esan::ha
