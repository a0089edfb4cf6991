/* samba.h -- a site's shares served by Samba, and who holds which file open over SMB.
 *
 * The shares of a server, named as SMS 1.x named them (RG:S3CEA, RG:S3CF0, RG:S3CF3,
 * RG:S3D3F):
 *   SMS_SHR<x>  the SMS root directory on drive x (site and logon servers)
 *   SMS_SHR     LOGON.SRV (logon servers): instruction box, DESPOOLR.BOX, SMSID
 *   SMS_SITE    SITE.SRV\DESPOOLR.BOX\RECEIVE (the site server): the Senders' inbox
 *   SMS_PKG<x>  the distribution directory of drive x; a Run Command package is in
 *               SMS_PKG<x>\<PackageID>
 *   <share>     a Share Package job's directory, named after the package's share name
 *               (its first component when the name has subdirectories: FRISBEE\TESTGROUP
 *               is \\SERVER\FRISBEE\TESTGROUP)
 * with the access SMS gave them, as share.h ACL text ("Everyone:Read", "Users:Change;
 * Guests:Read", "SMSSVC:Full" while revoked). sms_samba_conf() turns them into smb.conf
 * share sections for one smbd per server.
 *
 * The reader of `smbstatus --json` (written against Samba 4.17) gives the files held open on
 * that smbd: the NT server's NetFileEnum, which the Despooler's locked-file check asks.
 */
#pragma once
#include "site.h"

#define SMS_SAMBA_ERROR (sms_samba_error_quark())
GQuark sms_samba_error_quark(void);
typedef enum {
	SMS_SAMBA_ERROR_ACL,         /* an ACL entry smb.conf cannot express or cannot parse */
	SMS_SAMBA_ERROR_NAME,        /* a share name or path smb.conf cannot hold */
	SMS_SAMBA_ERROR_JSON,        /* smbstatus output that is not what was expected */
	SMS_SAMBA_ERROR_SPAWN,       /* smbstatus could not be run or failed */
} SmsSambaError;

/* ---- the shares of a server ------------------------------------------------------ */
typedef struct {
	char *server;             /* upper case */
	char *name;               /* SMS_SHR, SMS_SHRC, SMS_SITE, SMS_PKGC, a share name */
	char *path;               /* absolute directory */
	char *comment;
	char *acl;                /* share.h ACL text in force */
	char *package;            /* package ID of a Share Package share, else NULL (also when
	                           * two packages' share names begin with it) */
	char *package_dir;        /* its directory inside the share ("TESTGROUP" for the share
	                           * name FRISBEE\TESTGROUP), NULL: the share itself */
	gboolean revoked;         /* the package's access is revoked (SMS_SHARE_ERROR_REVOKED) */
	GPtrArray *revoked_dirs;  /* SMS_PKG<x>: package directories whose access is revoked */
} SmsSambaShare;

void sms_samba_share_free(SmsSambaShare *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsSambaShare, sms_samba_share_free)

/* The shares of `server` (upper or lower case) in the order above; a Share Package
 * share or SMS_PKG<x> only once the Despooler has installed there (package_locations)
 * or, for SMS_PKG<x>, the directory exists. *out receives SmsSambaShare*. Unknown server:
 * SMS_SITE_ERROR_UNKNOWN. */
gboolean sms_samba_shares(SmsSite *site, const char *server, GPtrArray **out,
                          GError **error) SMS_WARN_UNUSED;

typedef struct {
	const char *force_user;     /* Unix owner of what workstations write; NULL: the
	                             * connecting user's own */
	const char *guest_account;  /* Unix account Samba maps guests to; NULL: "nobody" */
} SmsSambaConfOptions;

/* The smb.conf parameters of an ACL (Everyone/Users/Guests or account names, each None,
 * Read, Change or Full): "key = value" strings appended to `out`. Users are authenticated
 * users, Guests connect as opts->guest_account. An ACL that gives nobody access makes
 * the share unavailable. */
gboolean sms_samba_acl_params(const char *acl, const SmsSambaConfOptions *opts, GPtrArray *out,
                              GError **error) SMS_WARN_UNUSED;
/* An smb.conf fragment (share sections only, for `include =`) serving `shares` (all of
 * one server). *out is the text. */
gboolean sms_samba_conf(GPtrArray *shares, const SmsSambaConfOptions *opts, char **out,
                        GError **error) SMS_WARN_UNUSED;

/* ---- smbstatus --json -------------------------------------------------------------- */
typedef struct {
	char *path;               /* absolute path on the server */
	char *service_path;       /* root directory of the share it was opened through */
	char *file;               /* path inside that share, '/' separated */
	char *service;            /* the share's name if the holding connection has one tree
	                           * connect (besides IPC$), else NULL */
	char *user;               /* the session's user */
	char *machine;            /* the remote machine (name or address) */
	char *access;             /* "R", "W", "RW" ... as smbstatus prints it */
	int pid;                  /* the smbd process serving the connection */
	SmsTime opened;           /* opened_at (UTC as given, seconds) or SMS_TIME_NONE */
} SmsSambaOpen;

void sms_samba_open_free(SmsSambaOpen *o);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(SmsSambaOpen, sms_samba_open_free)

/* Parse `smbstatus --json` output (`what` names it in errors): one SmsSambaOpen per open
 * of every open file, in file then open order. Strict: a missing or mistyped member the
 * reader needs is an error naming it. */
gboolean sms_samba_status_parse(const char *json, gssize len, const char *what,
                                GPtrArray **out, GError **error) SMS_WARN_UNUSED;
/* Run argv (e.g. { "smbstatus", "-s", conf, "--json", NULL }) and parse its output. */
gboolean sms_samba_status_run(const char *const *argv, GPtrArray **out,
                              GError **error) SMS_WARN_UNUSED;

/* The opens as share sessions of the Despooler's model (share.h): kind "smb", id 0,
 * server `server`, share = the package directory name (the package ID inside SMS_PKG<x>,
 * the share name of a Share Package share, else the share's name), package when known,
 * file inside that directory. An open is matched to a share by its service path (by the
 * tree connect's name when two shares have that path); opens of other directories are
 * left out. Sessions are appended to *out (SmsShareSession*). */
gboolean sms_samba_sessions(GPtrArray *opens, GPtrArray *shares, const char *server,
                            GPtrArray *out, GError **error) SMS_WARN_UNUSED;

/* ---- servers whose shares Samba serves (a site setting) ------------------------------ */
/* Record that the shares of `server` are served by an smbd whose open files `command`
 * lists (a command line printing `smbstatus --json`, split as the shell would, e.g.
 * "smbstatus -s /etc/samba/srv01.conf --json"); NULL: no longer served by Samba. */
gboolean sms_samba_set_server(SmsSite *site, const char *server, const char *command,
                              GError **error) SMS_WARN_UNUSED;
/* The command recorded for `server`; *out NULL when its shares are not served by Samba. */
gboolean sms_samba_server_command(SmsSite *site, const char *server, char **out,
                                  GError **error) SMS_WARN_UNUSED;
/* Everyone holding a file of a package directory (package ID, or share name of a Share
 * Package) open over SMB on `server`, when Samba serves its shares: the sessions of
 * sms_samba_sessions() for that directory, appended to `out`. A server not served by
 * Samba adds nothing; a failing smbstatus is an error (the caller counts the directory
 * as in use). The Despooler's locked-file check (sms_share_holders) calls it. */
gboolean sms_samba_holders(SmsSite *site, const char *server, const char *package,
                           const char *share_name, GPtrArray *out, GError **error) SMS_WARN_UNUSED;
