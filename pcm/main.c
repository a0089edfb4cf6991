/* pcm -- the Package Command Manager of an emulated SMS 1.x workstation. */
#include "commands.h"

int main(int argc, char **argv);

static const SmsCommand commands[] = {
	{ "poll", sms_pcm_cmd_poll, "one check of the logon server's instruction file" },
	{ "run", sms_pcm_cmd_run, "the client daemon: checks every PollingInterval minutes" },
	{ "list", sms_pcm_cmd_list, "Pending, Executed and Archived commands" },
	{ "execute", sms_pcm_cmd_execute, "run an offered command now" },
	{ "archive", sms_pcm_cmd_archive, "move an offered command to Archived" },
	{ "messages", sms_pcm_cmd_messages, "messages the site sent to this workstation's user" },
	{ "dump", sms_pcm_cmd_dump, "print instruction files field by field (PCMDUMP)" },
	{ NULL, NULL, NULL },
};

int
main(int argc, char **argv)
{
	return sms_cli_main("pcm", "Package Command Manager (PCMWIN32 / PCMSVC32) of an emulated "
	                    "SMS 1.x workstation.", commands, argc, argv);
}
