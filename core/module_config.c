/* tandem — reading a module's config group: errors name the module and
 * the file:line of the setting, so every module reports alike. */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tandem/tandem.h>

void tandem_config_error(const char *module, const config_setting_t *where, const char *fmt, ...)
{
	char msg[512], line[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	tandem_setting_fail(line, sizeof line, "?", where, "%s", msg);
	tlog_error("mod_%s: %s", module, line);
}

int tandem_config_uint(const char *module, const config_setting_t *group, const char *name,
                       unsigned def, unsigned min, unsigned max, unsigned *out)
{
	const config_setting_t *s = group ? config_setting_get_member(group, name) : NULL;
	*out = def;
	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_INT) {
		tandem_config_error(module, s, "'%s' must be an integer", name);
		return -EINVAL;
	}
	int v = config_setting_get_int(s);
	if (v < (int)min || (unsigned)v > max) {
		tandem_config_error(module, s, "'%s' must be between %u and %u", name, min, max);
		return -EINVAL;
	}
	*out = (unsigned)v;
	return 0;
}

char *tandem_setting_path(const config_setting_t *where, const char *path, const char *leaf)
{
	const char *file = where ? config_setting_source_file(where) : NULL;
	char *copy = file && path[0] != '/' ? strdup(file) : NULL;
	const char *dir = copy ? dirname(copy) : NULL;
	size_t n = (dir ? strlen(dir) + 1 : 0) + strlen(path) + (leaf ? strlen(leaf) + 1 : 0) + 1;
	char *out = malloc(n);
	if (out)
		snprintf(out, n, "%s%s%s%s%s", dir ? dir : "", dir ? "/" : "", path, leaf ? "/" : "",
		         leaf ? leaf : "");
	free(copy);
	return out;
}

int tandem_config_read(config_t *cfg, const char *path, char *err, size_t errlen)
{
	config_init(cfg);
	char *copy = strdup(path);
	if (copy)
		config_set_include_dir(cfg, dirname(copy));
	free(copy);
	if (config_read_file(cfg, path))
		return 0;
	if (config_error_type(cfg) == CONFIG_ERR_FILE_IO)
		snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
	else
		snprintf(err, errlen, "%s:%d: %s", config_error_file(cfg) ? config_error_file(cfg) : path,
		         config_error_line(cfg), config_error_text(cfg));
	config_destroy(cfg);
	return -EINVAL;
}

int tandem_setting_fail(char *err, size_t errlen, const char *path, const config_setting_t *where,
                        const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const char *file = where ? config_setting_source_file(where) : NULL;
	unsigned line = where ? config_setting_source_line(where) : 0;
	if (!file)
		file = path;
	if (file && line)
		snprintf(err, errlen, "%s:%u: %s", file, line, msg);
	else if (file)
		snprintf(err, errlen, "%s: %s", file, msg);
	else
		snprintf(err, errlen, "%s", msg);
	return -EINVAL;
}
