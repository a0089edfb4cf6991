/* jobsvc -- SMS Administrator, Scheduler and Sender of an emulated SMS 1.x site. */
#include "commands.h"

int main(int argc, char **argv);

static const SmsCommand commands[] = {
	{ "init", sms_cmd_init, "create a site root from a site.ini" },
	{ "site", sms_cmd_site, "site show: the site, its servers, domains and workstations" },
	{ "package", sms_cmd_package, "package import|list|show: packages from PDF files" },
	{ "job", sms_cmd_job, "job create|list|show|cancel|delete: jobs and Job Details" },
	{ "machine-group", sms_cmd_machine_group, "machine-group create|add|list" },
	{ "machine", sms_cmd_machine, "machine list: computers known to the site" },
	{ "status", sms_cmd_status, "status messages of the site (filter by job, component)" },
	{ "clock", sms_cmd_clock, "clock show|set|advance|real: the site's clock" },
	{ "run", sms_cmd_run, "run the Scheduler and Sender on the Service Response interval" },
	{ "poll", sms_cmd_poll, "one Scheduler and Sender pass at the clock's current time" },
	{ "idle", sms_cmd_idle, "exit 0 when no component of the site has work due now (scripts)" },
	{ "archive", sms_cmd_archive, "archive create|list|extract|verify: compressed packages" },
	{ "shares", sms_cmd_shares, "the shares of a server as SMS named them; --samba: smb.conf" },
	{ "simulate", sms_cmd_simulate, "replay a scenario on a virtual clock" },
	{ "report", sms_cmd_report, "an HTML file that shows a run (from simulate --events)" },
	{ "diff", sms_cmd_diff, "compare two runs by job name, server and workstation" },
	{ NULL, NULL, NULL },
};

int
main(int argc, char **argv)
{
	return sms_cli_main("jobsvc", "SMS Administrator, Scheduler and Sender of an emulated "
	                    "SMS 1.x site.", commands, argc, argv);
}
