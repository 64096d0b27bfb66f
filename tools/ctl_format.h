/* tandemctl's human output: any JSON result printed readably without
 * knowing the command (tools/ctl_format.c). An array of objects is a
 * table, its columns in the members' order (nested objects flattened as
 * "media.codec"); an object is aligned "key: value" lines. */
#ifndef TANDEM_CTL_FORMAT_H
#define TANDEM_CTL_FORMAT_H

#include <stdio.h>
#include <jansson.h>

/* A scalar (or an array of scalars, joined by ",") as one cell's text:
 * malloc'd; null is "-". Control characters become '?' so a value never
 * breaks a line. */
char *ctl_cell(const json_t *v);
/* Print v to out: a table, key: value lines, one line per scalar of an
 * array, or the scalar itself. 0, or -1 when out fails (ENOMEM too). */
int ctl_print(FILE *out, const json_t *v);

#endif
