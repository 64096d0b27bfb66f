/* mod_voicemail — boxes from the users file (modules/voicemail/boxes.c):
 * user boxes, shared boxes, owners, every error with its file:line; and
 * mod_auth's loader (modules/auth/users.c) reading the same file. */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"

#include "../../modules/auth/users.h"
#include "../../modules/voicemail/voicemail.h"

static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof path, "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(text, f);
	fclose(f);
}

static int load_text(const char *text, unsigned def, struct vm_boxes **b, char *err, size_t n)
{
	char path[256];
	write_file("users.conf", text);
	snprintf(path, sizeof path, "%s/users.conf", tmpdir);
	return vm_boxes_load(path, def, b, err, n);
}

static const char good[] =
	"users: {\n"
	"  realm = \"tandem.local\";\n"
	"  list = (\n"
	"    { user = \"1001\"; password = \"p1\"; voicemail = {\n"
	"        pin = \"1234\";\n"
	"        max_messages = 50;\n"
	"        mwi = \"unsolicited\";\n"
	"        notify = ( \"/usr/sbin/sendmail\", \"-t\", \"alice@example.com\" );\n"
	"      }; },\n"
	"    { user = \"1002\"; password = \"p2\"; voicemail = { }; },\n"
	"    { user = \"1003\"; password = \"p3\"; context = \"internal\"; },\n"
	"    { user = \"alice.b-c_d\"; password = \"p4\"; voicemail = { mwi = \"subscribe\"; notify = [ \"/bin/true\" ]; }; }\n"
	"  );\n"
	"  boxes = (\n"
	"    { box = \"sales\"; pin = \"4321\"; owners = ( \"1001\", \"1002\" ); max_messages = 9999; },\n"
	"    { box = \"Support\"; owners = [ \"1003\" ]; },\n"
	"    { box = \"night\"; pin = \"0000000000000000\"; max_messages = 1; }\n"
	"  );\n"
	"};\n";

static void test_load(void)
{
	struct vm_boxes *b;
	char err[512] = "";

	CU_ASSERT_EQUAL_FATAL(load_text(good, 100, &b, err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(b->n, 6);
	/* sorted for bsearch */
	for (size_t i = 1; i < b->n; i++)
		CU_ASSERT(strcmp(b->v[i - 1].name, b->v[i].name) < 0);

	const struct vm_box *x = vm_boxes_find(b, "1001");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_STRING_EQUAL(x->pin, "1234");
	CU_ASSERT_EQUAL(x->max_messages, 50);
	CU_ASSERT(x->mwi_unsolicited);
	CU_ASSERT_EQUAL_FATAL(x->nowners, 1);
	CU_ASSERT_STRING_EQUAL(x->owners[0], "1001");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x->notify_argv);
	CU_ASSERT_STRING_EQUAL(x->notify_argv[0], "/usr/sbin/sendmail");
	CU_ASSERT_STRING_EQUAL(x->notify_argv[1], "-t");
	CU_ASSERT_STRING_EQUAL(x->notify_argv[2], "alice@example.com");
	CU_ASSERT_PTR_NULL(x->notify_argv[3]);
	CU_ASSERT(vm_box_owned_by(x, "1001"));
	CU_ASSERT(!vm_box_owned_by(x, "1002"));

	/* an empty voicemail group: the defaults */
	x = vm_boxes_find(b, "1002");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_PTR_NULL(x->pin);
	CU_ASSERT_EQUAL(x->max_messages, 100);
	CU_ASSERT(!x->mwi_unsolicited);
	CU_ASSERT_PTR_NULL(x->notify_argv);
	CU_ASSERT(vm_box_owned_by(x, "1002"));

	/* no voicemail group: no box */
	CU_ASSERT_PTR_NULL(vm_boxes_find(b, "1003"));

	x = vm_boxes_find(b, "alice.b-c_d");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT(!x->mwi_unsolicited);
	CU_ASSERT_STRING_EQUAL(x->notify_argv[0], "/bin/true");
	CU_ASSERT_PTR_NULL(x->notify_argv[1]);

	x = vm_boxes_find(b, "sales");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_STRING_EQUAL(x->pin, "4321");
	CU_ASSERT_EQUAL(x->max_messages, 9999);
	CU_ASSERT_EQUAL(x->nowners, 2);
	CU_ASSERT(vm_box_owned_by(x, "1001"));
	CU_ASSERT(vm_box_owned_by(x, "1002"));
	CU_ASSERT(!vm_box_owned_by(x, "1003"));
	CU_ASSERT(!vm_box_owned_by(x, "sales"));
	CU_ASSERT(!vm_box_owned_by(x, NULL));

	/* names are case-sensitive, as folder names are */
	CU_ASSERT_PTR_NULL(vm_boxes_find(b, "support"));
	x = vm_boxes_find(b, "Support");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_PTR_NULL(x->pin);
	CU_ASSERT(vm_box_owned_by(x, "1003"));

	/* a shared box needs no owner (a PIN is how it is reached) */
	x = vm_boxes_find(b, "night");
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_EQUAL(x->nowners, 0);
	CU_ASSERT_EQUAL(x->max_messages, 1);
	CU_ASSERT_STRING_EQUAL(x->pin, "0000000000000000");
	CU_ASSERT(!vm_box_owned_by(x, "1001"));

	CU_ASSERT_PTR_NULL(vm_boxes_find(b, "nope"));
	CU_ASSERT_PTR_NULL(vm_boxes_find(b, ""));
	CU_ASSERT_PTR_NULL(vm_boxes_find(b, NULL));
	CU_ASSERT_PTR_NULL(vm_boxes_find(NULL, "1001"));
	CU_ASSERT(!vm_box_owned_by(NULL, "1001"));
	vm_boxes_free(b);
	vm_boxes_free(NULL);

	/* nobody with a box */
	CU_ASSERT_EQUAL_FATAL(load_text("users: { realm = \"r\"; list = ( { user = \"1\"; password = \"p\"; } ); };\n",
	                                10, &b, err, sizeof err), 0);
	CU_ASSERT_EQUAL(b->n, 0);
	CU_ASSERT_PTR_NULL(vm_boxes_find(b, "1"));
	CU_ASSERT_STRING_EQUAL(b->realm, "r");   /* MWI's Message-Account domain */
	vm_boxes_free(b);
	CU_ASSERT_EQUAL_FATAL(load_text("users: { realm = \"r\"; };\n", 10, &b, err, sizeof err), 0);
	CU_ASSERT_EQUAL(b->n, 0);
	vm_boxes_free(b);
}

/* An error in an @include'd file names that file and its line. */
static void test_include(void)
{
	struct vm_boxes *b;
	char err[512] = "";

	write_file("boxes.conf",
		"{ box = \"sales\"; owners = ( \"1001\" ); },\n"
		"{ box = \"sales\"; }\n");
	CU_ASSERT_EQUAL(load_text(
		"users: {\n"
		"  realm = \"r\";\n"
		"  list = ( { user = \"1001\"; password = \"p\"; } );\n"
		"  boxes = (\n"
		"    @include \"boxes.conf\"\n"
		"  );\n"
		"};\n", 10, &b, err, sizeof err), -EINVAL);
	CU_ASSERT_PTR_NULL(b);
	CU_ASSERT(strstr(err, "boxes.conf:2: box 'sales' defined twice") != NULL);

	write_file("boxes.conf", "{ box = \"sales\"; owners = ( \"1001\" ); }\n");
	CU_ASSERT_EQUAL_FATAL(load_text(
		"users: {\n"
		"  realm = \"r\";\n"
		"  list = ( { user = \"1001\"; password = \"p\"; } );\n"
		"  boxes = (\n"
		"    @include \"boxes.conf\"\n"
		"  );\n"
		"};\n", 10, &b, err, sizeof err), 0);
	CU_ASSERT_EQUAL(b->n, 1);
	CU_ASSERT(vm_box_owned_by(vm_boxes_find(b, "sales"), "1001"));
	vm_boxes_free(b);
}

/* users.list entries for the error cases: line 3 is the first user. */
#define HEAD "users: {\n realm = \"r\";\n list = (\n"
#define U1 "  { user = \"1001\"; password = \"p\"; }\n"

static void test_errors(void)
{
	struct { const char *text, *want; } bad[] = {
		{ "nothing = 1;\n", "users.conf: no 'users' group" },
		{ "users = 1;\n", "users.conf:1: no 'users' group" },
		{ "users: { realm = \"r\"\n list = ( };\n", "users.conf:2: syntax error" },
		{ "users: { realm = \"r\";\n list = { }; };\n", "users.conf:2: users.list must be a list" },
		{ "users: { realm = \"r\";\n boxes = 3; };\n", "users.conf:2: users.boxes must be a list" },
		{ HEAD " 5\n ); };\n", "users.conf:4: users.list entry without user" },
		{ HEAD "  { password = \"p\"; }\n ); };\n", "users.conf:4: users.list entry without user" },
		/* a user's voicemail group */
		{ HEAD "  { user = \"1001\"; voicemail = 1; }\n ); };\n",
		  "users.conf:4: user '1001': voicemail must be a group" },
		{ HEAD "  { user = \"1001\"; voicemail = {\n pin = 1234; }; }\n ); };\n",
		  "users.conf:5: user '1001': pin must be a string of 1 to 16 digits" },
		{ HEAD "  { user = \"1001\"; voicemail = {\n pin = \"12a4\"; }; }\n ); };\n",
		  "users.conf:5: user '1001': pin must be a string of 1 to 16 digits" },
		{ HEAD "  { user = \"1001\"; voicemail = {\n pin = \"\"; }; }\n ); };\n",
		  "users.conf:5: user '1001': pin must be" },
		{ HEAD "  { user = \"1001\"; voicemail = {\n pin = \"12345678901234567\"; }; }\n ); };\n",
		  "users.conf:5: user '1001': pin must be" },
		{ HEAD "  { user = \"1001\"; voicemail = {\n\n max_messages = 0; }; }\n ); };\n",
		  "users.conf:6: user '1001': max_messages must be an integer from 1 to 9999" },
		{ HEAD "  { user = \"1001\"; voicemail = {\n max_messages = 10000; }; }\n ); };\n",
		  "users.conf:5: user '1001': max_messages must be an integer from 1 to 9999" },
		{ HEAD "  { user = \"1001\"; voicemail = {\n max_messages = \"50\"; }; }\n ); };\n",
		  "users.conf:5: user '1001': max_messages must be" },
		{ HEAD "  { user = \"1001\"; voicemail = {\n max_messages = 5.0; }; }\n ); };\n",
		  "users.conf:5: user '1001': max_messages must be" },
		{ HEAD "  { user = \"1001\"; voicemail = {\n max_messages = -3; }; }\n ); };\n",
		  "users.conf:5: user '1001': max_messages must be" },
		{ HEAD "  { user = \"1001\"; voicemail = {\n max_messages = 50000000000L; }; }\n ); };\n",
		  "users.conf:5: user '1001': max_messages must be" },
		{ HEAD "  { user = \"1001\"; voicemail = {\n mwi = \"always\"; }; }\n ); };\n",
		  "users.conf:5: user '1001': mwi must be \"subscribe\" or \"unsolicited\"" },
		{ HEAD "  { user = \"1001\"; voicemail = {\n mwi = true; }; }\n ); };\n",
		  "users.conf:5: user '1001': mwi must be" },
		{ HEAD "  { user = \"1001\"; voicemail = {\n notify = \"/bin/true\"; }; }\n ); };\n",
		  "users.conf:5: user '1001': notify must be a list of strings" },
		{ HEAD "  { user = \"1001\"; voicemail = {\n notify = ( ); }; }\n ); };\n",
		  "users.conf:5: user '1001': notify must be a list of strings" },
		{ HEAD "  { user = \"1001\"; voicemail = {\n notify = ( \"/bin/x\", 3 ); }; }\n ); };\n",
		  "users.conf:5: user '1001': notify must be a list of strings" },
		{ HEAD "  { user = \"1001\"; voicemail = {\n notify = ( \"sendmail\", \"-t\" ); }; }\n ); };\n",
		  "users.conf:5: user '1001': notify: the command 'sendmail' must be an absolute path" },
		{ HEAD "  { user = \"1001\"; voicemail = {\n owners = ( \"1001\" ); }; }\n ); };\n",
		  "users.conf:5: user '1001': unknown setting 'owners' (pin, max_messages, mwi, notify)" },
		{ HEAD "  { user = \"1001\"; voicemail = {\n box = \"x\"; }; }\n ); };\n",
		  "users.conf:5: user '1001': unknown setting 'box'" },
		{ HEAD "  { user = \"1001\"; voicemail = {\n pinn = \"1\"; }; }\n ); };\n",
		  "users.conf:5: user '1001': unknown setting 'pinn'" },
		{ HEAD "  { user = \"10 01\";\n voicemail = { }; }\n ); };\n",
		  "users.conf:5: user '10 01': not usable as a box name: holds a character other than" },
		{ HEAD "  { user = \".1001\";\n voicemail = { }; }\n ); };\n",
		  "users.conf:5: user '.1001': not usable as a box name: starts with '.'" },
		{ HEAD "  { user = \"1234567890123456789012345678901234567890123456789012345678901234\";\n voicemail = { }; }\n ); };\n",
		  "users.conf:5: user '1234567890123456789012345678901234567890123456789012345678901234': not usable as a box name: longer than 63 characters" },
		{ HEAD "  { user = \"1001\"; voicemail = { }; },\n  { user = \"1001\"; voicemail = { }; }\n ); };\n",
		  "users.conf:5: box '1001' defined twice" },
		/* shared boxes */
		{ HEAD U1 " );\n boxes = ( 3 ); };\n", "users.conf:6: each entry of users.boxes must be a group" },
		{ HEAD U1 " );\n boxes = ( { pin = \"1\"; } ); };\n", "users.conf:6: users.boxes entry without box" },
		{ HEAD U1 " );\n boxes = ( {\n box = 7; } ); };\n", "users.conf:7: users.boxes entry without box" },
		{ HEAD U1 " );\n boxes = ( {\n box = \"a/b\"; } ); };\n",
		  "users.conf:7: box 'a/b': bad box name: holds a character other than" },
		{ HEAD U1 " );\n boxes = ( {\n box = \"..\"; } ); };\n",
		  "users.conf:7: box '..': bad box name: starts with '.'" },
		{ HEAD U1 " );\n boxes = ( {\n box = \"\"; } ); };\n", "users.conf:7: box '': bad box name: empty" },
		{ HEAD U1 " );\n boxes = ( { box = \"s\";\n owners = ( \"1001\", \"1009\" ); } ); };\n",
		  "users.conf:7: box 's': owner '1009' is not a user of users.list" },
		{ HEAD U1 " );\n boxes = ( { box = \"s\";\n owners = ( \"1001\", \"1001\" ); } ); };\n",
		  "users.conf:7: box 's': owner '1001' listed twice" },
		{ HEAD U1 " );\n boxes = ( { box = \"s\";\n owners = \"1001\"; } ); };\n",
		  "users.conf:7: box 's': owners must be a list of user names" },
		{ HEAD U1 " );\n boxes = ( { box = \"s\";\n owners = ( 1001 ); } ); };\n",
		  "users.conf:7: box 's': owners must be a list of user names" },
		{ HEAD U1 " );\n boxes = ( { box = \"s\";\n pin = \"x\"; } ); };\n",
		  "users.conf:7: box 's': pin must be a string of 1 to 16 digits" },
		{ HEAD U1 " );\n boxes = ( { box = \"s\";\n colour = \"red\"; } ); };\n",
		  "users.conf:7: box 's': unknown setting 'colour' (box, pin, owners, max_messages, mwi, notify)" },
		{ HEAD U1 " );\n boxes = ( { box = \"s\";\n notify = ( \"rel/cmd\" ); } ); };\n",
		  "users.conf:7: box 's': notify: the command 'rel/cmd' must be an absolute path" },
		{ HEAD U1 " );\n boxes = ( { box = \"s\"; },\n { box = \"s\"; } ); };\n",
		  "users.conf:7: box 's' defined twice" },
		{ HEAD "  { user = \"1001\"; voicemail = { }; }\n );\n boxes = ( { box = \"1001\"; } ); };\n",
		  "users.conf:6: box '1001' defined twice" },
	};
	char err[512];
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct vm_boxes *b = (struct vm_boxes *)&b;
		err[0] = '\0';
		CU_ASSERT_EQUAL(load_text(bad[i].text, 10, &b, err, sizeof err), -EINVAL);
		CU_ASSERT_PTR_NULL(b);
		const char *base = strstr(err, "users.conf");
		if (!base || strncmp(base, bad[i].want, strlen(bad[i].want)) != 0 ||
		    strncmp(err, tmpdir, strlen(tmpdir)) != 0) {
			fprintf(stderr, "\n  case %zu: got '%s', want '%s...'\n", i, err, bad[i].want);
			CU_FAIL("error message");
		}
	}

	/* a file that is not there */
	struct vm_boxes *b;
	char path[256];
	snprintf(path, sizeof path, "%s/missing.conf", tmpdir);
	CU_ASSERT_EQUAL(vm_boxes_load(path, 10, &b, err, sizeof err), -EINVAL);
	CU_ASSERT(strstr(err, "missing.conf: cannot read") != NULL);
	/* a short error buffer is cut, not overrun */
	char tiny[8];
	memset(tiny, 'z', sizeof tiny);
	CU_ASSERT_EQUAL(load_text("users = 1;\n", 10, &b, tiny, 6), -EINVAL);
	CU_ASSERT_EQUAL(strlen(tiny), 5);
	CU_ASSERT_EQUAL(tiny[6], 'z');
}

/* mod_auth reads the same file: it takes the voicemail groups as they are
 * and still checks everything else. */
static void test_auth_reads_it(void)
{
	struct auth_users *u;
	char err[512] = "", path[256];

	write_file("users.conf", good);
	snprintf(path, sizeof path, "%s/users.conf", tmpdir);
	CU_ASSERT_EQUAL_FATAL(auth_users_load(path, &u, err, sizeof err), 0);
	CU_ASSERT_EQUAL(u->n, 4);
	CU_ASSERT_PTR_NOT_NULL(auth_users_find(u, "1001"));
	CU_ASSERT_STRING_EQUAL(auth_users_find(u, "1003")->context, "internal");
	auth_users_free(u);

	struct { const char *text, *want; } bad[] = {
		{ HEAD "  { user = \"1001\"; password = \"p\";\n voicemail = \"yes\"; }\n ); };\n",
		  "users.conf:5: 'voicemail' must be a group" },
		{ HEAD "  { user = \"1001\"; password = \"p\"; voicemail = { };\n mailbox = \"x\"; }\n ); };\n",
		  "users.conf:5: unknown setting 'mailbox'" },
		{ HEAD "  { user = \"1001\"; voicemail = { }; }\n ); };\n",
		  "users.conf:4: user '1001': needs password" },
		{ HEAD "  { user = \"1001\"; voicemail = { };\n context = 3; }\n ); };\n",
		  "users.conf:5: 'context' must be a string" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		write_file("users.conf", bad[i].text);
		err[0] = '\0';
		CU_ASSERT_EQUAL(auth_users_load(path, &u, err, sizeof err), -EINVAL);
		const char *base = strstr(err, "users.conf");
		if (!base || strncmp(base, bad[i].want, strlen(bad[i].want)) != 0) {
			fprintf(stderr, "\n  case %zu: got '%s', want '%s...'\n", i, err, bad[i].want);
			CU_FAIL("error message");
		}
	}
}

/* ---- fixtures ---- */

static int suite_init(void)
{
	return mkdtemp(strcpy(tmpdir, "/tmp/tandem-vmboxes-XXXXXX")) ? 0 : -1;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

static int suite_clean(void)
{
	return nftw(tmpdir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static CU_TestInfo boxes_tests[] = {
	{ "user boxes, shared boxes, owners", test_load },
	{ "@include: errors name the included file", test_include },
	{ "errors with file:line", test_errors },
	{ "mod_auth loads the file with voicemail groups", test_auth_reads_it },
	CU_TEST_INFO_NULL,
};

CU_SuiteInfo unit_suites[] = {
	{ .pName = "vm_boxes", .pInitFunc = suite_init, .pCleanupFunc = suite_clean, .pTests = boxes_tests },
	CU_SUITE_INFO_NULL,
};
