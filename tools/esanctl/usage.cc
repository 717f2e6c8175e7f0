// esanctl's help texts. The modern command list comes from modern.cc's
// command table so help and parser cannot drift apart.
#include "tools/esanctl/call.h"

namespace esan::ctl {

std::string modern_usage() {
  return "usage: esanctl [--socket PATH | --url http://HOST:PORT --token-file FILE] [--json] COMMAND ...\n"
         "\n"
         "Manages a running esand through its management API (docs/API.md).\n"
         "  --socket PATH      esand's unix socket (default /run/esan/esand.sock, or $ESAN_SOCKET)\n"
         "  --url URL          esand's TCP management listener instead, with --token-file\n"
         "  --json             print the server's JSON instead of tables\n"
         "Attributes use SCST's names: ATTR=VALUE, e.g. filename=/srv/d0.img read_only=1.\n"
         "The scstadmin spelling (-open_dev NAME -handler H ...) is accepted too; see\n"
         "'scstadmin -help' or esanctl(8).\n"
         "\n"
         "Commands:\n" +
         modern_commands() +
         "\n"
         "Exit status: 0 done, 1 refused by esand (its message is printed), 2 usage error,\n"
         "3 cannot connect to esand.\n";
}

std::string scstadmin_usage() {
  return "usage: scstadmin -OPERATION [NAME] [-PARAMETER VALUE ...] [-force] [-noprompt]\n"
         "\n"
         "esan's scstadmin: SCST's verbs, applied to a running esand over its API\n"
         "(--socket PATH, default /run/esan/esand.sock or $ESAN_SOCKET; --json).\n"
         "\n"
         "Devices:    -open_dev D -handler H [-attributes k=v,...]   -close_dev D -handler H\n"
         "            -set_dev_attr D -attributes k=v,...   -list_device [D]   -list_dev_attr D\n"
         "Targets:    -add_target T -driver iscsi [-attributes k=v,...]   -rem_target T -driver iscsi\n"
         "            -enable_target T -driver iscsi   -disable_target T -driver iscsi\n"
         "            -set_tgt_attr T -driver iscsi -attributes k=v,...   -list_target [T]\n"
         "            -list_tgt_attr T -driver iscsi\n"
         "            -add_tgt_attr T -driver iscsi -attributes IncomingUser=\"USER SECRET\"\n"
         "            -rem_tgt_attr T -driver iscsi -attributes IncomingUser=USER\n"
         "Driver:     -list_driver   -list_drv_attr iscsi   -set_drv_attr iscsi -attributes k=v,...\n"
         "            -add_drv_attr iscsi -attributes ...   -rem_drv_attr iscsi -attributes ...\n"
         "LUNs:       -add_lun N -driver iscsi -target T [-group G] -device D [-attributes read_only=1]\n"
         "            -replace_lun N ... (same)   -rem_lun N -driver iscsi -target T [-group G]\n"
         "Groups:     -add_group G -driver iscsi -target T   -rem_group G -driver iscsi -target T\n"
         "            -list_group [G] [-driver iscsi -target T]\n"
         "Initiators: -add_init I -driver iscsi -target T -group G   -rem_init I ... -group G\n"
         "            -move_init I -driver iscsi -target T -group G -to G2\n"
         "ALUA:       -add_dgrp DG   -rem_dgrp DG   -add_dgrp_dev D -dev_group DG\n"
         "            -rem_dgrp_dev D -dev_group DG   -list_dgrp [DG]\n"
         "            -add_tgrp TG -dev_group DG -attributes group_id=N[,state=S]\n"
         "            -rem_tgrp TG -dev_group DG   -list_tgrp [TG] -dev_group DG\n"
         "            -add_tgrp_tgt T -dev_group DG -tgt_group TG [-attributes rel_tgt_id=N]\n"
         "            -rem_tgrp_tgt T -dev_group DG -tgt_group TG\n"
         "            -set_tgrp_attr TG -dev_group DG -attributes state=S\n"
         "Sessions:   -list_sessions\n"
         "Config:     -write_config FILE   -config FILE (apply it)   -config (reload esand's own file)\n"
         "Options:    -force (remove even what is in use)   -noprompt, -nonkey, -cont_on_err, -no_lip\n"
         "            (accepted, no effect)\n"
         "\n"
         "Exit status: 0 done, 1 refused by esand, 2 usage error, 3 cannot connect to esand.\n";
}

}  // namespace esan::ctl
