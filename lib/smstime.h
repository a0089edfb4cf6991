/* smstime.h -- SMS wall-clock times.
 *
 * SMS 1.x compared local wall-clock times without zones (Start After with the site
 * server's clock, Offer/Mandatory/Expires After with the workstation's). An SmsTime is
 * the number of seconds since 1970-01-01 00:00:00 of such a naive local time.
 */
#pragma once
#include "common.h"

typedef gint64 SmsTime;
#define SMS_TIME_NONE  ((SmsTime)G_MININT64)   /* not set */
#define SMS_TIME_NEVER ((SmsTime)G_MAXINT64)   /* "never" / infinitely late */
#define SMS_MINUTE ((SmsTime)60)
#define SMS_HOUR   ((SmsTime)3600)
#define SMS_DAY    ((SmsTime)86400)

/* "YYYY-MM-DD HH:MM[:SS]" or "YYYY-MM-DD" (midnight); also accepts 'T' as separator. */
gboolean sms_time_parse(const char *s, SmsTime *out, GError **error);
/* "YYYY-MM-DD HH:MM:SS" (newly allocated). SMS_TIME_NONE -> "", NEVER -> "never". */
char *sms_time_format(SmsTime t);
/* Same into a caller buffer of at least 20 bytes; returns buf. */
const char *sms_time_format_buf(SmsTime t, char buf[static 24]);
/* Same into one of 8 rotating thread-local buffers: for a message argument. */
const char *sms_time_str(SmsTime t);
/* PCMDUMP style "MM/DD/YY HH:MM:SS"; SMS_TIME_NONE -> "00/00/00 00:00:00". */
char *sms_time_format_pcm(SmsTime t);
/* Current local wall-clock time of this machine. */
SmsTime sms_time_now_real(void);
/* Calendar arithmetic (months keep the day, clamped to the month's end). */
SmsTime sms_time_add_months(SmsTime t, int months);
/* Round t up to the next multiple of step (relative to the epoch); t itself if aligned. */
SmsTime sms_time_ceil(SmsTime t, SmsTime step);
/* Split into calendar fields. */
void sms_time_fields(SmsTime t, int *year, int *month, int *day, int *hour, int *min, int *sec);
SmsTime sms_time_from_fields(int year, int month, int day, int hour, int min, int sec);
/* Human duration "22 h 05 min" style: "1 d 02 h 05 min", "5 min", "0 min". */
char *sms_duration_format(SmsTime secs);
