/* mod_voicemail — the module's own shared state and the interfaces between
 * its files. One concern per file:
 *   mod_voicemail.c  config, the module glue, the dialplan actions
 *   boxes.c          boxes from the users file (PIN, owners, limits, notify)
 *   spool.c          the on-disk store: messages, counts, atomic writes
 *   prompts.c        the prompt set and spoken numbers
 *   session.c        a call answered here: owning, answering, re-INVITEs,
 *                    hangup; its media on a mod_rtprelay player
 *   recorder.c       a recording with its limits (length, silence)
 *   deposit.c        leaving a message (greeting, beep, recording)
 *   takeover.c       voicemail.takeover: a busy callee's caller taken at BLEG_RESPONSE
 *   retrieve.c       listening to a box (PIN, menus)
 *   mwi.c            message-summary (RFC 3842): SUBSCRIBE, NOTIFY, unsolicited
 *   mwi_text.c       its body and the unsolicited NOTIFY's destination (pure)
 *   notify.c         the per-box command run on each new message
 *   control.c        "voicemail [BOX]" on the control socket
 * Everything runs on the signalling loop. */
#ifndef VOICEMAIL_H
#define VOICEMAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <ev.h>

#include <tandem/call.h>
#include <tandem/rtprelay.h>
#include <tandem/tandem.h>

#define VM_MOD "voicemail"
#define VM_NAME_MAX 64       /* a box name: a user name or a shared box */

struct vm;                   /* the module state (below) */

/* ---- boxes (boxes.c) ----
 * In the users file (the one mod_auth reads):
 *   users: {
 *     list = ( { user = "1001"; password = "..."; voicemail = {
 *                  pin = "1234";            # *98 login; *97 needs none
 *                  max_messages = 50;       # default voicemail.max_messages
 *                  mwi = "unsolicited";     # also NOTIFY registered contacts
 *                  notify = ( "/usr/sbin/sendmail", "-t", "alice@example.com" );
 *                }; } );
 *     boxes = ( { box = "sales"; pin = "4321"; owners = ( "1001", "1002" ); } );
 *   };
 * A user's box is named after the user and owned by it. */
struct vm_box {
	char *name;
	char *pin;                 /* NULL: no PIN (only *97 by an owner) */
	char **owners;             /* users allowed to SUBSCRIBE and to use *97 */
	size_t nowners;
	unsigned max_messages;     /* INBOX + Old */
	bool mwi_unsolicited;
	char **notify_argv;        /* NULL-terminated, NULL: none */
};
struct vm_boxes {
	struct vm_box *v;          /* sorted by name */
	size_t n;
	char *realm;               /* users.realm: Message-Account's domain */
};
/* Load the boxes of path. 0, or -EINVAL with "file:line: why" in err,
 * -ENOMEM. */
int vm_boxes_load(const char *path, unsigned default_max_messages, struct vm_boxes **out,
                  char *err, size_t errlen);
void vm_boxes_free(struct vm_boxes *b);
const struct vm_box *vm_boxes_find(const struct vm_boxes *b, const char *name);
bool vm_box_owned_by(const struct vm_box *box, const char *user);

/* ---- the spool (spool.c) ----
 *   <spool>/<box>/INBOX/msgNNNN.wav + msgNNNN.txt   new messages
 *   <spool>/<box>/Old/msgNNNN.wav + msgNNNN.txt     listened to, saved
 *   <spool>/<box>/busy.wav, unavail.wav, name.wav   the box's own recordings
 *   <spool>/<box>/tmp/                              recordings in progress
 * A message is its .wav (8 kHz 16-bit mono PCM) and its .txt metadata
 * (key=value lines). A file appears under INBOX/Old only whole: written in
 * tmp/, fsynced, renamed (the .txt first, the .wav last: a message exists
 * once its .wav does), the folder fsynced. */
enum vm_folder { VM_INBOX = 0, VM_OLD, VM_FOLDER__COUNT };
enum vm_reason { VM_REASON_BUSY = 0, VM_REASON_UNAVAILABLE };

struct vm_meta {
	char caller_id[128];       /* the caller's user part (number) */
	char caller_name[128];     /* its display name, "" when none */
	char box[VM_NAME_MAX];
	char call_id[256];
	time_t time;               /* when the message was left */
	unsigned duration_ms;
	enum vm_reason reason;
};

struct vm_msg {
	unsigned num;              /* msgNNNN */
	enum vm_folder folder;
	struct vm_meta meta;
};

/* Make <spool>/<box>/{INBOX,Old,tmp}, drop leftovers of a crash (all of tmp/, a
 * .txt without its .wav), and count. 0 or -errno. */
int vm_spool_prepare(const char *spool, const char *box, unsigned *nnew, unsigned *nold);
/* The messages of a folder, oldest first (by number); *out malloc'd, free()
 * it. Returns how many, or -errno. A message whose .txt cannot be read is
 * listed with empty metadata. */
int vm_spool_list(const char *spool, const char *box, enum vm_folder f, struct vm_msg **out);
/* Path of a message's WAV, or of a greeting ("busy", "unavail", "name"). */
int vm_spool_msg_path(const char *spool, const char *box, enum vm_folder f, unsigned num,
                      char *out, size_t size);
int vm_spool_greeting_path(const char *spool, const char *box, const char *which, char *out,
                           size_t size);
/* Move INBOX msg num to Old (a new number there); *new_num may be NULL. */
int vm_spool_save(const char *spool, const char *box, unsigned num, unsigned *new_num);
int vm_spool_delete(const char *spool, const char *box, enum vm_folder f, unsigned num);

/* A recording in progress: a WAV in <box>/tmp/ written as audio comes. */
struct vm_recording;
int vm_rec_start(const char *spool, const char *box, struct vm_recording **out);
int vm_rec_write(struct vm_recording *r, const int16_t *pcm, size_t n);
size_t vm_rec_samples(const struct vm_recording *r);
/* Keep only the first n samples (trailing silence, the '#' press). */
int vm_rec_truncate(struct vm_recording *r, size_t n);
/* Finish it as the next INBOX message (meta written beside it; duration_ms
 * from the samples): *num its number. r is freed either way. */
int vm_rec_commit(struct vm_recording *r, const struct vm_meta *meta, unsigned *num);
/* Finish it as a greeting ("busy", "unavail", "name"), replacing the old. */
int vm_rec_commit_greeting(struct vm_recording *r, const char *which);
/* Drop it (too short, the caller gave up while the box was full...). */
void vm_rec_abort(struct vm_recording *r);

/* ---- a recording with limits (recorder.c) ----
 * What deposit.c and retrieve.c (greetings) record through: the audio
 * capped at voicemail.max_message, silence counted for voicemail.silence. */
enum vm_rec_event { VM_REC_GOING = 0, VM_REC_FULL, VM_REC_SILENCE, VM_REC_ERROR };
struct vm_recorder {
	struct vm_recording *rec;  /* NULL: not recording */
	size_t max_samples, silence_samples;   /* silence 0: never ends by it */
	unsigned level;
	size_t silent;             /* samples of silence at the end so far */
};
int vm_recorder_start(struct vm_recorder *r, const struct vm *vm, const char *box);
/* Append a frame; says whether the recording should end now. */
enum vm_rec_event vm_recorder_feed(struct vm_recorder *r, const int16_t *pcm, size_t n);
/* The recording (NULL when none) for vm_rec_commit*, its trailing silence
 * cut when cut_silence; *ms its length. r records nothing afterwards. */
struct vm_recording *vm_recorder_take(struct vm_recorder *r, bool cut_silence, unsigned *ms);
void vm_recorder_abort(struct vm_recorder *r);

/* Metadata text <-> struct (pure; for the unit tests too). */
int vm_meta_format(const struct vm_meta *m, char *out, size_t size);
int vm_meta_parse(const char *text, size_t len, struct vm_meta *m);
const char *vm_reason_name(enum vm_reason r);   /* "busy", "unavailable" */

/* ---- prompts (prompts.c) ----
 * <sounds>/<name>.wav, made by tools/make-prompts; digits/N.wav for numbers. */
enum vm_prompt {
	VM_P_BUSY = 0,     /* "The person you are calling is on the phone." */
	VM_P_UNAVAIL,      /* "The person you are calling is not available." */
	VM_P_LEAVE,        /* "Please leave a message after the tone. Press pound when finished." */
	VM_P_BEEP,
	VM_P_FULL,         /* "This mailbox is full. Goodbye." */
	VM_P_GOODBYE,
	VM_P_ENTER_BOX,    /* "Please enter your mailbox number, then press pound." */
	VM_P_ENTER_PIN,    /* "Please enter your PIN, then press pound." */
	VM_P_INCORRECT,    /* "Login incorrect." */
	VM_P_YOU_HAVE,     /* "You have" */
	VM_P_NEW,          /* "new" */
	VM_P_OLD,          /* "old" */
	VM_P_AND,          /* "and" */
	VM_P_NO,           /* "no" */
	VM_P_MESSAGE,      /* "message" */
	VM_P_MESSAGES,     /* "messages" */
	VM_P_FIRST,        /* "First message." */
	VM_P_NEXT,         /* "Next message." */
	VM_P_FROM,         /* "From" */
	VM_P_MENU,         /* "Press 1 to replay, 2 for the next message, 7 to delete, 9 to save, 0 for mailbox options." */
	VM_P_DELETED,      /* "Message deleted." */
	VM_P_SAVED,        /* "Message saved." */
	VM_P_NO_MORE,      /* "No more messages." */
	VM_P_OPTIONS,      /* "Press 1 to record your busy greeting, 2 your unavailable greeting, 3 your name, star to go back." */
	VM_P_RECORD,       /* "Record after the tone. Press pound when finished." */
	VM_P_RECORDED,     /* "Recorded." */
	VM_P__COUNT
};
struct vm_prompts;
/* Load every prompt and digits/0..20, 30..90, hundred, thousand. 0, or
 * -ENOENT with the missing file in err (run tools/make-prompts). */
int vm_prompts_load(const struct mod_rtprelay_api *rtp, const char *dir, struct vm_prompts **out,
                    char *err, size_t errlen);
void vm_prompts_free(struct vm_prompts *p);
const struct rtpr_wav *vm_prompt(const struct vm_prompts *p, enum vm_prompt which);
/* The prompts that say n ("twenty", "one"): up to max into out; returns how many. */
size_t vm_say_number(const struct vm_prompts *p, unsigned n, const struct rtpr_wav **out,
                     size_t max);
/* Digit by digit ("1", "0", "0", "2"), for a caller's number; non-digits skipped. */
size_t vm_say_digits(const struct vm_prompts *p, const char *s, const struct rtpr_wav **out,
                     size_t max);

/* ---- the module state ---- */
struct vm {
	struct tandem *t;
	const struct mod_rtprelay_api *rtp;
	const struct auth_api *auth;
	const struct registrar_api *registrar;   /* NULL: no unsolicited MWI */
	struct vm_boxes *boxes;
	struct vm_prompts *prompts;
	char *spool;               /* absolute */
	char *sounds;
	char *users_file;
	char realm[128];           /* for Message-Account */
	unsigned max_message_s, min_message_ms, silence_s, silence_level;
	unsigned max_messages;     /* default per box */
	unsigned max_login_tries;
	unsigned idle_s;           /* retrieval: no key for this long ends it */
	bool takeover;             /* takeover.c */
	/* counts per box, parallel to boxes->v */
	unsigned *nnew, *nold;
	struct vm_mwi *mwi;
};
/* Counts of a box (0/0 for an unknown box). */
void vm_counts(const struct vm *vm, const char *box, unsigned *nnew, unsigned *nold);
/* The spool changed for box: recount from disk, tell MWI. */
void vm_box_changed(struct vm *vm, const char *box);

/* ---- message waiting (mwi.c) ---- */
int vm_mwi_start(struct vm *vm);
/* box's counts changed: NOTIFY its subscribers, and its owners' contacts
 * when the box asks for unsolicited NOTIFY. */
void vm_mwi_changed(struct vm *vm, const char *box);
void vm_mwi_stop(struct vm *vm);
/* fn for every subscription to box (NULL: to any box) alive now, until it
 * returns non-zero (then that value); 0. */
struct tandem_subscription;
int vm_mwi_subscriptions(const struct vm *vm, const char *box,
                         int (*fn)(void *arg, const struct tandem_subscription *sub), void *arg);
/* The RFC 3842 §5.2 body for a box (pure; mwi_text.c). account_uri NULL or
 * "": no Message-Account line. Returns its length or -ENOSPC. */
int vm_mwi_body(const char *account_uri, unsigned nnew, unsigned nold, char *out, size_t size);
/* Where an unsolicited NOTIFY to a registered contact goes: a SIP URI of
 * the address and transport its REGISTER came from ("sip:192.0.2.7:40000",
 * "sip:[2001:db8::1]:5062;transport=tcp"), as tandem_uac_req.dest (pure;
 * mwi_text.c). Its length, -EAFNOSUPPORT when the contact has no source
 * address, -EPROTONOSUPPORT, -ENOSPC. */
struct location_contact;
int vm_mwi_flow_uri(const struct location_contact *c, char *out, size_t size);

/* ---- the control socket (control.c) ---- */
int vm_control_add(struct tandem *t);    /* 0 or tandem_control_command_add's error */
void vm_control_remove(struct tandem *t);

/* ---- notify command (notify.c) ----
 * Run box->notify_argv for a new message with posix_spawn (no shell), the
 * metadata in the environment: VM_BOX, VM_MSGNUM, VM_WAV, VM_CALLER_ID,
 * VM_CALLER_NAME, VM_DURATION (seconds), VM_REASON, VM_TIME (RFC 3339),
 * VM_CALL_ID. The child is reaped by the loop; its exit is logged.
 * 0 (also for a box without a command), or -errno, logged: -EINVAL for a
 * command that is not an absolute path, the spawn's error (-ENOENT...).
 * vm_notify_stop stops watching; running commands are left to finish. */
int vm_notify_run(struct vm *vm, const struct vm_box *box, unsigned num, const char *wav_path,
                  const struct vm_meta *meta);
void vm_notify_stop(struct vm *vm);

/* ---- a call answered here (session.c) ---- */
struct vm_session;
struct vm_session_ops {
	/* the play queue ran empty (silence is sent meanwhile) */
	void (*play_done)(struct vm_session *s, void *arg);
	/* audio from the caller, 20 ms frames, gaps (lost packets) filled
	 * with silence */
	void (*audio)(struct vm_session *s, const int16_t *pcm, size_t n, void *arg);
	/* a digit (RFC 4733 on the endpoint, or SIP INFO) */
	void (*dtmf)(struct vm_session *s, char digit, void *arg);
	/* the call ended (BYE, CANCEL): the session is freed after this */
	void (*ended)(struct vm_session *s, void *arg);
};
/* Own call and answer its caller with a media endpoint answering the
 * offer of invite (the caller's INVITE). 0, or the SIP status to reject
 * with (488 no usable audio, 500). */
int vm_session_start(struct vm *vm, struct tandem_call *call, const struct sip_msg *invite,
                     const struct vm_session_ops *ops, void *arg, struct vm_session **out);
void vm_session_play(struct vm_session *s, const struct rtpr_wav *w);
void vm_session_play_file(struct vm_session *s, const char *path);   /* a message, a greeting */
void vm_session_flush(struct vm_session *s);     /* stop playing now */
bool vm_session_playing(const struct vm_session *s);
/* Hang up from a timer (not from a callback of the call). */
void vm_session_hangup(struct vm_session *s, const char *why);
struct tandem_call *vm_session_call(const struct vm_session *s);
/* The call's CALL_END: ops->ended, then the session is freed. */
void vm_session_end(struct tandem_call *call);

/* ---- what the module keeps per call (mod_voicemail.c) ----
 * The module's one call-data pointer; freed at CALL_END. */
struct vm_call {
	struct vm_session *session;   /* answered here */
	unsigned bleg_open;           /* takeover.c: B-legs created, not yet final */
	ev_timer takeover;            /* takeover.c: the deposit starts out of the hook */
	char takeover_box[VM_NAME_MAX];
	struct vm *vm;
	struct tandem_call *call;
};
/* The call's state, created when create (vm then names the module; may
 * be NULL otherwise); NULL on ENOMEM, or when there is none. */
struct vm_call *vm_call_get(struct vm *vm, struct tandem_call *call, bool create);

/* ---- taking a busy callee's caller at BLEG_RESPONSE (takeover.c) ---- */
enum tandem_verdict vm_takeover_bleg_create(struct tandem_event *ev);
enum tandem_verdict vm_takeover_bleg_response(struct tandem_event *ev);
void vm_takeover_end(struct vm_call *vc);

/* ---- the dialplan actions (deposit.c, retrieve.c) ---- */
/* Leave a message in box for the caller of call (its INVITE invite):
 * answers it; 0, or the status to reject it with (404 no such box, 488,
 * 500). */
int vm_deposit_start(struct vm *vm, struct tandem_call *call, const struct sip_msg *invite,
                     const char *box, enum vm_reason reason);
/* voicemail(box[, busy|unavailable]): leave a message; without the
 * reason, ${dial_outcome} busy gives the busy greeting, else unavailable. */
enum tandem_verdict vm_deposit_run(struct tandem_event *ev, void *priv);
/* voicemail_main([box]): listen; with box (${auth_user}) an owner logged
 * in by digest goes straight in, else the box number and PIN are asked. */
enum tandem_verdict vm_retrieve_run(struct tandem_event *ev, void *priv);

#endif
