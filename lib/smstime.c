/* smstime.c -- naive wall-clock times. */
#include "smstime.h"

#include <stdio.h>
#include <time.h>

/* days from civil (Howard Hinnant's algorithm): exact for the proleptic Gregorian calendar */
static gint64
days_from_civil(gint64 y, unsigned m, unsigned d)
{
	gint64 era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (gint64)doe - 719468;
}

static void
civil_from_days(gint64 z, int *y, int *m, int *d)
{
	gint64 era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int
days_in_month(int y, int m)
{
	static const int dm[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return dm[m - 1];
}

SmsTime
sms_time_from_fields(int year, int month, int day, int hour, int min, int sec)
{
	return days_from_civil(year, (unsigned)month, (unsigned)day) * SMS_DAY + hour * SMS_HOUR +
	       min * SMS_MINUTE + sec;
}

void
sms_time_fields(SmsTime t, int *year, int *month, int *day, int *hour, int *min, int *sec)
{
	gint64 days = t >= 0 ? t / SMS_DAY : -((-t + SMS_DAY - 1) / SMS_DAY);
	gint64 rem = t - days * SMS_DAY;

	civil_from_days(days, year, month, day);
	*hour = (int)(rem / 3600);
	*min = (int)(rem % 3600 / 60);
	*sec = (int)(rem % 60);
}

gboolean
sms_time_parse(const char *s, SmsTime *out, GError **error)
{
	int y, mo, d, h = 0, mi = 0, se = 0, n = 0;
	g_autofree char *t = NULL;

	if (s == NULL)
		return sms_throw(error, SMS_ERROR_INVALID, "expected a time 'YYYY-MM-DD HH:MM', got nothing");
	t = g_strstrip(g_strdup(s));
	if (sscanf(t, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10)
		goto bad;
	if (t[n] != '\0') {
		int n2 = 0;
		if (t[n] != ' ' && t[n] != 'T')
			goto bad;
		if (sscanf(t + n + 1, "%2d:%2d%n", &h, &mi, &n2) != 2 || n2 != 5)
			goto bad;
		n += 1 + n2;
		if (t[n] == ':') {
			int n3 = 0;
			if (sscanf(t + n + 1, "%2d%n", &se, &n3) != 1 || n3 != 2)
				goto bad;
			n += 1 + n3;
		}
		if (t[n] != '\0')
			goto bad;
	}
	if (y < 1900 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
	    h > 23 || mi > 59 || se > 59 || h < 0 || mi < 0 || se < 0)
		return sms_throw(error, SMS_ERROR_INVALID, "'%s' is not a valid date and time", t);
	*out = sms_time_from_fields(y, mo, d, h, mi, se);
	return TRUE;
bad:
	return sms_throw(error, SMS_ERROR_INVALID,
	                 "expected a time 'YYYY-MM-DD HH:MM[:SS]', got '%s'", t);
}

const char *
sms_time_format_buf(SmsTime t, char buf[static 24])
{
	int y, mo, d, h, mi, s;

	if (t == SMS_TIME_NONE) {
		buf[0] = '\0';
		return buf;
	}
	if (t == SMS_TIME_NEVER) {
		g_strlcpy(buf, "never", 24);
		return buf;
	}
	sms_time_fields(t, &y, &mo, &d, &h, &mi, &s);
	g_snprintf(buf, 24, "%04d-%02d-%02d %02d:%02d:%02d", y, mo, d, h, mi, s);
	return buf;
}

char *
sms_time_format(SmsTime t)
{
	char buf[24];
	return g_strdup(sms_time_format_buf(t, buf));
}

char *
sms_time_format_pcm(SmsTime t)
{
	int y, mo, d, h, mi, s;

	if (t == SMS_TIME_NONE || t == SMS_TIME_NEVER)
		return g_strdup("00/00/00 00:00:00");
	sms_time_fields(t, &y, &mo, &d, &h, &mi, &s);
	return g_strdup_printf("%02d/%02d/%02d %02d:%02d:%02d", mo, d, y % 100, h, mi, s);
}

SmsTime
sms_time_now_real(void)
{
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	return sms_time_from_fields(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	                            tm.tm_min, tm.tm_sec);
}

SmsTime
sms_time_add_months(SmsTime t, int months)
{
	int y, mo, d, h, mi, s, total;

	sms_time_fields(t, &y, &mo, &d, &h, &mi, &s);
	total = y * 12 + (mo - 1) + months;
	y = total / 12;
	mo = total % 12 + 1;
	if (d > days_in_month(y, mo))
		d = days_in_month(y, mo);
	return sms_time_from_fields(y, mo, d, h, mi, s);
}

SmsTime
sms_time_ceil(SmsTime t, SmsTime step)
{
	SmsTime r;

	if (step <= 0)
		return t;
	r = t % step;
	if (r < 0)
		r += step;
	return r == 0 ? t : t + (step - r);
}

char *
sms_duration_format(SmsTime secs)
{
	gint64 m = secs / 60, d = m / 1440, h = m % 1440 / 60, mm = m % 60;

	if (d > 0)
		return g_strdup_printf("%" G_GINT64_FORMAT " d %02" G_GINT64_FORMAT " h %02" G_GINT64_FORMAT " min", d, h, mm);
	if (h > 0)
		return g_strdup_printf("%" G_GINT64_FORMAT " h %02" G_GINT64_FORMAT " min", h, mm);
	return g_strdup_printf("%" G_GINT64_FORMAT " min", mm);
}

const char *
sms_time_str(SmsTime t)
{
	static _Thread_local char bufs[8][24];
	static _Thread_local unsigned next;
	char *b = bufs[next++ % 8];
	return sms_time_format_buf(t, b);
}
