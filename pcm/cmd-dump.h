/* cmd-dump.h -- `pcm dump`: PCM instruction files field by field, as PCMDUMP printed
 * them (KB Q123499, Q189187). */
#pragma once
#include "cli.h"

/* argv[0] = "dump".
 *   pcm dump [--detailed] FILE...        any .INS file; needs no site
 *   pcm --site DIR --workstation WKS dump --all
 *                                        the file that workstation's PCM reads: its SMS.INI
 *                                        gives the SMS ID, CurrentLogonServer and
 *                                        InstructionSharePoint
 * --json (global) prints a JSON array, one object per file. A file that cannot be read
 * is an error "FILE: offset N: expected ..." and the exit status is not 0; the other
 * files are still printed. */
gboolean sms_pcm_cmd_dump(SmsCli *cli, int argc, char **argv, GError **error);
