/* cmd-archive.h -- jobsvc archive create|list|extract|verify (smsemu-archive(5)). */
#pragma once
#include "cli.h"

/* argv[0] = "archive", argv[1] the subcommand:
 *   create [--level N] [--threads N] DIR FILE   pack DIR into FILE (atomically)
 *   list FILE                                    one line per entry (--json: an array)
 *   extract [--max-bytes N] FILE DIR             unpack into a new or empty DIR
 *   verify FILE                                  check every CRC and size */
gboolean sms_cmd_archive(SmsCli *cli, int argc, char **argv, GError **error);
